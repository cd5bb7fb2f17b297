import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type * as z from 'zod/mini';
import { clip } from '../errors.js';
import { logOutcome, type LogOutcomeOptions } from './middleware/logOutcome.js';
import { parseEvent } from './middleware/parseEvent.js';
import { publishMetrics } from './middleware/publishMetrics.js';

export interface WrapLambdaHandlerOptions<S extends z.ZodMiniType> {
  logger: Logger;
  /** The function's metrics, flushed after every invocation (see createMetrics). */
  metrics: Metrics;
  /** The event's schema; the handler receives what it parses to. */
  schema: S;
  /** What the event is, for the error message ("rotation event"). */
  name: string;
  /** Keys naming the work, read from the raw event (it may not parse): see logOutcome. */
  keysOf: NonNullable<LogOutcomeOptions['keysOf']>;
  /** The correlation id (the secret version a rotation creates), read from the raw event: see logOutcome. */
  correlationIdOf: NonNullable<LogOutcomeOptions['correlationIdOf']>;
}

/**
 * The middleware every keyroll Lambda wears, in the one order that works: the logger's
 * context first with its keys reset (no key of one invocation leaks into the next), then the
 * metrics flush (after everything else, on success and failure alike), then the single outcome line (its keys come from the raw event, so a malformed one is still named
 * in the error line), then the event's validation, innermost, so the handler gets a typed event.
 * @throws TypeError at module load when an option is missing (see the middlewares).
 */
export function wrapLambdaHandler<S extends z.ZodMiniType, R>(
  lambdaHandler: (event: z.output<S>, context: Context) => Promise<R>,
  options: WrapLambdaHandlerOptions<S>,
) {
  const { logger, metrics, schema, name, keysOf, correlationIdOf } = options;
  return middy(lambdaHandler)
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(publishMetrics(metrics))
    .use(logOutcome({ logger, keysOf, correlationIdOf }))
    .use(parseEvent({ schema, name }));
}

/** The value when it is a string (clipped: log lines stay bounded), else undefined: for reading keys from an event not yet validated. */
export const stringOf = (value: unknown): string | undefined => (typeof value === 'string' ? clip(value, 256) : undefined);

/** An EventBridge event's `detail.versionId` (Secret Label Updated, Secret Rotated, Secret Synced): the rotation's token, the correlation id. */
export const detailVersionIdOf = (e: unknown): string | undefined =>
  stringOf(((e as Record<string, unknown> | null)?.detail as Record<string, unknown> | undefined)?.versionId);
