import pLimit from 'p-limit';
import { pendingVersionOf } from '../secret.js';
import type { SyncDeps } from './deps.js';
import { listManagedSecrets, type ManagedSecret } from './listManagedSecrets.js';
import { mirrorSecret, type SecretSyncResult } from './mirrorSecret.js';
import { createRateLimiter, type RateLimiter } from './rateLimiter.js';
import { readSecretValues, type SecretValueRead } from './readSecretValues.js';

/** What healing a stale AWSPENDING did (the rotation module's resolveStalePending, adapted by the handler). */
export interface StalePendingOutcome {
  action: string;
  reason: string;
}

export interface ReconcileOptions {
  /** Heals a stale AWSPENDING; without it, stale labels are only reported. */
  healStalePending?: (secretArn: string) => Promise<StalePendingOutcome>;
  /**
   * An AWSPENDING counts as stale only when the secret has not changed for this long, so a
   * rotation in progress is left alone. Default one hour (four rotation steps of at most 15 min).
   */
  stalePendingGraceMs?: number;
  /**
   * Epoch ms after which no further secret is started (the Lambda's remaining time); the rest
   * are `deferred`. It bounds the healing of stale AWSPENDING labels too (each heal logs in to a
   * database): once it passes, the remaining stale labels are reported `deferred`, not healed.
   */
  deadlineAt?: number;
  /** Secrets mirrored at once; PutParameter stays under `putTps` whatever this is. Default 8. */
  concurrency?: number;
  /**
   * Called as each secret finishes (in sync, repaired, failed or deferred), in the order they
   * finish: `done` of `total` listed secrets are finished, this entry included. For progress
   * displays; an exception it throws is logged and does not stop the walk.
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
  durationMs: number;
}

export const DEFAULT_STALE_PENDING_GRACE_MS = 60 * 60 * 1000;
const DEFAULT_CONCURRENCY = 8;

/**
 * Walks every managed secret (ListSecrets by tag), heals stale AWSPENDING labels found in
 * the listing (through `healStalePending`, until `deadlineAt`), reads every AWSCURRENT in bulk
 * (BatchGetSecretValue), mirrors each into Parameter Store with PutParameter spaced to
 * `settings.putTps` across the whole run, and logs one summary line: in sync / repaired /
 * failed / deferred, per secret.
 *
 * One secret's failure (bad tag, bad JSON, a refused write) is reported for that secret; the
 * others continue. Idempotency: a second run over unchanged secrets writes nothing.
 * @throws ParameterSyncError only when the secrets cannot be listed at all.
 */
export async function reconcileAll(deps: SyncDeps, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const started = Date.now();
  const secrets = await listManagedSecrets(deps.secretsManager);
  const stale = new Map<string, NonNullable<ReconcileEntry['stalePending']>>();
  for (const secret of secrets) {
    const found = await healIfStale(deps, secret, options);
    if (found) stale.set(secret.secretArn, found);
  }

  // Read after healing: a finished rotation moved AWSCURRENT.
  const reads = await readSecretValues(
    deps.secretsManager,
    secrets.map((s) => s.secretArn),
  );
  const limiter = createRateLimiter(deps.settings.putTps);
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  let done = 0;
  const finished = (entry: ReconcileEntry): ReconcileEntry => {
    done += 1;
    try {
      options.onSecret?.(entry, done, secrets.length);
    } catch (err) {
      deps.logger?.warn('reconcile progress callback failed', { secretArn: entry.secretArn, error: errorOf(err).name });
    }
    return entry;
  };
  const entries = await Promise.all(
    secrets.map((secret) =>
      limit(async () => {
        const entry = await reconcileOne(deps, secret, reads.get(secret.secretArn), stale.get(secret.secretArn), limiter, options);
        return finished(entry);
      }),
    ),
  );

  const report: ReconcileReport = {
    secrets: entries,
    inSync: entries.filter((e) => e.status === 'in-sync').length,
    repaired: entries.filter((e) => e.status === 'repaired').length,
    failed: entries.filter((e) => e.status === 'failed').length,
    deferred: entries.filter((e) => e.status === 'deferred').length,
    durationMs: Date.now() - started,
  };
  logSummary(deps, report);
  return report;
}

/** Mirrors one listed secret from its bulk read; a failure becomes the entry's error, never a throw. */
async function reconcileOne(
  deps: SyncDeps,
  secret: ManagedSecret,
  read: SecretValueRead | undefined,
  stalePending: ReconcileEntry['stalePending'] | undefined,
  limiter: RateLimiter,
  options: ReconcileOptions,
): Promise<ReconcileEntry> {
  const base = { secretArn: secret.secretArn, name: secret.name, ...(stalePending ? { stalePending } : {}) };
  if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt) return { ...base, status: 'deferred' };
  if (!read || !read.ok) {
    return { ...base, status: 'failed', error: { name: 'ParameterSyncError', message: `reconcile: secret ${secret.secretArn}: ${read?.error ?? 'not read'}` } };
  }
  try {
    const r = await mirrorSecret(
      deps,
      { secretArn: secret.secretArn, versionId: read.versionId, secretString: read.secretString, tags: secret.tags },
      limiter,
    );
    return { ...base, status: r.status, versionId: r.versionId, written: r.written, unchanged: r.unchanged, changes: r.changes };
  } catch (err) {
    return { ...base, status: 'failed', versionId: read.versionId, error: errorOf(err) };
  }
}

