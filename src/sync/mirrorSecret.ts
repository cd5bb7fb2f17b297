import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DETAIL_SECRET_SYNCED, keyrollEventEntry, type SecretSyncedDetail } from '../events.js';
import type { SyncDeps } from './deps.js';
import type { ParameterWrite, WriteReason } from './diffParameters.js';
import { ParameterSyncError, awsErrorText } from './errors.js';
import type { SecretSource } from './planParameters.js';
import { planWrites } from './planSync.js';
import type { RateLimiter } from './rateLimiter.js';

/** What mirroring one secret did. Names only: never a value. */
export interface SecretSyncResult {
  secretArn: string;
  versionId: string;
  /** `in-sync`: nothing to write; `repaired`: at least one parameter written. */
  status: 'in-sync' | 'repaired';
  parameters: string[];
  written: string[];
  unchanged: string[];
  /** Why each written parameter was written (`missing`, `value`, `type`, `kms-key`). */
  changes: Array<{ name: string; reason: WriteReason }>;
}

/**
 * Mirrors one version of a managed secret: plans the writes as planSync does (maps it to
 * parameters, validating all of them first, reads what SSM holds, compares), writes only what
 * differs (PutParameter Overwrite, one parameter at a time through `limiter`), then publishes
 * "Secret Synced" with the names.
 *
 * Idempotency: writes nothing when every parameter already holds the desired value, type and
 * KMS key; the event is still published, as confirmation.
 * @throws ParameterMappingError or SecretFormatError before anything is written;
 *   ParameterSyncError when a read, a write or the event fails (the message says which
 *   parameters were written before the failure).
 */
export async function mirrorSecret(deps: SyncDeps, source: SecretSource, limiter: RateLimiter): Promise<SecretSyncResult> {
  const { plan, desired, toWrite } = await planWrites(deps, source);
  const { secretArn } = source;
  const { versionId, parameters: names, unchanged, changes } = plan;

  const values = desired.map((p) => p.value);
  const written: string[] = [];
  for (const write of toWrite) {
    const { parameter } = write;
    await limiter.acquire();
    try {
      await deps.ssm.send(putParameterCommand(write));
    } catch (err) {
      const done = written.length ? ` (written before the failure: ${written.join(', ')})` : ' (nothing was written)';
      throw new ParameterSyncError(
        `sync: secret ${secretArn} version ${versionId}: cannot write parameter ${parameter.name}: ${awsErrorText(err, values)}${done}`,
        { cause: err },
      );
    }
    written.push(parameter.name);
  }

  await publishSynced(deps, { secretArn, versionId, parameters: names, written, unchanged }, values);
  return {
    secretArn,
    versionId,
    status: written.length ? 'repaired' : 'in-sync',
    parameters: names,
    written,
    unchanged,
    changes,
  };
}

function putParameterCommand({ parameter: p, keyId }: ParameterWrite): PutParameterCommand {
  return new PutParameterCommand({
    Name: p.name,
    Value: p.value,
    Type: p.type,
    ...(keyId ? { KeyId: keyId } : {}),
    Description: p.description,
    Overwrite: true,
  });
}

async function publishSynced(deps: SyncDeps, detail: SecretSyncedDetail, values: readonly string[]): Promise<void> {
  let failure: string | undefined;
  let cause: unknown;
  try {
    const out = await deps.eventBridge.send(
      new PutEventsCommand({
        Entries: [keyrollEventEntry(DETAIL_SECRET_SYNCED, detail, deps.settings.eventBusName, [detail.secretArn])],
      }),
    );
    if (out.FailedEntryCount) failure = `${out.Entries?.[0]?.ErrorCode ?? 'unknown'}: ${out.Entries?.[0]?.ErrorMessage ?? ''}`;
  } catch (err) {
    failure = awsErrorText(err, values);
    cause = err;
  }
  if (failure !== undefined) {
    // The parameters are right; a retry finds them in sync and publishes the confirmation.
    throw new ParameterSyncError(
      `sync: secret ${detail.secretArn} version ${detail.versionId}: parameters synced (${detail.written.length} written) but "${DETAIL_SECRET_SYNCED}" was not published: ${failure}`,
      cause === undefined ? undefined : { cause },
    );
  }
}
