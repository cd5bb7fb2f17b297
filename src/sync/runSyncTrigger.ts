import type { SyncDeps } from './deps.js';
import { reconcileAll, type ReconcileOptions, type ReconcileReport } from './reconcileAll.js';
import { syncSecret, type SyncSecretResult } from './syncSecret.js';
import type { SyncTrigger } from './syncTrigger.js';

export type SyncOutcome =
  | { kind: 'secret'; result: SyncSecretResult }
  | { kind: 'reconcile'; report: ReconcileReport }
  | { kind: 'ignored'; reason: string };

/**
 * Does what a trigger asks: mirror one secret, reconcile every managed secret, or nothing
 * (logged with the reason).
 * @throws what syncSecret throws; reconcileAll reports per-secret failures instead.
 */
export async function runSyncTrigger(deps: SyncDeps, trigger: SyncTrigger, options: ReconcileOptions = {}): Promise<SyncOutcome> {
  switch (trigger.kind) {
    case 'secret':
      return { kind: 'secret', result: await syncSecret(deps, trigger.secretId) };
    case 'reconcile':
      return { kind: 'reconcile', report: await reconcileAll(deps, options) };
    case 'ignore':
      deps.logger?.info('event ignored', {
        trigger: trigger.trigger,
        reason: trigger.reason,
        ...(trigger.secretId ? { secretArn: trigger.secretId } : {}),
      });
      return { kind: 'ignored', reason: trigger.reason };
  }
}
