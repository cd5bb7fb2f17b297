import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { chunkList } from '../aws.js';
import { errorText } from '../errors.js';
import { DETAIL_SECRET_SYNCED, keyrollEventEntry, type SecretSyncedDetail } from '../events.js';
import type { SyncDeps } from './deps.js';

/** PutEvents takes at most 10 entries a call. */
const PUT_EVENTS_BATCH = 10;

/**
 * Publishes one "Secret Synced" per detail, 10 entries a PutEvents call. Never throws.
 * @returns the secrets whose entry was not published, with why (EventBridge's code or the SDK error).
 */
export async function publishSynced(deps: Pick<SyncDeps, 'eventBridge' | 'settings' | 'metrics'>, details: readonly SecretSyncedDetail[]): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  for (const batch of chunkList(details, PUT_EVENTS_BATCH)) {
    try {
      const out = await deps.eventBridge.send(
        new PutEventsCommand({ Entries: batch.map((d) => keyrollEventEntry(DETAIL_SECRET_SYNCED, d, deps.settings.eventBusName, [d.secretArn])) }),
      );
      (out.Entries ?? []).forEach((entry, i) => {
        if (entry.ErrorCode && batch[i]) failed.set(batch[i].secretArn, `${entry.ErrorCode}: ${(entry.ErrorMessage ?? '').slice(0, 200)}`);
      });
    } catch (err) {
      for (const d of batch) failed.set(d.secretArn, errorText(err));
    }
  }
  if (failed.size) deps.metrics?.record('EventsNotPublished', failed.size);
  return failed;
}
