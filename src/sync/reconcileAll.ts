import { chunkList } from '../aws.js';
import { clipList, errorText } from '../errors.js';
import { pendingVersionOf, STALE_PENDING_GRACE_MS } from '../secret.js';
import type { SecretSyncedDetail } from '../events.js';
import type { SyncDeps } from './deps.js';
import { diffParameters, type ParameterWrite } from './diffParameters.js';
import { eligibilityOf } from '../mirrorPath.js';
import { listManagedSecrets } from './listManagedSecrets.js';
import { planParameters, type ParameterPlan } from './planParameters.js';
import { publishSynced } from './publishSynced.js';
import { createRateLimiter, type RateLimiter } from '../rateLimiter.js';
import { readParameters, type CurrentParameter } from './readParameters.js';
import { BATCH_GET_SIZE, readSecretValues } from './readSecretValues.js';
import { currentVersionOf, describeForSync, type DescribedSecret } from './secretFacts.js';
import { syncSecret, type SecretSyncResult } from './syncSecret.js';
import { writeParameters } from './writeParameters.js';

/** What healing a stale AWSPENDING did (the rotate function's answer, relayed by the handler). */
export interface StalePendingOutcome {
  action: string;
  reason: string;
}

export interface ReconcileOptions {
  /** Asks the rotate function to heal a stale AWSPENDING; without it, stale labels are only reported. */
  healStalePending?: (secretArn: string) => Promise<StalePendingOutcome>;
  /** An AWSPENDING counts as stale only when the secret has not changed for this long (default one hour). */
  stalePendingGraceMs?: number;
  /**
   * Epoch ms by which the run must be done (the Lambda's remaining time, less a margin). No write
   * starts that would end after it: the secrets left are `deferred`, for a continuation to do first.
   */
  deadlineAt?: number;
  /** Only these secrets, in this order (a continuation's deferred secrets); each must still be listed as managed. */
  only?: readonly string[];
  /**
   * Called as each secret finishes (in sync, repaired, failed or deferred): `done` of `total`. For
   * progress displays; an exception it throws is logged and does not stop the walk.
   */
  onSecret?: (entry: ReconcileEntry, done: number, total: number) => void;
}

export type ReconcileStatus = 'in-sync' | 'repaired' | 'failed' | 'deferred';

/** One secret's line in the report: names and reasons only, never a value. */
export interface ReconcileEntry {
  secretArn: string;
  /** The secret's name, as ListSecrets gives it. */
  name: string;
  status: ReconcileStatus;
  versionId?: string;
  written?: string[];
  unchanged?: string[];
  changes?: SecretSyncResult['changes'];
  error?: { name: string; message: string };
  stalePending?: { versionId: string; action: string; reason: string };
}

export interface ReconcileReport {
  secrets: ReconcileEntry[];
  inSync: number;
  repaired: number;
  failed: number;
  deferred: number;
  /** "Secret Synced" events published (one per repaired secret). */
  published: number;
  durationMs: number;
}

// Secrets read and compared together: 5 BatchGetSecretValue calls (20 each), and for 6 parameters
// a secret 60 GetParameters (10 names) and 12 DescribeParameters (50 names), no call half empty.
const CHUNK_SECRETS = 5 * BATCH_GET_SIZE;

// A repaired secret costs a DescribeSecret before and after its writes and one write per changed
// parameter; the deadline check reserves time for them.
const WRITE_RESERVE_MS = 1_000;

/**
 * Reconciles every managed secret (or `options.only`), in chunks of 100 so every read is batched
 * across secrets: BatchGetSecretValue (20 secrets a call), GetParameters (10 names a call) and
 * DescribeParameters (50 names a call) over the chunk's parameters together. A secret that drifted
 * is repaired like an event-driven sync (its version confirmed AWSCURRENT before and after the
 * writes); "Secret Synced" is published only for repairs, 10 entries a PutEvents call, so a run
 * with nothing to repair publishes nothing and costs no redeploy.
 *
 * Boundaries are decided before any value is read: a master, a secret of another service or one
 * whose path is not bound to it is `failed` without its value being read. One secret's failure
 * (bad tag, bad JSON, a foreign parameter, a refused write) is that secret's; the others go on.
 * Writes that would not finish before `deadlineAt` are `deferred`, never started.
 * @throws ParameterSyncError only when the secrets cannot be listed at all.
 */
