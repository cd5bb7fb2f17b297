import type { Command } from 'commander';
import pLimit from 'p-limit';
import { decideService } from '../redeploy/decideService.js';
import { discoverServices, type DiscoveredService } from '../redeploy/discoverServices.js';
import { ClusterNotFoundError } from '../redeploy/errors.js';
import { parameterSetOf } from '../redeploy/matchReference.js';
import { strategyOf } from '../rotation/strategy.js';
import { parseSecretString } from '../secret.js';
import { parseLastFailure, tagValue, TAG_LAST_FAILURE, TAG_SSM_PATH, type LastFailure } from '../tags.js';
import type { DescribedSecret } from '../sync/secretFacts.js';
import { planSync } from '../sync/planSync.js';
import { readSecretValues, type SecretValueRead } from '../sync/readSecretValues.js';
import { changeOfSecret, type SecretChangeInput } from './changeOfSecret.js';
import type { CommandSetup } from './commandSetup.js';
import type { CliContext } from './createCliContext.js';
import { createProgress } from './createProgress.js';
import { EXIT_FAILED, EXIT_OK } from './exitCodeOf.js';
import { formatTimestamp } from './formatTimestamp.js';
import { listKeyrollSecrets } from './listKeyrollSecrets.js';
import { passwordsIn } from './loadSecret.js';
import { pendingStateOf, type PendingState } from './pendingStateOf.js';
import { renderTable } from './renderTable.js';
import { describeError, readOnlyClusterError } from './reportError.js';

/** A service that references a secret, and what redeploy would do with it now. */
export interface ReferencingService {
  cluster: string;
  service: string;
  /** restart (not on the current value), skip or fail. */
  action: string;
  reason: string;
}

/** One secret's line of `keyroll status`: names, dates and states, never a value. */
export interface SecretStatus {
  secretArn: string;
  name: string;
  /** The `keyroll:ssm-path` tag, when the secret is mirrored. */
  ssmPath: string | null;
  strategy: 'single-user' | 'alternating-users' | null;
  rotationEnabled: boolean;
  rotationFunction: string | null;
  lastRotated: string | null;
  nextRotation: string | null;
  ssm:
    | { status: 'in-sync' | 'out-of-sync'; changes: Array<{ name: string; reason: string }> }
    | { status: 'not-mirrored' }
    | { status: 'error'; error: string };
  services: { status: 'ok'; referencing: ReferencingService[] } | { status: 'error'; error: string };
  pending: { status: PendingState['status']; versionId: string | null };
  /** The step that failed last, as the rotate function recorded it (tag keyroll:last-failure); null once a rotation finished since. */
  lastFailure: LastFailure | null;
  /** Why a field could not be determined (e.g. the value is not a PostgreSQL secret). */
  errors: string[];
}

export interface StatusReport {
  secrets: SecretStatus[];
}

// Secrets compared with SSM at once (two reads each); the SDK's adaptive retry absorbs throttling.
const STATUS_CONCURRENCY = 4;

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

/**
 * Gathers the status of every secret keyroll manages (see listKeyrollSecrets): strategy,
 * rotation settings, whether SSM mirrors AWSCURRENT (a dry comparison: nothing written), the
 * ECS services referencing it (one discovery for all secrets; each decided as redeploy would
 * against when its AWSCURRENT value was created), and AWSPENDING left by a failed rotation. A
 * field that cannot be determined is reported on that secret; the others continue.
 * @throws ParameterSyncError or the SDK's error (see listKeyrollSecrets) when the secrets cannot be listed at all.
 * @throws NotFoundError (ClusterNotFoundError in `cause`) when a configured cluster does not exist.
 */
export async function collectStatus(ctx: CliContext): Promise<StatusReport> {
  const sm = ctx.secretsManager();
  const secrets = await listKeyrollSecrets(sm, ctx.rotateFunctionArn);
  if (secrets.length === 0) return { secrets: [] };

  const values = await readSecretValues(
    sm,
    secrets.map((s) => s.secretArn),
  );
  for (const read of values.values()) if (read.ok) ctx.out.protect(...passwordsIn(read.secretString));

  let services: DiscoveredService[] | { error: string };
  try {
    services = await discoverServices(ctx.redeployDeps());
  } catch (err) {
    // A cluster named on the command line or in ECS_CLUSTERS that does not exist is the caller's
    // mistake, not a state of the secrets: not found (exit 3), as for plan and redeploy.
    if (err instanceof ClusterNotFoundError) throw readOnlyClusterError(err, 'no service was checked');
    services = { error: describeError(err) };
  }

  const progress = createProgress(ctx.out, 'checking secrets', secrets.length);
  const now = new Date();
  const limit = pLimit(STATUS_CONCURRENCY);
  try {
    const out = await Promise.all(
      secrets.map((entry) =>
        limit(async () => {
          const status = await statusOf(ctx, entry, values.get(entry.secretArn), services, now);
          progress.advance(entry.name);
          return status;
        }),
      ),
    );
    return { secrets: out };
  } finally {
    progress.stop();
  }
}

