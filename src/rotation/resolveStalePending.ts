import { ResourceNotFoundException, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING, SecretFormatError, pendingVersionOf } from '../secret.js';
import type { DbCredentials } from '../postgres/gateway.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';
import { finishSecret } from './finishSecret.js';
import { guardPendingMatchesCurrent } from './guardPending.js';
import { errorText } from '../errors.js';
import { credentialsOf, describeSecret, getSecretVersion, type SecretVersion } from './secretValues.js';
import { recordedStrategyOf, strategyOf } from './strategy.js';

export interface StalePendingOptions {
  /** Report what would be done, change nothing. */
  dryRun?: boolean;
  /** This function's ARN: a secret rotated by another function is left alone. */
  rotationFunctionArn?: string;
  /** Leave the secret alone when it changed less than this long ago (a rotation may be running). */
  graceMs?: number;
}

/** A Lambda function's name from its ARN (qualifier dropped), or the name given. */
const unqualified = (arn: string) => (arn.startsWith('arn:') ? (arn.split(':')[6] ?? arn) : arn);

export interface StalePendingReport {
  secretArn: string;
  /**
   * `none`: no stale label; `finished`: the pending version became AWSCURRENT; `dropped`: the
   * label was removed; `left`: nothing was changed because no safe decision exists (see reason).
   */
  action: 'none' | 'finished' | 'dropped' | 'left';
  /** True when `dryRun` kept the action from being carried out. */
  dryRun: boolean;
  versionId?: string;
  reason: string;
}

/**
 * Heals an AWSPENDING label that a failed rotation left on a version other than AWSCURRENT,
 * deciding from what actually logs in:
 * - pending logs in and current does not → the database already moved: finish that rotation;
 * - current logs in → drop the stale label (the next rotation starts clean), then check
 *   current again: if a setSecret ran meanwhile and only pending works now, the label is put
 *   back and the rotation finished, so AWSCURRENT always ends on the password that works;
 * - neither logs in, or the pending value names another host or user → change nothing.
 * A pending version without a value (or not a PostgreSQL secret) is dropped.
 *
 * Idempotency: no-op when no version other than AWSCURRENT carries AWSPENDING.
 * @throws RotationStateError when Secrets Manager cannot be read or updated; database
 *   connection failures (not password refusals) propagate, since "unreachable" is no verdict.
 */
export async function resolveStalePending(
  deps: RotationDeps,
  secretId: string,
  options: StalePendingOptions = {},
): Promise<StalePendingReport> {
  const step = 'resolveStalePending';
  const meta = await describeSecret(deps, secretId, step);
  const secretArn = meta.ARN ?? secretId;
  const versions = meta.VersionIdsToStages ?? {};
  const stale = pendingVersionOf(versions);
  const dryRun = options.dryRun === true;
  if (!stale) return { secretArn, action: 'none', dryRun, reason: 'no AWSPENDING outside AWSCURRENT' };
  // A heal request names only a secret: whether it may be healed is read from Secrets Manager.
  if (options.rotationFunctionArn && meta.RotationLambdaARN && unqualified(meta.RotationLambdaARN) !== unqualified(options.rotationFunctionArn)) {
    return { secretArn, action: 'left', dryRun, versionId: stale, reason: `the secret is rotated by ${meta.RotationLambdaARN}, not by this function; nothing changed` };
  }
  const now = (deps.clock?.() ?? new Date()).getTime();
  if (options.graceMs !== undefined && meta.LastChangedDate && now - meta.LastChangedDate.getTime() < options.graceMs) {
    return { secretArn, action: 'left', dryRun, versionId: stale, reason: 'the secret changed too recently: a rotation may be in progress; nothing changed' };
  }

  const report = (action: StalePendingReport['action'], reason: string): StalePendingReport => ({
    secretArn,
    action,
    dryRun,
    versionId: stale,
    reason,
  });
  const moveLabel = async (input: { MoveToVersionId?: string; RemoveFromVersionId?: string }) => {
    try {
      await deps.secretsManager.send(new UpdateSecretVersionStageCommand({ SecretId: secretArn, VersionStage: AWSPENDING, ...input }));
    } catch (err) {
      throw new RotationStateError(`${step}: secret ${secretArn}: cannot update AWSPENDING on version ${stale}: ${errorText(err)}`, { cause: err });
    }
  };

  let pending: SecretVersion;
  try {
    pending = await getSecretVersion(deps, secretArn, step, { versionId: stale, stage: AWSPENDING });
  } catch (err) {
    // Only a version that has no value, or no PostgreSQL secret in it, is known to be useless.
    const useless = err instanceof SecretFormatError || (err instanceof RotationStateError && err.cause instanceof ResourceNotFoundException);
    if (!useless) throw err;
    if (!dryRun) await moveLabel({ RemoveFromVersionId: stale });
    return report('dropped', `the pending version has no usable value (${(err as Error).name})`);
  }
  const current = await getSecretVersion(deps, secretArn, step, { stage: AWSCURRENT });
  try {
    guardPendingMatchesCurrent(step, secretArn, pending.value, current.value, strategyOf(pending.value, meta.Tags));
  } catch (err) {
    return report('left', `the pending version does not match the current one: ${(err as Error).message}`);
  }
  const logsIn = (creds: DbCredentials) => deps.db.canLogIn(creds);
  const pendingLogsIn = await logsIn(credentialsOf(pending.value));
  const currentLogsIn = await logsIn(credentialsOf(current.value));

  if (pendingLogsIn && !currentLogsIn) {
    if (!dryRun) await finishSecret(deps, meta, stale, recordedStrategyOf(meta.Tags));
    return report('finished', 'the database accepts the pending credentials and no longer the current ones');
  }
  if (!currentLogsIn) {
    return report('left', 'neither the pending nor the current credentials log in: check the database user; nothing changed');
  }
  if (dryRun) return report('dropped', 'the current credentials still log in');

  await moveLabel({ RemoveFromVersionId: stale });
  // A setSecret may have run between the checks and the drop: look again, and undo if so.
  if (!(await logsIn(credentialsOf(current.value))) && (await logsIn(credentialsOf(pending.value)))) {
    await moveLabel({ MoveToVersionId: stale });
    await finishSecret(deps, await describeSecret(deps, secretArn, step), stale, recordedStrategyOf(meta.Tags));
    return report('finished', 'the database took the pending credentials while the label was being dropped');
  }
  return report('dropped', 'the current credentials still log in');
}