export async function reconcileAll(deps: SyncDeps, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const started = Date.now();
  const listed = await listManagedSecrets(deps.secretsManager);
  const secrets = options.only ? pickInOrder(listed, options.only) : listed;
  const entries: ReconcileEntry[] = [];
  const finished = (entry: ReconcileEntry) => {
    entries.push(entry);
    try {
      options.onSecret?.(entry, entries.length, secrets.length);
    } catch (err) {
      deps.logger?.warn('reconcile progress callback failed', { secretArn: entry.secretArn, error: errorText(err) });
    }
  };

  const candidates: Array<DescribedSecret & { stalePending?: ReconcileEntry['stalePending'] }> = [];
  for (const secret of secrets) {
    const eligibility = eligibilityOf(secret, deps.settings.mirrorRules);
    if (eligibility.kind === 'unmanaged') continue;
    if (eligibility.kind === 'refused') {
      finished({ secretArn: secret.secretArn, name: secret.name, status: 'failed', error: { name: 'ParameterMappingError', message: `sync: secret ${secret.secretArn}: ${eligibility.reason}` } });
      continue;
    }
    const stalePending = await healIfStale(deps, secret, options);
    candidates.push({ ...secret, ...(stalePending ? { stalePending } : {}) });
  }

  const limiter = createRateLimiter(deps.settings.putTps);
  const toPublish: SecretSyncedDetail[] = [];
  let outOfTime = false;
  for (const chunk of chunkList(candidates, CHUNK_SECRETS)) {
    if (outOfTime || pastDeadline(options, 0)) {
      outOfTime = true;
      for (const s of chunk) finished(deferredEntry(s));
      continue;
    }
    const planned = await planChunk(deps, chunk, finished);
    let current: Map<string, CurrentParameter>;
    try {
      current = await readParameters(deps.ssm, planned.flatMap((p) => p.plan.parameters.map((d) => d.name)));
    } catch (err) {
      for (const p of planned) finished(failedEntry(p.secret, err));
      continue;
    }
    for (const { secret, plan } of planned) {
      const base = baseEntry(secret);
      const diff = diffParameters(plan.parameters, current, secret.secretArn);
      if (diff.foreign.length > 0) {
        finished({ ...base, status: 'failed', versionId: plan.versionId, error: { name: 'ParameterOwnershipError', message: `sync: secret ${secret.secretArn}: parameter(s) ${clipList(diff.foreign.map((f) => f.name))} exist and were not written by keyroll for this secret; nothing was written (keyroll sync --adopt takes them over)` } });
        continue;
      }
      if (diff.toWrite.length === 0) {
        finished({ ...base, status: 'in-sync', versionId: plan.versionId, written: [], unchanged: diff.unchanged, changes: [] });
        continue;
      }
      if (outOfTime || pastDeadline(options, WRITE_RESERVE_MS + (diff.toWrite.length * 1000) / deps.settings.putTps)) {
        outOfTime = true;
        finished(deferredEntry(secret));
        continue;
      }
      const entry = await repair(deps, secret, plan, diff.toWrite, limiter);
      if (entry.status === 'repaired') toPublish.push({ secretArn: secret.secretArn, versionId: entry.versionId!, parameters: plan.parameters.map((p) => p.name), written: entry.written!, unchanged: diff.unchanged });
      finished({ ...entry, unchanged: diff.unchanged });
    }
  }

  const unpublished = await publishSynced(deps, toPublish);
  for (const [secretArn, why] of unpublished) {
    deps.logger?.warn('"Secret Synced" not published after a repair', { secretArn, error: why });
  }
  const report = summarize(entries, toPublish.length - unpublished.size, Date.now() - started);
  logSummary(deps, report);
  return report;
}

/** The listed secrets named in `only`, in its order (a continuation's order: deferred first). */
function pickInOrder(listed: DescribedSecret[], only: readonly string[]): DescribedSecret[] {
  const byArn = new Map(listed.map((s) => [s.secretArn, s]));
  return [...new Set(only)].flatMap((arn) => byArn.get(arn) ?? []);
}

const pastDeadline = (options: ReconcileOptions, needMs: number) => options.deadlineAt !== undefined && Date.now() + needMs >= options.deadlineAt;

const baseEntry = (s: DescribedSecret & { stalePending?: ReconcileEntry['stalePending'] }) => ({
  secretArn: s.secretArn,
  name: s.name,
  ...(s.stalePending ? { stalePending: s.stalePending } : {}),
});
const deferredEntry = (s: DescribedSecret): ReconcileEntry => ({ ...baseEntry(s), status: 'deferred' });
const failedEntry = (s: DescribedSecret, err: unknown): ReconcileEntry => ({
  ...baseEntry(s),
  status: 'failed',
  error: { name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) },
});

/** Reads a chunk's values in one call and maps each to its parameters; a secret that cannot be read or mapped is failed here. */
async function planChunk(
  deps: SyncDeps,
  chunk: DescribedSecret[],
  finished: (e: ReconcileEntry) => void,
): Promise<Array<{ secret: DescribedSecret; plan: ParameterPlan }>> {
  const reads = await readSecretValues(deps.secretsManager, chunk.map((s) => s.secretArn));
  const planned: Array<{ secret: DescribedSecret; plan: ParameterPlan }> = [];
  for (const secret of chunk) {
    const read = reads.get(secret.secretArn);
    if (!read || !read.ok) {
      finished({ ...baseEntry(secret), status: 'failed', error: { name: 'ParameterSyncError', message: `reconcile: secret ${secret.secretArn}: ${read?.error ?? 'not read'}` } });
      continue;
    }
    try {
      planned.push({ secret, plan: planParameters({ ...secret, versionId: read.versionId, secretString: read.secretString }, deps.settings) });
    } catch (err) {
      finished({ ...failedEntry(secret, err), versionId: read.versionId });
    }
  }
  return planned;
}

