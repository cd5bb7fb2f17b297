import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { clipList, errorCodeOf, errorText } from '../errors.js';
import { AWSCURRENT } from '../secret.js';
import type { SyncDeps } from './deps.js';
import { diffParameters, type WriteReason } from './diffParameters.js';
import { eligibilityOf } from '../mirrorPath.js';
import { ParameterOwnershipError, ParameterSyncError } from './errors.js';
import { mirrorNamesOf, planParameters } from './planParameters.js';
import { publishSynced } from './publishSynced.js';
import { createRateLimiter } from '../rateLimiter.js';
import { readParameters } from './readParameters.js';
import { currentVersionOf, describeForSync, type DescribedSecret } from './secretFacts.js';
import { writeParameters } from './writeParameters.js';

/** What mirroring one secret did. Names only: never a value. */
export interface SecretSyncResult {
  secretArn: string;
  versionId: string;
  /** `in-sync`: nothing to write; `repaired`: at least one parameter written. */
  status: 'in-sync' | 'repaired';
  parameters: string[];
  written: string[];
  unchanged: string[];
  /** Why each written parameter was written (`missing`, `value`, `type`, `kms-key`, `adopted`). */
  changes: Array<{ name: string; reason: WriteReason }>;
  /** Whether "Secret Synced" was published for it. */
  published: boolean;
}

/** A secret keyroll does not mirror: no `keyroll:ssm-path` tag, or scheduled for deletion. */
export interface UnmanagedSecret {
  secretArn: string;
  status: 'unmanaged';
  reason: string;
}

/** The event announced a version that is no longer AWSCURRENT: the newer version's own event mirrors it. */
export interface SupersededSync {
  secretArn: string;
  status: 'superseded';
  versionId: string;
  currentVersionId: string;
}

export type SyncSecretResult = SecretSyncResult | UnmanagedSecret | SupersededSync;

export interface SyncSecretOptions {
  /** The AWSCURRENT version the triggering event announced (Secret Label Updated's versionId); only ever used to skip work. */
  eventVersionId?: string;
  /**
   * When to publish "Secret Synced": `always` (an event-driven sync: one per new AWSCURRENT
   * version), `if-written` (the CLI: only for a repair), `never`.
   */
  publish?: 'always' | 'if-written' | 'never';
  /** Take over parameters keyroll did not write for this secret (`keyroll sync --adopt`). */
  adopt?: boolean;
}

// A rotation finishing while a sync writes makes it start over; three tries outlast any real race.
const MAX_ATTEMPTS = 3;

/**
 * Mirrors the AWSCURRENT version of one secret into Parameter Store, whatever version the event
 * named, so events arriving late or twice converge on the current value:
 * 1. DescribeSecret: the boundaries (eligibilityOf) and the current version, before any value is read;
 * 2. the parameters' values and provenance (GetParameters, DescribeParameters);
 * 3. that version's value (GetSecretValue by version id *and* AWSCURRENT, which fails once it moved);
 * 4. only what differs written, never over a parameter keyroll did not write for this secret;
 * 5. after writing, DescribeSecret again: if AWSCURRENT moved meanwhile (a rotation finished while
 *    this sync wrote the older value), start over with the new version — no lost update;
 * 6. "Secret Synced" published (see `options.publish`).
 *
 * Idempotency: writes nothing when every parameter already holds the desired value, type and key.
 * @throws ParameterMappingError (ParameterOwnershipError among them) or SecretFormatError before
 *   anything is written; ParameterSyncError when a read, a write or the event fails.
 */
