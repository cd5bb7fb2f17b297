import { pendingVersionOf } from '../secret.js';
import { STALE_PENDING_GRACE_MS } from '../secret.js';

/**
 * Where AWSPENDING stands: `none` (absent, or on the AWSCURRENT version), `in-progress` (on
 * another version, and the secret changed within the grace period, so a rotation may still be
 * running), `stale` (on another version, idle past the grace period: a failed rotation).
 */
export interface PendingState {
  status: 'none' | 'in-progress' | 'stale';
  versionId?: string;
}

/**
 * Reads the AWSPENDING state from a secret's version stages (DescribeSecret's
 * VersionIdsToStages, ListSecrets' SecretVersionsToStages). The grace period is the one the
 * scheduled reconcile uses (one hour: four rotation steps of at most 15 minutes).
 */
export function pendingStateOf(
  versionsToStages: Record<string, string[]> | undefined,
  lastChangedDate: Date | undefined,
  now: Date,
): PendingState {
  const versions = versionsToStages ?? {};
  const versionId = pendingVersionOf(versions);
  if (!versionId) return { status: 'none' };
  const recent = lastChangedDate !== undefined && now.getTime() - lastChangedDate.getTime() < STALE_PENDING_GRACE_MS;
  return { status: recent ? 'in-progress' : 'stale', versionId };
}
