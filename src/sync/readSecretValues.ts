import { paginateBatchGetSecretValue, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { chunkList } from '../aws.js';
import { errorText } from '../errors.js';

/** AWSCURRENT of one secret, or why it could not be read. */
export type SecretValueRead =
  | { ok: true; versionId: string; secretString: string | undefined }
  | { ok: false; error: string };

// BatchGetSecretValue takes at most 20 secret ids a call.
export const BATCH_GET_SIZE = 20;
const MAX_PAGES = 10;

/**
 * Reads AWSCURRENT of many secrets, 20 per BatchGetSecretValue call. One secret's failure
 * (its entry in `Errors`, or a whole call failing) is reported for that secret only.
 * Never throws.
 */
export async function readSecretValues(secretsManager: SecretsManagerClient, secretArns: readonly string[]): Promise<Map<string, SecretValueRead>> {
  const reads = new Map<string, SecretValueRead>();
  for (const batch of chunkList(secretArns, BATCH_GET_SIZE)) {
    try {
      let pages = 0;
      for await (const out of paginateBatchGetSecretValue({ client: secretsManager }, { SecretIdList: batch })) {
        for (const v of out.SecretValues ?? []) {
          if (v.ARN) reads.set(v.ARN, { ok: true, versionId: v.VersionId ?? '', secretString: v.SecretString });
        }
        for (const e of out.Errors ?? []) {
          if (e.SecretId) reads.set(e.SecretId, { ok: false, error: `BatchGetSecretValue: ${e.ErrorCode ?? 'error'}: ${(e.Message ?? '').slice(0, 200)}`.trim() });
        }
        if (++pages >= MAX_PAGES) break;
      }
    } catch (err) {
      for (const arn of batch) if (!reads.has(arn)) reads.set(arn, { ok: false, error: `BatchGetSecretValue: ${errorText(err)}` });
    }
    for (const arn of batch) if (!reads.has(arn)) reads.set(arn, { ok: false, error: 'BatchGetSecretValue returned neither a value nor an error' });
  }
  return reads;
}
