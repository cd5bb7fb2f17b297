import { paginateListSecretVersionIds, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT } from '../secret.js';
import { errorText } from '../errors.js';
import { RedeployInputError } from './errors.js';

/** The version that holds a secret's AWSCURRENT value, and when that value was created. */
export interface CurrentVersion {
  versionId: string;
  /** The version's CreatedDate: when the value it holds was stored. Absent only if AWS leaves it out. */
  createdDate: Date | undefined;
}

// AWS's largest page. A secret keeps at most 100 versions and AWSCURRENT is on one of those with
// a label, so a second page is rare; the bound only stops a runaway paging loop.
const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/**
 * Finds the version carrying AWSCURRENT with ListSecretVersionIds (labelled versions only,
 * 100 a page, stopping at the page that holds it, at most 10 pages). Its CreatedDate is when the
 * secret's current value came to exist: unlike DescribeSecret's LastChangedDate it does not move
 * when only settings change (tags, description, rotation schedule). Undefined when no listed
 * version carries AWSCURRENT.
 * @throws RedeployInputError naming the secret, with the SDK's error (e.g. ResourceNotFoundException,
 *   AccessDeniedException) in `cause`; also when the listing is still paging after 10 pages.
 */
export async function findCurrentVersion(secretsManager: SecretsManagerClient, secretId: string): Promise<CurrentVersion | undefined> {
  let pages = 0;
  try {
    for await (const page of paginateListSecretVersionIds({ client: secretsManager, pageSize: PAGE_SIZE }, { SecretId: secretId, IncludeDeprecated: false })) {
      const current = page.Versions?.find((v) => v.VersionStages?.includes(AWSCURRENT));
      if (current?.VersionId) return { versionId: current.VersionId, createdDate: current.CreatedDate };
      if (++pages >= MAX_PAGES) throw new RedeployInputError(`redeploy: secret ${secretId}: ListSecretVersionIds still paging after ${MAX_PAGES} pages`);
    }
  } catch (err) {
    if (err instanceof RedeployInputError) throw err;
    throw new RedeployInputError(`redeploy: secret ${secretId}: cannot list its versions to learn when its ${AWSCURRENT} value was created: ${errorText(err)}`, {
      cause: err,
    });
  }
  return undefined;
}