/**
 * Finds an AWSPENDING on a version other than AWSCURRENT, idle past the grace period, and heals
 * it, unless the deadline has passed: a heal may wait on a database login, and the time left
 * belongs to the summary line.
 */
async function healIfStale(
  deps: SyncDeps,
  secret: ManagedSecret,
  options: ReconcileOptions,
): Promise<ReconcileEntry['stalePending'] | undefined> {
  const versions = secret.versionsToStages;
  const versionId = pendingVersionOf(versions);
  if (!versionId) return undefined;
  const grace = options.stalePendingGraceMs ?? DEFAULT_STALE_PENDING_GRACE_MS;
  const now = (deps.clock?.() ?? new Date()).getTime();
  if (secret.lastChangedDate && now - secret.lastChangedDate.getTime() < grace) return undefined;
  if (!options.healStalePending) return { versionId, action: 'reported', reason: 'stale AWSPENDING; no healer configured' };
  if (options.deadlineAt !== undefined && Date.now() >= options.deadlineAt) {
    return { versionId, action: 'deferred', reason: 'stale AWSPENDING; the reconcile reached its deadline before healing it' };
  }
  try {
    const healed = await options.healStalePending(secret.secretArn);
    return { versionId, action: healed.action, reason: healed.reason };
  } catch (err) {
    const e = errorOf(err);
    return { versionId, action: 'failed', reason: `${e.name}: ${e.message}` };
  }
}

const errorOf = (err: unknown): { name: string; message: string } =>
  err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };

function logSummary(deps: SyncDeps, report: ReconcileReport): void {
  const pick = (status: ReconcileStatus) => report.secrets.filter((e) => e.status === status);
  const summary = {
    inSync: report.inSync,
    repaired: report.repaired,
    failed: report.failed,
    deferred: report.deferred,
    durationMs: report.durationMs,
    secrets: {
      inSync: pick('in-sync').map((e) => e.secretArn),
      repaired: pick('repaired').map((e) => ({ secretArn: e.secretArn, versionId: e.versionId, changes: e.changes })),
      failed: pick('failed').map((e) => ({ secretArn: e.secretArn, error: e.error })),
      deferred: pick('deferred').map((e) => e.secretArn),
    },
    stalePending: report.secrets
      .filter((e) => e.stalePending)
      .map((e) => ({ secretArn: e.secretArn, ...e.stalePending })),
  };
  if (report.failed > 0) deps.logger?.warn('reconcile finished', summary);
  else deps.logger?.info('reconcile finished', summary);
}