/** The failure rotate recorded, unless a rotation finished since (a record its clearing missed is history, not news). */
function currentFailureOf(entry: DescribedSecret): LastFailure | null {
  const failure = parseLastFailure(tagValue(entry.tags, TAG_LAST_FAILURE));
  if (!failure) return null;
  if (entry.lastRotatedDate && Date.parse(failure.at) < entry.lastRotatedDate.getTime()) return null;
  return failure;
}

async function statusOf(
  ctx: CliContext,
  entry: DescribedSecret,
  read: SecretValueRead | undefined,
  services: DiscoveredService[] | { error: string },
  now: Date,
): Promise<SecretStatus> {
  const arn = entry.secretArn;
  const name = entry.name;
  // An empty tag counts as absent, as sync treats it.
  const ssmPath = tagValue(entry.tags, TAG_SSM_PATH) || null;
  const errors: string[] = [];

  let strategy: SecretStatus['strategy'] = null;
  if (read?.ok) {
    try {
      strategy = strategyOf(parseSecretString(read.secretString, { secretId: arn, versionId: read.versionId }), entry.tags);
    } catch (err) {
      errors.push(describeError(err));
    }
  } else {
    errors.push(`cannot read AWSCURRENT: ${read?.error ?? 'not read'}`);
  }

  let ssm: SecretStatus['ssm'] = { status: 'not-mirrored' };
  let parameterNames: string[] = [];
  if (ssmPath && read?.ok) {
    try {
      const sync = await planSync(ctx.syncDeps(), { ...entry, versionId: read.versionId, secretString: read.secretString });
      parameterNames = sync.parameters;
      ssm = sync.foreign.length
        ? { status: 'error', error: `parameter(s) ${sync.foreign.map((f) => f.name).join(', ')} exist and were not written by keyroll for this secret` }
        : { status: sync.changes.length ? 'out-of-sync' : 'in-sync', changes: sync.changes };
    } catch (err) {
      ssm = { status: 'error', error: describeError(err) };
    }
  } else if (ssmPath) {
    ssm = { status: 'error', error: 'AWSCURRENT could not be read' };
  }

  let referencing: SecretStatus['services'];
  if ('error' in services) {
    referencing = { status: 'error', error: services.error };
  } else {
    try {
      const input = { secretArn: arn, name, versionId: read?.ok ? read.versionId : undefined, parameterNames };
      referencing = { status: 'ok', referencing: await referencingServices(ctx, services, input, now) };
    } catch (err) {
      referencing = { status: 'error', error: describeError(err) };
    }
  }

  const pending = pendingStateOf(entry.versionsToStages, entry.lastChangedDate, now);
  return {
    secretArn: arn,
    name,
    ssmPath,
    strategy,
    rotationEnabled: entry.rotationEnabled,
    rotationFunction: entry.rotationLambdaArn ?? null,
    lastRotated: iso(entry.lastRotatedDate),
    nextRotation: entry.rotationEnabled ? iso(entry.nextRotationDate) : null,
    ssm,
    services: referencing,
    pending: { status: pending.status, versionId: pending.versionId ?? null },
    lastFailure: currentFailureOf(entry),
    errors,
  };
}

/**
 * The services that reference the secret (or its parameters), each decided as redeploy would for
 * a sync that wrote nothing: against when the AWSCURRENT value was created. Whether a service
 * references the secret does not depend on that time, so the versions are listed (one
 * ListSecretVersionIds) only for a secret some service references.
 * @throws RedeployInputError when the secret's versions cannot be listed.
 */
async function referencingServices(
  ctx: CliContext,
  services: readonly DiscoveredService[],
  secret: SecretChangeInput,
  now: Date,
): Promise<ReferencingService[]> {
  const deps = { secretsManager: ctx.secretsManager(), clock: () => now };
  // The time is given, so this makes no call: it only sorts out the services that reference the secret.
  const provisional = await changeOfSecret(deps, { ...secret, changedAt: now });
  // Both changes name the same parameters: one set for every service, as redeployForChange does.
  const parameters = parameterSetOf(provisional);
  const referencing = services.filter((s) => decideService(s, provisional, parameters).action !== 'ignore');
  if (referencing.length === 0) return [];
  const change = await changeOfSecret(deps, secret);
  return referencing.map((s) => {
    const decision = decideService(s, change, parameters);
    return { cluster: s.clusterName, service: s.serviceName, action: decision.action, reason: decision.reason };
  });
}

