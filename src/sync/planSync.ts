import type { SyncDeps } from './deps.js';
import { diffParameters, type ParameterWrite, type WriteReason } from './diffParameters.js';
import { planParameters, type DesiredParameter, type SecretSource } from './planParameters.js';
import { readParameters } from './readParameters.js';

/** What a sync of one secret version would write, and why. Names and reasons only, never a value. */
export interface SyncPlan {
  /** The `keyroll:ssm-path` the parameters live under. */
  path: string;
  versionId: string;
  /** Parameters a sync would write, with the reason (`missing`, `value`, `type`, `kms-key`). */
  changes: Array<{ name: string; reason: WriteReason }>;
  /** Names already holding the desired value, type and KMS key. */
  unchanged: string[];
  /** Every parameter mirroring the secret, in write order (what redeploy matches task definitions against). */
  parameters: string[];
}

/** The writes a sync would make, with the desired values: for mirrorSecret, never for output. */
export interface PlannedWrites {
  plan: SyncPlan;
  desired: DesiredParameter[];
  toWrite: ParameterWrite[];
}

/**
 * Maps the secret version to parameters (planParameters), reads what Parameter Store holds
 * (readParameters) and compares (diffParameters): the one path both the dry run (planSync)
 * and the real sync (mirrorSecret) take, so they cannot disagree. Writes nothing.
 * @throws ParameterMappingError / SecretFormatError for a secret sync would refuse;
 *   ParameterSyncError when SSM refuses the reads.
 */
export async function planWrites(deps: Pick<SyncDeps, 'ssm' | 'settings'>, source: SecretSource): Promise<PlannedWrites> {
  const mapped = planParameters(source, deps.settings);
  const parameters = mapped.parameters.map((p) => p.name);
  const current = await readParameters(deps.ssm, parameters, mapped.secretArn);
  const { toWrite, unchanged } = diffParameters(mapped.parameters, current);
  return {
    plan: {
      path: mapped.path,
      versionId: mapped.versionId,
      changes: toWrite.map((w) => ({ name: w.parameter.name, reason: w.reason })),
      unchanged,
      parameters,
    },
    desired: mapped.parameters,
    toWrite,
  };
}

/**
 * Sync's dry run for one secret version: the parameters a sync would write and why, and those
 * already right. Makes only reads (GetParameters, DescribeParameters), publishes nothing.
 * @throws ParameterMappingError / SecretFormatError for a secret sync would refuse;
 *   ParameterSyncError when SSM refuses the reads.
 */
export async function planSync(deps: Pick<SyncDeps, 'ssm' | 'settings'>, source: SecretSource): Promise<SyncPlan> {
  return (await planWrites(deps, source)).plan;
}
