import { ListSecretsCommand, type SecretListEntry, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TAG_SSM_PATH } from '../secret.js';

const PAGE_SIZE = 100;
// 100 000 secrets: beyond any account's quota; only a bound on the loop.
const MAX_PAGES = 1_000;

/** The function name of a Lambda ARN (qualifier dropped), or the text itself when it is a bare name. */
export const functionNameOf = (arnOrName: string): string => /:function:([^:]+)/.exec(arnOrName)?.[1] ?? arnOrName;

/**
 * The secrets `keyroll status` shows, as ListSecrets describes them (rotation settings and
 * version stages included, so no DescribeSecret per secret is needed): those tagged
 * `keyroll:ssm-path`, and, when keyroll's rotation function is known, those it rotates.
 * Without a function only tagged secrets are listed (ListSecrets' tag-key filter); with one,
 * every secret of the account is listed, 100 a page, and filtered here: ListSecrets has no
 * filter on the rotation function. Secrets scheduled for deletion are left out.
 * @throws the SDK's error when ListSecrets fails.
 */
export async function listKeyrollSecrets(secretsManager: SecretsManagerClient, rotateFunctionArn?: string): Promise<SecretListEntry[]> {
  const functionName = rotateFunctionArn ? functionNameOf(rotateFunctionArn) : undefined;
  const keep = (s: SecretListEntry) =>
    (s.Tags ?? []).some((t) => t.Key === TAG_SSM_PATH) ||
    (functionName !== undefined && s.RotationLambdaARN !== undefined && functionNameOf(s.RotationLambdaARN) === functionName);
  const out: SecretListEntry[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await secretsManager.send(
      new ListSecretsCommand({
        ...(functionName ? {} : { Filters: [{ Key: 'tag-key', Values: [TAG_SSM_PATH] }] }),
        MaxResults: PAGE_SIZE,
        NextToken: token,
      }),
    );
    for (const s of page.SecretList ?? []) if (s.ARN && keep(s)) out.push(s);
    token = page.NextToken;
    pages += 1;
  } while (token && pages < MAX_PAGES);
  return out.sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
}