const ssmCell = (s: SecretStatus): string => {
  switch (s.ssm.status) {
    case 'in-sync':
      return 'in sync';
    case 'out-of-sync':
      return `${s.ssm.changes.length} to write`;
    case 'not-mirrored':
      return 'not mirrored';
    case 'error':
      return 'error';
  }
};

const servicesCell = (s: SecretStatus): string => {
  if (s.services.status === 'error') return 'error';
  const refs = s.services.referencing;
  if (refs.length === 0) return '-';
  const stale = refs.filter((r) => r.action === 'restart').length;
  const names = refs.map((r) => `${r.cluster}/${r.service}`).join(', ');
  return `${names}${stale ? ` (${stale} not on the current value)` : ''}`;
};

const pendingCell = (s: SecretStatus): string =>
  s.pending.status === 'none' ? '-' : `${s.pending.status === 'stale' ? 'STALE' : 'rotating'} ${s.pending.versionId?.slice(0, 8) ?? ''}`;

function printStatus(ctx: CliContext, report: StatusReport): void {
  const { out } = ctx;
  if (report.secrets.length === 0) {
    out.line(`no managed secrets: tag a secret with ${TAG_SSM_PATH}${ctx.rotateFunctionArn ? ' or attach the rotation function' : ''}`);
    return;
  }
  const lines = renderTable<SecretStatus>(
    [
      { heading: 'SECRET', cell: (s) => s.name },
      { heading: 'STRATEGY', cell: (s) => s.strategy ?? '?' },
      { heading: 'ROTATION', cell: (s) => (s.rotationEnabled ? 'enabled' : 'disabled') },
      { heading: 'LAST ROTATED', cell: (s) => formatTimestamp(s.lastRotated ? new Date(s.lastRotated) : undefined) },
      { heading: 'NEXT ROTATION', cell: (s) => formatTimestamp(s.nextRotation ? new Date(s.nextRotation) : undefined) },
      { heading: 'SSM', cell: ssmCell },
      { heading: 'PENDING', cell: pendingCell },
      { heading: 'SERVICES', cell: servicesCell },
    ],
    report.secrets,
  );
  for (const l of lines) out.line(l);
  const problems = report.secrets.flatMap((s) => [
    ...s.errors.map((e) => `${s.name}: ${e}`),
    ...(s.ssm.status === 'error' ? [`${s.name}: SSM: ${s.ssm.error}`] : []),
    ...(s.services.status === 'error' ? [`${s.name}: services: ${s.services.error}`] : []),
    ...(s.lastFailure ? [`${s.name}: rotation failed at ${s.lastFailure.step} (version ${s.lastFailure.versionId}, ${s.lastFailure.at}): ${s.lastFailure.cause}`] : []),
    ...(s.pending.status === 'stale' ? [`${s.name}: AWSPENDING left on version ${s.pending.versionId} by a failed rotation: keyroll doctor ${s.name} --fix`] : []),
  ]);
  if (problems.length) out.line();
  for (const p of [...new Set(problems)]) out.line(p);
}

/** Exit 1 when a field of some secret could not be determined; out of sync or stale is a state, not a failure. */
const exitCodeOfReport = (report: StatusReport): number =>
  report.secrets.some((s) => s.errors.length > 0 || s.ssm.status === 'error' || s.services.status === 'error') ? EXIT_FAILED : EXIT_OK;

/** `keyroll status`: the table of managed secrets. */
export function addStatusCommand(program: Command, setup: CommandSetup): void {
  program
    .command('status')
    .description(
      'show every managed secret (tag keyroll:ssm-path, or rotated by --function / KEYROLL_ROTATE_FUNCTION_ARN): strategy, rotation, last/next rotation, SSM in sync, services referencing it, stale AWSPENDING',
    )
    .option('--function <arn>', "also list the secrets this rotation function rotates (env KEYROLL_ROTATE_FUNCTION_ARN)")
    .action(async (options: { function?: string }, command: Command) => {
      const base = setup.context(command);
      const ctx = options.function ? { ...base, rotateFunctionArn: options.function } : base;
      const report = await collectStatus(ctx);
      if (ctx.out.json) ctx.out.document(report);
      else printStatus(ctx, report);
      setup.exit(exitCodeOfReport(report));
    });
}
