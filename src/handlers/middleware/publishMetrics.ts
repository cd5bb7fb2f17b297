import type { MiddlewareObj } from '@middy/core';
import type { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Flushes the invocation's buffered metrics after the handler returns or throws, as Powertools'
 * logMetrics does, but only when something was recorded: logMetrics warns on every invocation
 * that records nothing (an ignored event, a reconcile of secrets all in sync), and those are most.
 */
export function publishMetrics(metrics: Metrics): MiddlewareObj {
  if (!metrics) throw new TypeError('publishMetrics: metrics is required');
  const flush = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { name: 'publishMetrics', after: flush, onError: flush };
}
