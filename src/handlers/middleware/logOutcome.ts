import type { MiddlewareObj } from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { clip, errorCodeOf } from '../../errors.js';

export interface LogOutcomeOptions {
  logger: Logger;
  /** Keys that identify the work (secretArn, step, token…): appended to every log line. Never values. */
  keysOf?: (event: unknown) => Record<string, string | undefined>;
  /**
   * The id that ties one change's log lines together across functions (`correlation_id`):
   * the secret version a rotation creates, which every event keyroll publishes about it carries.
   */
  correlationIdOf?: (event: unknown) => string | undefined;
}

interface OutcomeInternal extends Record<string, unknown> {
  'keyroll:startedAt'?: number;
}

/** Name, message (bounded) and the cause's code: never the cause object itself (foreign text, foreign fields). */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: 'NonError', message: clip(String(err), 400) };
  const cause = err.cause;
  return {
    name: err.name,
    message: clip(err.message, 1_000),
    ...(cause !== undefined ? { cause: { code: errorCodeOf(cause) } } : {}),
  };
}

/**
 * One log line per invocation with its outcome and duration: `info` on success,
 * `error` on failure (the only place an error is logged; domain code throws without logging).
 * Put it after the event has been parsed, so `keysOf` sees the typed event.
 */
export function logOutcome(options: LogOutcomeOptions): MiddlewareObj<unknown, unknown, Error, any, OutcomeInternal> {
  if (!options?.logger) throw new TypeError('logOutcome: options.logger is required');
  const { logger, keysOf, correlationIdOf } = options;
  const elapsed = (internal: OutcomeInternal) => Date.now() - (internal['keyroll:startedAt'] ?? Date.now());

  return {
    name: 'logOutcome',
    before: function logOutcomeBefore(request) {
      request.internal['keyroll:startedAt'] = Date.now();
      if (keysOf) {
        const keys = Object.fromEntries(Object.entries(keysOf(request.event)).filter(([, v]) => v !== undefined));
        logger.appendKeys(keys);
      }
      const correlationId = correlationIdOf?.(request.event);
      if (correlationId) logger.setCorrelationId(correlationId);
    },
    after: function logOutcomeAfter(request) {
      logger.info('invocation finished', { outcome: 'ok', durationMs: elapsed(request.internal) });
    },
    onError: function logOutcomeOnError(request) {
      logger.error('invocation failed', {
        outcome: 'error',
        durationMs: elapsed(request.internal),
        error: describeError(request.error),
      });
    },
  };
}
