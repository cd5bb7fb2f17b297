/**
 * The metrics keyroll's functions emit (namespace `keyroll`, see README "Metrics"): the names
 * the alarms in serverless.yml and the dashboards rely on, in one list. Domain code records
 * them through a MetricsSink it is given; the handlers give one backed by Powertools Metrics
 * (CloudWatch embedded metric format on stdout), the CLI none.
 */
export const METRIC_NAMES = [
  // rotate: one per step run (dimensions step, strategy), and per finished rotation (strategy).
  'RotationStepSucceeded',
  'RotationStepFailed',
  'RotationStepDuration',
  'RotationSucceeded',
  'StalePendingHealed',
  // sync and reconcile.
  'ParametersWritten',
  'SecretsSynced',
  'DriftRepaired',
  'ReconcileSecretsInSync',
  'ReconcileSecretsFailed',
  'ReconcileSecretsDeferred',
  // redeploy.
  'ServicesRestarted',
  'ServicesSkipped',
  'ServicesFailed',
  // Any function: a keyroll event (Secret Rotated, Secret Synced, Services Redeployed) that could not be put on the bus.
  'EventsNotPublished',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** The only dimensions keyroll uses (few, of few values each: every combination is a CloudWatch metric). */
export interface MetricDimensions {
  step?: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
  /** `single-user` or `alternating-users` as the secret's tags record it; `unrecorded` when it could not be described. */
  strategy?: string;
}

export interface MetricsSink {
  /** Adds `value` to the metric: a count, or milliseconds for names ending in Duration. */
  record(name: MetricName, value: number, dimensions?: MetricDimensions): void;
}

/** The unit of a metric, from its name. */
export const metricUnitOf = (name: MetricName): 'Count' | 'Milliseconds' => (name.endsWith('Duration') ? 'Milliseconds' : 'Count');
