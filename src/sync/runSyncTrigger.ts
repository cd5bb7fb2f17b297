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
    case 'secret':
      return { kind: 'secret', result: await syncSecret(deps, trigger.secretId, trigger.versionId ? { eventVersionId: trigger.versionId } : {}) };
    case 'reconcile': {
      const report = await reconcileAll(deps, { ...options, ...(trigger.only ? { only: trigger.only } : {}) });
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
