import { UpdateSecretVersionStageCommand, type DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { errorText } from '../errors.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../secret.js';
import { asksToBeMirrored } from '../tags.js';
import { DETAIL_SECRET_ROTATED, keyrollEventEntry, type SecretRotatedDetail } from '../events.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';
import type { Strategy } from './strategy.js';

/**
 * finishSecret: moves AWSCURRENT to the token's version (Secrets Manager puts AWSPREVIOUS on
 * the old one), publishes "Secret Rotated", then removes AWSPENDING from the version. The
 * password has changed by then, so a publish that fails is logged and the rotation still
 * succeeds: CloudTrail's triggers and the hourly reconcile mirror the value anyway.
 *
 * Idempotency: no-op when the token is AWSCURRENT without AWSPENDING. A token that is
 * AWSCURRENT and still AWSPENDING is a finish cut short: the event is published again
 * (consumers are idempotent) and the label removed.
 */
export async function finishSecret(
  deps: RotationDeps,
  meta: DescribeSecretResponse,
  token: string,
  strategy: Strategy,
): Promise<'finished' | 'finished-unpublished'> {
  const secretArn = meta.ARN!;
  const versions = meta.VersionIdsToStages ?? {};
  const currentVersion = Object.keys(versions).find((v) => versions[v]?.includes(AWSCURRENT));
  const alreadyCurrent = currentVersion === token;
  const previousVersionId = alreadyCurrent
    ? (Object.keys(versions).find((v) => versions[v]?.includes(AWSPREVIOUS)) ?? null)
    : (currentVersion ?? null);

  if (!alreadyCurrent) {
    await updateStage(deps, secretArn, {
      SecretId: secretArn,
      VersionStage: AWSCURRENT,
      MoveToVersionId: token,
      ...(currentVersion ? { RemoveFromVersionId: currentVersion } : {}),
    });
  }
  const published = await publishRotated(deps, {
    secretArn,
    name: meta.Name ?? secretArn,
    versionId: token,
    previousVersionId,
    strategy,
    rotatedAt: (deps.clock?.() ?? new Date()).toISOString(),
    mirrored: asksToBeMirrored(meta.Tags),
  });
  await updateStage(deps, secretArn, { SecretId: secretArn, VersionStage: AWSPENDING, RemoveFromVersionId: token });
  return published ? 'finished' : 'finished-unpublished';
}

async function updateStage(
  deps: RotationDeps,
  secretArn: string,
  input: ConstructorParameters<typeof UpdateSecretVersionStageCommand>[0],
): Promise<void> {
  try {
    await deps.secretsManager.send(new UpdateSecretVersionStageCommand(input));
  } catch (err) {
    const what = input.MoveToVersionId
      ? `move ${input.VersionStage} to version ${input.MoveToVersionId}`
      : `remove ${input.VersionStage} from version ${input.RemoveFromVersionId}`;
    throw new RotationStateError(`finishSecret: secret ${secretArn}: cannot ${what}: ${errorText(err)}`, { cause: err });
  }
}

/** Publishes "Secret Rotated"; a refusal or failure is logged (and counted by the handler), never thrown. */
async function publishRotated(deps: RotationDeps, detail: SecretRotatedDetail): Promise<boolean> {
  let failure: string | undefined;
  try {
    const out = await deps.eventBridge.send(
      new PutEventsCommand({ Entries: [keyrollEventEntry(DETAIL_SECRET_ROTATED, detail, deps.settings.eventBusName, [detail.secretArn])] }),
    );
    if (out.FailedEntryCount) failure = `EventBridge refused the entry: ${out.Entries?.[0]?.ErrorCode ?? 'unknown'}: ${out.Entries?.[0]?.ErrorMessage ?? ''}`;
  } catch (err) {
    failure = errorText(err);
  }
  if (failure === undefined) return true;
  deps.logger?.warn(`"${DETAIL_SECRET_ROTATED}" not published; the rotation stands (CloudTrail and the reconcile mirror it)`, {
    secretArn: detail.secretArn,
    versionId: detail.versionId,
    error: failure.slice(0, 400),
  });
  return false;
}
