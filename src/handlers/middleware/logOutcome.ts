import type { MiddlewareObj } from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';

export interface LogOutcomeOptions {
  logger: Logger;
  /** Keys that identify the work (secretArn, step, token…): appended to every log line. Never values. */
  keysOf?: (event: unknown) => Record<string, string | undefined>;
}

interface OutcomeInternal extends Record<string, unknown> {
  'keyroll:startedAt'?: number;
}

/** Name, message and the cause's name/code: never the cause object itself (foreign text, foreign fields). */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: 'NonError', message: String(err) };
  const cause = err.cause as { name?: unknown; code?: unknown; Code?: unknown } | undefined;
  return {
    name: err.name,
    message: err.message,
    ...(cause && typeof cause === 'object'
      ? { cause: { name: typeof cause.name === 'string' ? cause.name : undefined, code: cause.code ?? cause.Code } }
      : {}),
  };
}

/**
 * One log line per invocation with its outcome and duration: `info` on success,
 * `error` on failure (the only place an error is logged; domain code throws without logging).
 * Put it after the event has been parsed, so `keysOf` sees the typed event.
 */
export function logOutcome(options: LogOutcomeOptions): MiddlewareObj<unknown, unknown, Error, any, OutcomeInternal> {
  if (!options?.logger) throw new TypeError('logOutcome: options.logger is required');
  const { logger, keysOf } = options;
  const elapsed = (internal: OutcomeInternal) => Date.now() - (internal['keyroll:startedAt'] ?? Date.now());

  return {
    name: 'logOutcome',
    before: function logOutcomeBefore(request) {
      request.internal['keyroll:startedAt'] = Date.now();
      if (keysOf) {
        const keys = Object.fromEntries(Object.entries(keysOf(request.event)).filter(([, v]) => v !== undefined));
        logger.appendKeys(keys);
      }
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
