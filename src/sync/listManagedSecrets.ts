import { paginateListSecrets, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import { asksToBeMirrored, TAG_SSM_PATH } from '../tags.js';
import { ParameterSyncError } from './errors.js';
import { describedSecretOf, type DescribedSecret } from './secretFacts.js';

const PAGE_SIZE = 100;
// 100 000 secrets: far beyond Secrets Manager's per-account default, a bound on the loop.
const MAX_PAGES = 1_000;

/**
 * Lists every secret carrying a non-blank `keyroll:ssm-path` tag (ListSecrets, tag-key filter,
 * 100 a page), with its tags, version stages and rotation settings. The filter matches key
 * prefixes, so the exact key is checked again here. Secrets scheduled for deletion are left
 * out, as ListSecrets does by default.
 * @throws ParameterSyncError when ListSecrets fails (the SDK error in `cause`).
 */
export async function listManagedSecrets(secretsManager: SecretsManagerClient): Promise<DescribedSecret[]> {
  const out: DescribedSecret[] = [];
  try {
    let pages = 0;
    for await (const page of paginateListSecrets({ client: secretsManager, pageSize: PAGE_SIZE }, { Filters: [{ Key: 'tag-key', Values: [TAG_SSM_PATH] }] })) {
      for (const entry of page.SecretList ?? []) {
        const secret = asksToBeMirrored(entry.Tags) ? describedSecretOf(entry) : undefined;
        if (secret) out.push(secret);
      }
      if (++pages >= MAX_PAGES) break;
    }
  } catch (err) {
    throw new ParameterSyncError(`sync: cannot list the secrets tagged ${TAG_SSM_PATH}: ${errorText(err)}`, { cause: err });
  }
  return out;
}
