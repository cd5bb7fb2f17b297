import { paginateListSecrets, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { asksToBeMirrored } from '../tags.js';
import { listManagedSecrets } from '../sync/listManagedSecrets.js';
import { describedSecretOf, type DescribedSecret } from '../sync/secretFacts.js';

const PAGE_SIZE = 100;
// 100 000 secrets: beyond any account's quota; only a bound on the loop.
const MAX_PAGES = 1_000;

/** The function name of a Lambda ARN (qualifier dropped), or the text itself when it is a bare name. */
export const functionNameOf = (arnOrName: string): string => /:function:([^:]+)/.exec(arnOrName)?.[1] ?? arnOrName;

/**
 * The secrets `keyroll status` shows, sorted by name, as ListSecrets describes them (rotation
 * settings and version stages included, so no DescribeSecret per secret is needed): those
 * tagged `keyroll:ssm-path` (the sync module's listManagedSecrets) and, when keyroll's rotation
 * function is known, those it rotates. With a function every secret of the account is listed,
 * 100 a page, and filtered here: ListSecrets has no filter on the rotation function. Secrets
 * scheduled for deletion are left out.
 * @throws ParameterSyncError (SDK error in `cause`) or the SDK's error when ListSecrets fails.
 */
export async function listKeyrollSecrets(secretsManager: SecretsManagerClient, rotateFunctionArn?: string): Promise<DescribedSecret[]> {
  const secrets = rotateFunctionArn ? await listRotatedOrTagged(secretsManager, functionNameOf(rotateFunctionArn)) : await listManagedSecrets(secretsManager);
  return secrets.sort((a, b) => a.name.localeCompare(b.name));
}

async function listRotatedOrTagged(secretsManager: SecretsManagerClient, functionName: string): Promise<DescribedSecret[]> {
  const keep = (s: DescribedSecret) => asksToBeMirrored(s.tags) || (s.rotationLambdaArn !== undefined && functionNameOf(s.rotationLambdaArn) === functionName);
  const out: DescribedSecret[] = [];
  let pages = 0;
  for await (const page of paginateListSecrets({ client: secretsManager, pageSize: PAGE_SIZE }, {})) {
    for (const entry of page.SecretList ?? []) {
      const secret = describedSecretOf(entry);
      if (secret && keep(secret)) out.push(secret);
    }
    if (++pages >= MAX_PAGES) break;
  }
  return out;
}