export async function syncSecret(deps: SyncDeps, secretId: string, options: SyncSecretOptions = {}): Promise<SyncSecretResult> {
  const limiter = createRateLimiter(deps.settings.putTps);
  let last = '';
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const secret = await describeForSync(deps, secretId);
    const { secretArn } = secret;
    const eligibility = eligibilityOf(secret, deps.settings.mirrorRules);
    if (eligibility.kind === 'unmanaged') {
      deps.logger?.info('secret not mirrored', { secretArn, reason: eligibility.reason });
      return { secretArn, status: 'unmanaged', reason: eligibility.reason };
    }
    const versionId = currentVersionOf(secret.versionsToStages);
    if (!versionId) throw new ParameterSyncError(`sync: secret ${secretArn} has no ${AWSCURRENT} version`);
    if (options.eventVersionId && options.eventVersionId !== versionId) {
      deps.logger?.info('event superseded: a newer version is current', { secretArn, versionId: options.eventVersionId, currentVersionId: versionId });
      return { secretArn, status: 'superseded', versionId: options.eventVersionId, currentVersionId: versionId };
    }

    const outcome = await mirrorVersion(deps, secret, versionId, limiter, options);
    if (outcome === 'moved') {
      last = `${AWSCURRENT} moved away from version ${versionId} while it was being mirrored`;
      deps.logger?.info('AWSCURRENT moved during the sync; starting over', { secretArn, versionId, attempt });
      continue;
    }
    const publish = options.publish ?? 'always';
    const published = publish === 'always' || (publish === 'if-written' && outcome.written.length > 0);
    if (published) {
      const failed = await publishSynced(deps, [{ secretArn, versionId, parameters: outcome.parameters, written: outcome.written, unchanged: outcome.unchanged }]);
      const failure = failed.get(secretArn);
      if (failure) {
        // The parameters are right; Lambda's retry finds them in sync and publishes.
        throw new ParameterSyncError(
          `sync: secret ${secretArn} version ${versionId}: parameters synced (${outcome.written.length} written) but "Secret Synced" was not published: ${failure}`,
        );
      }
    }
    deps.logger?.info('secret synced', { secretArn, versionId, status: outcome.status, written: outcome.written, unchanged: outcome.unchanged.length, published });
    return { ...outcome, published };
  }
  throw new ParameterSyncError(`sync: secret ${secretId}: gave up after ${MAX_ATTEMPTS} attempts: ${last}`);
}

/**
 * Steps 2–5 for one version: read, compare, write, confirm.
 * @returns the result, or `moved` when AWSCURRENT left the version before or while it was written.
 */
async function mirrorVersion(
  deps: SyncDeps,
  secret: DescribedSecret,
  versionId: string,
  limiter: ReturnType<typeof createRateLimiter>,
  options: SyncSecretOptions,
): Promise<Omit<SecretSyncResult, 'published'> | 'moved'> {
  const { secretArn } = secret;
  const { names } = mirrorNamesOf(secret, deps.settings);
  const current = await readParameters(deps.ssm, names);

  let secretString: string | undefined;
  try {
    const out = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn, VersionId: versionId, VersionStage: AWSCURRENT }));
    secretString = out.SecretString;
  } catch (err) {
    // The version no longer carries AWSCURRENT: read just before writing, so this is the pre-write check.
    if (errorCodeOf(err) === 'InvalidRequestException') return 'moved';
    throw new ParameterSyncError(`sync: cannot read ${AWSCURRENT} version ${versionId} of secret ${secretArn}: ${errorText(err)}`, { cause: err });
  }
  const plan = planParameters({ ...secret, versionId, secretString }, deps.settings);
  const diff = diffParameters(plan.parameters, current, secretArn, { adopt: options.adopt === true });
  if (diff.foreign.length > 0) {
    const owners = [...new Set(diff.foreign.map((f) => f.owner))].join('; ');
    throw new ParameterOwnershipError(
      `sync: secret ${secretArn}: parameter(s) ${clipList(diff.foreign.map((f) => f.name))} exist and were not written by keyroll for this secret (written by ${owners}); nothing was written. ` +
        `To let this secret take them over, run: keyroll sync ${secretArn} --adopt`,
      diff.foreign.map((f) => f.name),
    );
  }
  const written = await writeParameters(deps.ssm, diff.toWrite, limiter, { secretArn, versionId });
  if (written.length > 0) {
    const after = await describeForSync(deps, secretArn);
    if (currentVersionOf(after.versionsToStages) !== versionId) return 'moved';
  }
  return {
    secretArn,
    versionId,
    status: written.length ? 'repaired' : 'in-sync',
    parameters: plan.parameters.map((p) => p.name),
    written,
    unchanged: diff.unchanged,
    changes: diff.toWrite.map((w) => ({ name: w.parameter.name, reason: w.reason })),
  };
}
