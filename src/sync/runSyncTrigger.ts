import type { SyncDeps } from './deps.js';
import { continueReconcile } from './continueReconcile.js';
import { reconcileAll, type ReconcileOptions, type ReconcileReport } from './reconcileAll.js';
import { syncSecret, type SyncSecretResult } from './syncSecret.js';
import type { SyncTrigger } from './syncTrigger.js';

export type SyncOutcome =
  | { kind: 'secret'; result: SyncSecretResult }
  | { kind: 'reconcile'; report: ReconcileReport; continuedWith: number }
  | { kind: 'ignored'; reason: string };

/**
 * Does what a trigger asks: mirror one secret (publishing "Secret Synced" once for the version),
 * reconcile (everything, or a continuation's secrets first, handing on what the deadline left),
 * or nothing (logged with the reason).
 * @throws what syncSecret throws; reconcileAll reports per-secret failures instead.
 */
export async function runSyncTrigger(deps: SyncDeps, trigger: SyncTrigger, options: Omit<ReconcileOptions, 'only'> = {}): Promise<SyncOutcome> {
  switch (trigger.kind) {
    case 'secret': {
      const result = await syncSecret(deps, trigger.secretId, trigger.versionId ? { eventVersionId: trigger.versionId } : {});
      if (result.status === 'in-sync' || result.status === 'repaired') {
        deps.metrics?.record('ParametersWritten', result.written.length);
        if (result.published) deps.metrics?.record('SecretsSynced', 1);
      }
      return { kind: 'secret', result };
    }
    case 'reconcile': {
      const report = await reconcileAll(deps, { ...options, ...(trigger.only ? { only: trigger.only } : {}) });
      recordReconcile(deps, report);
      const deferred = report.secrets.filter((e) => e.status === 'deferred').map((e) => e.secretArn);
      const continuedWith = deferred.length ? await continueReconcile(deps, deferred) : 0;
      if (continuedWith) deps.logger?.info('reconcile continues in a next run', { deferred: deferred.length, events: continuedWith });
      return { kind: 'reconcile', report, continuedWith };
    }
    case 'ignore':
      deps.logger?.info('event ignored', {
        trigger: trigger.trigger,
        reason: trigger.reason,
        ...(trigger.secretId ? { secretArn: trigger.secretId.slice(0, 2048) } : {}),
      });
      return { kind: 'ignored', reason: trigger.reason };
  }
}

/** The reconcile's counts as metrics: how much drift it repaired, and what it could not do (the alarm's ReconcileSecretsFailed). */
function recordReconcile(deps: SyncDeps, report: ReconcileReport): void {
  const written = report.secrets.reduce((n, e) => n + (e.written?.length ?? 0), 0);
  deps.metrics?.record('ParametersWritten', written);
  deps.metrics?.record('DriftRepaired', report.repaired);
  deps.metrics?.record('SecretsSynced', report.published);
  deps.metrics?.record('ReconcileSecretsInSync', report.inSync);
  deps.metrics?.record('ReconcileSecretsFailed', report.failed);
  deps.metrics?.record('ReconcileSecretsDeferred', report.deferred);
}
