import { ListSecretsCommand, type SecretListEntry, type SecretsManagerClient, type Tag } from '@aws-sdk/client-secrets-manager';
import { TAG_SSM_PATH } from '../secret.js';
import { ParameterSyncError, awsErrorText } from './errors.js';

/** A secret tagged `keyroll:ssm-path`, as ListSecrets describes it. */
export interface ManagedSecret {
  secretArn: string;
  name: string;
  tags: Tag[];
  /** Version id → stages: enough to spot a stale AWSPENDING without another call. */
  versionsToStages: Record<string, string[]>;
  lastChangedDate?: Date;
  /** Whether automatic rotation is turned on (false when ListSecrets does not say). */
  rotationEnabled: boolean;
  /** The rotation function attached, if any (it stays attached when rotation is turned off). */
  rotationLambdaArn?: string;
  lastRotatedDate?: Date;
  /** When Secrets Manager will next rotate the secret; absent when rotation is off. */
  nextRotationDate?: Date;
}

const PAGE_SIZE = 100;
// 100 000 secrets: far beyond Secrets Manager's per-account default, a bound on the loop.
const MAX_PAGES = 1_000;

/**
 * One ListSecrets entry as a ManagedSecret: for a caller that lists secrets with other
 * filters (the CLI's status also shows the secrets a rotation function rotates).
 * Undefined for an entry without an ARN.
 */
export function managedSecretOf(entry: SecretListEntry): ManagedSecret | undefined {
  if (!entry.ARN) return undefined;
  return {
    secretArn: entry.ARN,
    name: entry.Name ?? entry.ARN,
    tags: entry.Tags ?? [],
    versionsToStages: entry.SecretVersionsToStages ?? {},
    ...(entry.LastChangedDate ? { lastChangedDate: entry.LastChangedDate } : {}),
    rotationEnabled: entry.RotationEnabled === true,
    ...(entry.RotationLambdaARN ? { rotationLambdaArn: entry.RotationLambdaARN } : {}),
    ...(entry.LastRotatedDate ? { lastRotatedDate: entry.LastRotatedDate } : {}),
    ...(entry.NextRotationDate ? { nextRotationDate: entry.NextRotationDate } : {}),
  };
}

/**
 * Lists every secret carrying the `keyroll:ssm-path` tag (ListSecrets, tag-key filter, 100 a
 * page), with its tags, version stages and rotation settings. The filter matches key
 * prefixes, so the exact key is checked again here. Secrets scheduled for deletion are left
 * out, as ListSecrets does by default.
 * @throws ParameterSyncError when ListSecrets fails (the SDK error in `cause`).
 */
export async function listManagedSecrets(secretsManager: SecretsManagerClient): Promise<ManagedSecret[]> {
  const out: ManagedSecret[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    let page;
    try {
      page = await secretsManager.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'tag-key', Values: [TAG_SSM_PATH] }],
          MaxResults: PAGE_SIZE,
          NextToken: token,
        }),
      );
    } catch (err) {
      throw new ParameterSyncError(`sync: cannot list the secrets tagged ${TAG_SSM_PATH}: ${awsErrorText(err)}`, { cause: err });
    }
    for (const s of page.SecretList ?? []) {
      const secret = (s.Tags ?? []).some((t) => t.Key === TAG_SSM_PATH) ? managedSecretOf(s) : undefined;
      if (secret) out.push(secret);
    }
    token = page.NextToken;
    pages += 1;
  } while (token && pages < MAX_PAGES);
  return out;
}
