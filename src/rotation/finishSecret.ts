import { UpdateSecretVersionStageCommand, type DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AWSCURRENT, AWSPENDING } from '../secret.js';
import { DETAIL_SECRET_ROTATED, keyrollEventEntry, type SecretRotatedDetail } from '../events.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';
import { errorName } from './secretValues.js';
import type { Strategy } from './strategy.js';

/**
 * finishSecret: moves AWSCURRENT to the token's version (Secrets Manager puts AWSPREVIOUS on
 * the old one), publishes "Secret Rotated", then removes AWSPENDING from the version.
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
): Promise<'finished'> {
  const secretArn = meta.ARN!;
  const versions = meta.VersionIdsToStages ?? {};
  const currentVersion = Object.keys(versions).find((v) => versions[v]?.includes(AWSCURRENT));
  const alreadyCurrent = currentVersion === token;
  const previousVersionId = alreadyCurrent
    ? (Object.keys(versions).find((v) => versions[v]?.includes('AWSPREVIOUS')) ?? null)
    : (currentVersion ?? null);

  if (!alreadyCurrent) {
    await updateStage(deps, secretArn, {
      SecretId: secretArn,
      VersionStage: AWSCURRENT,
      MoveToVersionId: token,
      ...(currentVersion ? { RemoveFromVersionId: currentVersion } : {}),
    });
  }
  await publishRotated(deps, {
    secretArn,
    name: meta.Name ?? secretArn,
    versionId: token,
    previousVersionId,
    strategy,
    rotatedAt: (deps.clock?.() ?? new Date()).toISOString(),
  });
  await updateStage(deps, secretArn, { SecretId: secretArn, VersionStage: AWSPENDING, RemoveFromVersionId: token });
  return 'finished';
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
    throw new RotationStateError(`finishSecret: secret ${secretArn}: cannot ${what}: ${errorName(err)}`, { cause: err });
  }
}

async function publishRotated(deps: RotationDeps, detail: SecretRotatedDetail): Promise<void> {
  let failed: string | undefined;
  try {
    const out = await deps.eventBridge.send(
      new PutEventsCommand({
        Entries: [keyrollEventEntry(DETAIL_SECRET_ROTATED, detail, deps.settings.eventBusName, [detail.secretArn])],
      }),
    );
    if (out.FailedEntryCount) failed = `${out.Entries?.[0]?.ErrorCode}: ${out.Entries?.[0]?.ErrorMessage}`;
  } catch (err) {
    throw new RotationStateError(`finishSecret: secret ${detail.secretArn}: cannot publish "${DETAIL_SECRET_ROTATED}": ${errorName(err)}`, {
      cause: err,
    });
  }
  if (failed) {
    throw new RotationStateError(`finishSecret: secret ${detail.secretArn}: EventBridge refused "${DETAIL_SECRET_ROTATED}": ${failed}`);
  }
}