/**
 * Writes a drifted secret, its version confirmed AWSCURRENT just before and just after (the value
 * was read with the chunk, maybe a while ago). A version that moved is left to an event-driven
 * sync of the new one, run here when the writes already happened, so no older value stays.
 */
async function repair(deps: SyncDeps, secret: DescribedSecret, plan: ParameterPlan, writes: ParameterWrite[], limiter: RateLimiter): Promise<ReconcileEntry> {
  const base = baseEntry(secret);
  const changes = writes.map((w) => ({ name: w.parameter.name, reason: w.reason }));
  try {
    const before = await describeForSync(deps, secret.secretArn);
    if (currentVersionOf(before.versionsToStages) !== plan.versionId) {
      const result = await syncSecret(deps, secret.secretArn, { publish: 'if-written' });
      return entryOfSync(base, result);
    }
    const written = await writeParameters(deps.ssm, writes, limiter, { secretArn: secret.secretArn, versionId: plan.versionId });
    const after = await describeForSync(deps, secret.secretArn);
    if (currentVersionOf(after.versionsToStages) !== plan.versionId) {
      const result = await syncSecret(deps, secret.secretArn, { publish: 'if-written' });
      return entryOfSync(base, result);
    }
    return { ...base, status: 'repaired', versionId: plan.versionId, written, changes };
  } catch (err) {
    return { ...failedEntry(secret, err), versionId: plan.versionId };
  }
}

// A repair handed to syncSecret publishes its own event: the entry says repaired only to the report.
function entryOfSync(base: ReturnType<typeof baseEntry>, result: Awaited<ReturnType<typeof syncSecret>>): ReconcileEntry {
  if (result.status === 'in-sync' || result.status === 'repaired') {
    return { ...base, status: result.status === 'repaired' ? 'repaired' : 'in-sync', versionId: result.versionId, written: result.written, changes: result.changes };
  }
  return { ...base, status: 'failed', error: { name: 'ParameterSyncError', message: `sync: secret ${base.secretArn}: ${result.status}` } };
}

/**
 * Finds an AWSPENDING on a version other than AWSCURRENT, idle past the grace period, and asks the
 * rotate function to heal it, unless the deadline has passed: a heal may wait on a database login.
 */
async function healIfStale(deps: SyncDeps, secret: DescribedSecret, options: ReconcileOptions): Promise<ReconcileEntry['stalePending'] | undefined> {
  const versionId = pendingVersionOf(secret.versionsToStages);
  if (!versionId) return undefined;
  const grace = options.stalePendingGraceMs ?? STALE_PENDING_GRACE_MS;
  const now = (deps.clock?.() ?? new Date()).getTime();
  if (secret.lastChangedDate && now - secret.lastChangedDate.getTime() < grace) return undefined;
  if (!options.healStalePending) return { versionId, action: 'reported', reason: 'stale AWSPENDING; no rotate function configured to heal it (ROTATE_FUNCTION_NAME)' };
  if (pastDeadline(options, 0)) return { versionId, action: 'deferred', reason: 'stale AWSPENDING; the reconcile reached its deadline before healing it' };
  try {
    const healed = await options.healStalePending(secret.secretArn);
    return { versionId, action: healed.action, reason: healed.reason };
  } catch (err) {
    return { versionId, action: 'failed', reason: errorText(err) };
  }
}

function summarize(entries: ReconcileEntry[], published: number, durationMs: number): ReconcileReport {
  const count = (s: ReconcileStatus) => entries.filter((e) => e.status === s).length;
  return { secrets: entries, inSync: count('in-sync'), repaired: count('repaired'), failed: count('failed'), deferred: count('deferred'), published, durationMs };
}

// The summary line names at most this many secrets per status: one log line stays bounded at any fleet size.
const MAX_LISTED = 50;

function logSummary(deps: SyncDeps, report: ReconcileReport): void {
  const pick = (status: ReconcileStatus) => report.secrets.filter((e) => e.status === status);
  const summary = {
    inSync: report.inSync,
    repaired: report.repaired,
    failed: report.failed,
    deferred: report.deferred,
    published: report.published,
    durationMs: report.durationMs,
    secrets: {
      repaired: pick('repaired').slice(0, MAX_LISTED).map((e) => ({ secretArn: e.secretArn, versionId: e.versionId, changes: e.changes })),
      failed: pick('failed').slice(0, MAX_LISTED).map((e) => ({ secretArn: e.secretArn, error: e.error })),
      deferred: pick('deferred').slice(0, MAX_LISTED).map((e) => e.secretArn),
    },
    stalePending: report.secrets
      .filter((e) => e.stalePending)
      .slice(0, MAX_LISTED)
      .map((e) => ({ secretArn: e.secretArn, ...e.stalePending })),
  };
  if (report.failed > 0) deps.logger?.warn('reconcile finished', summary);
  else deps.logger?.info('reconcile finished', summary);
}
