import type { SyncDeps } from './deps.js';
import { diffParameters, type WriteReason } from './diffParameters.js';
import { planParameters, type SecretSource } from './planParameters.js';
import { readParameters } from './readParameters.js';

/** What a sync of one secret version would write, and why. Names and reasons only, never a value. */
export interface SyncPlan {
  /** The `keyroll:ssm-path` the parameters live under. */
  path: string;
  versionId: string;
  /** Parameters a sync would write, with the reason (`missing`, `value`, `type`, `kms-key`, `adopted`). */
  changes: Array<{ name: string; reason: WriteReason }>;
  /** Names already holding the desired value, type and KMS key. */
  unchanged: string[];
  /** Existing parameters keyroll did not write for this secret, and who did: a sync refuses them (see --adopt). */
  foreign: Array<{ name: string; owner: string }>;
  /** Every parameter mirroring the secret, in write order (what redeploy matches task definitions against). */
  parameters: string[];
}

/**
 * Sync's dry run for one secret version: maps it to parameters (planParameters), reads what
 * Parameter Store holds (GetParameters, DescribeParameters) and compares (diffParameters), the
 * same functions a real sync runs. Writes nothing, publishes nothing.
 * @throws ParameterMappingError / SecretFormatError for a secret sync would refuse;
 *   ParameterSyncError when SSM refuses the reads.
 */
export async function planSync(deps: Pick<SyncDeps, 'ssm' | 'settings'>, source: SecretSource, options: { adopt?: boolean } = {}): Promise<SyncPlan> {
  const mapped = planParameters(source, deps.settings);
  const parameters = mapped.parameters.map((p) => p.name);
  const current = await readParameters(deps.ssm, parameters);
  const { toWrite, unchanged, foreign } = diffParameters(mapped.parameters, current, source.secretArn, options);
  return {
    path: mapped.path,
    versionId: mapped.versionId,
    changes: toWrite.map((w) => ({ name: w.parameter.name, reason: w.reason })),
    unchanged,
    foreign,
    parameters,
  };
}
