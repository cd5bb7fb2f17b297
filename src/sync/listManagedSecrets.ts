import { ListSecretsCommand, type SecretsManagerClient, type Tag } from '@aws-sdk/client-secrets-manager';
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
}

const PAGE_SIZE = 100;
// 100 000 secrets: far beyond Secrets Manager's per-account default, a bound on the loop.
const MAX_PAGES = 1_000;

/**
 * Lists every secret carrying the `keyroll:ssm-path` tag (ListSecrets, tag-key filter, 100 a
 * page). The filter matches key prefixes, so the exact key is checked again here. Secrets
 * scheduled for deletion are left out, as ListSecrets does by default.
 * @throws ParameterSyncError when ListSecrets fails.
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
      throw new ParameterSyncError(`reconcile: cannot list secrets tagged ${TAG_SSM_PATH}: ${awsErrorText(err)}`, { cause: err });
    }
    for (const s of page.SecretList ?? []) {
      if (!s.ARN || !(s.Tags ?? []).some((t) => t.Key === TAG_SSM_PATH)) continue;
      out.push({
        secretArn: s.ARN,
        name: s.Name ?? s.ARN,
        tags: s.Tags ?? [],
        versionsToStages: s.SecretVersionsToStages ?? {},
        ...(s.LastChangedDate ? { lastChangedDate: s.LastChangedDate } : {}),
      });
    }
    token = page.NextToken;
    pages += 1;
  } while (token && pages < MAX_PAGES);
  return out;
}
