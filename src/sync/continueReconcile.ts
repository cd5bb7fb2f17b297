import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { errorText } from '../errors.js';
import { DETAIL_RECONCILE_CONTINUED, keyrollEventEntry } from '../events.js';
import type { SyncDeps } from './deps.js';
import { ParameterSyncError } from './errors.js';

// Well under EventBridge's entry limit (256 KB, 1 MB since 2026): ~2 000 ARNs an entry.
const MAX_ENTRY_BYTES = 200_000;

/**
 * Hands the secrets a reconcile did not reach to the next run: "Reconcile Continued" events (as few
 * as fit under the entry size limit, in order), which the reconcile function's rule delivers back
 * to it; that run does them first. No-op for an empty list.
 * @throws ParameterSyncError when EventBridge refuses them: the next scheduled run reconciles everything anyway.
 */
export async function continueReconcile(deps: Pick<SyncDeps, 'eventBridge' | 'settings'>, secretArns: readonly string[]): Promise<number> {
  const groups: string[][] = [];
  let group: string[] = [];
  let bytes = 0;
  for (const arn of secretArns) {
    if (group.length && bytes + arn.length + 3 > MAX_ENTRY_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(arn);
    bytes += arn.length + 3;
  }
  if (group.length) groups.push(group);
  for (let i = 0; i < groups.length; i += 10) {
    const entries = groups.slice(i, i + 10).map((g) => keyrollEventEntry(DETAIL_RECONCILE_CONTINUED, { secretArns: g }, deps.settings.eventBusName));
    let failure: string | undefined;
    try {
      const out = await deps.eventBridge.send(new PutEventsCommand({ Entries: entries }));
      if (out.FailedEntryCount) failure = (out.Entries ?? []).find((e) => e.ErrorCode)?.ErrorCode ?? 'an entry was refused';
    } catch (err) {
      failure = errorText(err);
    }
    if (failure) {
      throw new ParameterSyncError(`reconcile: cannot hand ${secretArns.length} deferred secret(s) to the next run ("${DETAIL_RECONCILE_CONTINUED}"): ${failure}; the next scheduled reconcile covers them`);
    }
  }
  return groups.length;
}
