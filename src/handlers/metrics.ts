import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Config } from '../config.js';
import { metricUnitOf, type MetricsSink } from '../metrics.js';

/**
 * Powertools Metrics for one function (namespace POWERTOOLS_METRICS_NAMESPACE, dimension
 * `service` = POWERTOOLS_SERVICE_NAME) and the sink domain code records into. A metric without
 * dimensions is buffered and flushed once per invocation (publishMetrics); one with dimensions
 * (step, strategy) goes out at once as its own EMF line, so it never takes another's dimensions.
 */
export function createMetrics(config: Config): { metrics: Metrics; sink: MetricsSink } {
  const metrics = new Metrics({ namespace: config.POWERTOOLS_METRICS_NAMESPACE, serviceName: config.POWERTOOLS_SERVICE_NAME });
  const store: MetricsSink['record'] = (name, value, dimensions) => {
    const unit = metricUnitOf(name);
    const set = Object.fromEntries(Object.entries(dimensions ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>;
    if (Object.keys(set).length === 0) {
      metrics.addMetric(name, unit, value);
      return;
    }
    const single = metrics.singleMetric();
    single.addDimensions(set);
    single.addMetric(name, unit, value);
  };
  const sink: MetricsSink = {
    record(name, value, dimensions) {
      // A metric is never worth failing a step for (after setSecret the database has already changed).
      try {
        store(name, value, dimensions);
      } catch {
        // Powertools refuses only malformed metrics; the names are a fixed list and the values counts.
      }
    },
  };
  return { metrics, sink };
}
