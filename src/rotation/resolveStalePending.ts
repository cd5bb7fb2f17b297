import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../secret.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';
import { finishSecret } from './finishSecret.js';
import { recordedStrategyOf } from './createSecret.js';
import { credentialsOf, describeSecret, errorName, getSecretVersion } from './secretValues.js';

export interface StalePendingReport {
  secretArn: string;
  /** `none`: no stale label; `finished`: the pending version became AWSCURRENT; `dropped`: the label was removed. */
  action: 'none' | 'finished' | 'dropped';
  /** True when `dryRun` kept the action from being carried out. */
  dryRun: boolean;
  versionId?: string;
  reason: string;
}

/**
 * Heals an AWSPENDING label that a failed rotation left on a version other than AWSCURRENT,
 * deciding from what actually logs in: pending logs in and current does not → the database
 * already moved, so finish that rotation; otherwise → drop the stale label (AWSCURRENT
 * keeps working, and the next rotation starts clean).
 *
 * Idempotency: no-op when no version other than AWSCURRENT carries AWSPENDING.
 * @throws RotationStateError when Secrets Manager cannot be read or updated; database
 *   connection failures (not login refusals) propagate, since "unreachable" is no verdict.
 */
export async function resolveStalePending(
  deps: RotationDeps,
  secretId: string,
  options: { dryRun?: boolean } = {},
): Promise<StalePendingReport> {
  const step = 'resolveStalePending';
  const meta = await describeSecret(deps, secretId, step);
  const secretArn = meta.ARN ?? secretId;
  const versions = meta.VersionIdsToStages ?? {};
  const stale = Object.keys(versions).find((v) => versions[v]?.includes(AWSPENDING) && !versions[v]?.includes(AWSCURRENT));
  const dryRun = options.dryRun === true;
  if (!stale) return { secretArn, action: 'none', dryRun, reason: 'no AWSPENDING outside AWSCURRENT' };

  const report = (action: 'finished' | 'dropped', reason: string): StalePendingReport => ({
    secretArn,
    action,
    dryRun,
    versionId: stale,
    reason,
  });
  const drop = async (reason: string) => {
    if (!dryRun) {
      try {
        await deps.secretsManager.send(
          new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: AWSPENDING, RemoveFromVersionId: stale }),
        );
      } catch (err) {
        throw new RotationStateError(`${step}: secret ${secretArn}: cannot remove AWSPENDING from version ${stale}: ${errorName(err)}`, {
          cause: err,
        });
      }
    }
    return report('dropped', reason);
  };

  let pending;
  try {
    pending = await getSecretVersion(deps, secretArn, step, { versionId: stale, stage: AWSPENDING });
  } catch (err) {
    return drop(`pending version has no usable value (${err instanceof Error ? err.name : 'error'})`);
  }
  const current = await getSecretVersion(deps, secretArn, step, { stage: AWSCURRENT });
  const pendingLogsIn = await deps.db.canLogIn(credentialsOf(pending.value));
  const currentLogsIn = await deps.db.canLogIn(credentialsOf(current.value));

  if (pendingLogsIn && !currentLogsIn) {
    if (!dryRun) await finishSecret(deps, meta, stale, recordedStrategyOf(meta.Tags));
    return report('finished', 'the database accepts the pending credentials and no longer the current ones');
  }
  return drop(
    currentLogsIn
      ? 'the current credentials still log in'
      : 'neither the pending nor the current credentials log in: check the database user',
  );
}
