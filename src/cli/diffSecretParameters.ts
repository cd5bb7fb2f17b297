import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SyncSettings } from '../sync/deps.js';
import { diffParameters, type WriteReason } from '../sync/diffParameters.js';
import { planParameters, type SecretSource } from '../sync/planParameters.js';
import { readParameters } from '../sync/readParameters.js';

/** What a sync of one secret would write, and why. Names and reasons only, never a value. */
export interface ParameterDiffReport {
  path: string;
  versionId: string;
  /** Parameters a sync would write, with the reason (`missing`, `value`, `type`, `kms-key`). */
  changes: Array<{ name: string; reason: WriteReason }>;
  unchanged: string[];
  /** Every parameter mirroring the secret (what redeploy matches task definitions against). */
  parameters: string[];
}

/**
 * The sync module's dry run, composed from its own functions: map the secret to parameters
 * (planParameters), read what SSM holds (readParameters), compare (diffParameters). Writes
 * nothing and publishes nothing.
 * @throws ParameterMappingError / SecretFormatError for a secret sync would refuse;
 *   ParameterSyncError when SSM refuses the reads.
 */
export async function diffSecretParameters(
  ssm: SSMClient,
  source: SecretSource,
  settings: Pick<SyncSettings, 'kmsKeyId' | 'pathPrefixes'>,
): Promise<ParameterDiffReport> {
  const plan = planParameters(source, settings);
  const parameters = plan.parameters.map((p) => p.name);
  const current = await readParameters(ssm, parameters, plan.secretArn);
  const diff = diffParameters(plan.parameters, current);
  return {
    path: plan.path,
    versionId: plan.versionId,
    changes: diff.toWrite.map((w) => ({ name: w.parameter.name, reason: w.reason })),
    unchanged: diff.unchanged,
    parameters,
  };
}
