import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, TAG_SSM_PATH } from '../secret.js';
import type { SyncDeps } from './deps.js';
import { ParameterSyncError, awsErrorText } from './errors.js';
import { mirrorSecret, type SecretSyncResult } from './mirrorSecret.js';
import { tagValue } from './planParameters.js';
import { createRateLimiter } from './rateLimiter.js';

/** A secret keyroll does not mirror: no `keyroll:ssm-path` tag, or scheduled for deletion. */
export interface UnmanagedSecret {
  secretArn: string;
  status: 'unmanaged';
  reason: string;
}

export type SyncSecretResult = SecretSyncResult | UnmanagedSecret;

/**
 * Mirrors the AWSCURRENT version of one secret into Parameter Store (see mirrorSecret).
 * Always reads AWSCURRENT, whatever version the triggering event named, so events arriving
 * late or out of order converge on the current value.
 *
 * No-op (logged, not an error) for a secret without the `keyroll:ssm-path` tag or one
 * scheduled for deletion.
 * @throws ParameterMappingError / SecretFormatError for a secret that cannot be mirrored;
 *   ParameterSyncError when Secrets Manager, SSM or EventBridge refuses a call.
 */
export async function syncSecret(deps: SyncDeps, secretId: string): Promise<SyncSecretResult> {
  let meta;
  try {
    meta = await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (err) {
    throw new ParameterSyncError(`sync: cannot describe secret ${secretId}: ${awsErrorText(err)}`, { cause: err });
  }
  const secretArn = meta.ARN ?? secretId;
  const tags = meta.Tags ?? [];
  const unmanaged = (reason: string): UnmanagedSecret => {
    deps.logger?.info('secret not mirrored', { secretArn, reason });
    return { secretArn, status: 'unmanaged', reason };
  };
  if (!tagValue(tags, TAG_SSM_PATH)) return unmanaged(`no "${TAG_SSM_PATH}" tag`);
  if (meta.DeletedDate) return unmanaged('scheduled for deletion');

  let current;
  try {
    current = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: AWSCURRENT }));
  } catch (err) {
    throw new ParameterSyncError(`sync: cannot read ${AWSCURRENT} of secret ${secretArn}: ${awsErrorText(err)}`, { cause: err });
  }
  const limiter = createRateLimiter(deps.settings.putTps);
  const result = await mirrorSecret(
    deps,
    { secretArn, versionId: current.VersionId ?? '', secretString: current.SecretString, tags },
    limiter,
  );
  deps.logger?.info('secret synced', {
    secretArn,
    versionId: result.versionId,
    status: result.status,
    written: result.written,
    unchanged: result.unchanged.length,
  });
  return result;
}
