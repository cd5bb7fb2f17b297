import { ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TAG_SSM_PATH } from '../secret.js';
import { listManagedSecrets, managedSecretOf, type ManagedSecret } from '../sync/listManagedSecrets.js';

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
export async function listKeyrollSecrets(secretsManager: SecretsManagerClient, rotateFunctionArn?: string): Promise<ManagedSecret[]> {
  const secrets = rotateFunctionArn ? await listRotatedOrTagged(secretsManager, functionNameOf(rotateFunctionArn)) : await listManagedSecrets(secretsManager);
  return secrets.sort((a, b) => a.name.localeCompare(b.name));
}

async function listRotatedOrTagged(secretsManager: SecretsManagerClient, functionName: string): Promise<ManagedSecret[]> {
  const keep = (s: ManagedSecret) =>
    s.tags.some((t) => t.Key === TAG_SSM_PATH) || (s.rotationLambdaArn !== undefined && functionNameOf(s.rotationLambdaArn) === functionName);
  const out: ManagedSecret[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await secretsManager.send(new ListSecretsCommand({ MaxResults: PAGE_SIZE, NextToken: token }));
    for (const entry of page.SecretList ?? []) {
      const secret = managedSecretOf(entry);
      if (secret && keep(secret)) out.push(secret);
    }
    token = page.NextToken;
    pages += 1;
  } while (token && pages < MAX_PAGES);
  return out;
}
