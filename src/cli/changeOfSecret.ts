import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSecretArn, type Change } from '../redeploy/change.js';
import { findCurrentVersion } from '../redeploy/findCurrentVersion.js';

/** A secret named on the command line, as the change redeploy decides services against. */
export interface SecretChangeInput {
  secretArn: string;
  name: string;
  versionId: string | undefined;
  parameterNames: readonly string[];
  /** The change time when the command already knows it (`--changed-at`, "now" for a sync that would write). */
  changedAt?: Date;
}

/**
 * The change redeploy decides services against, for a secret named on the command line:
 * the secret, the parameters mirroring it, its AWSCURRENT version, and when it changed. Without
 * `changedAt`, the change time is when the AWSCURRENT value was created (ListSecretVersionIds),
 * as the redeploy function takes it for a sync that wrote nothing: a settings change (tags,
 * rotation schedule) does not make the services' value stale. A secret whose AWSCURRENT has no
 * creation date counts as changed now (every referencing service would restart).
 * Region and account come from the secret's ARN, so parameter ARNs in task definitions match
 * only in the secret's own account and region, as the events' `region`/`account` do.
 * @throws RedeployInputError (SDK error in `cause`) when the secret's versions cannot be listed.
 */
export async function changeOfSecret(
  deps: { secretsManager: SecretsManagerClient; clock?: () => Date },
  input: SecretChangeInput,
): Promise<Change> {
  const changedAt =
    input.changedAt ?? (await findCurrentVersion(deps.secretsManager, input.secretArn))?.createdDate ?? deps.clock?.() ?? new Date();
  const parts = parseSecretArn(input.secretArn);
  return {
    secretArn: input.secretArn,
    secretName: input.name,
    parameterNames: [...input.parameterNames],
    ...(input.versionId ? { versionId: input.versionId } : {}),
    changedAt,
    ...(parts ? { region: parts.region, accountId: parts.accountId } : {}),
  };
}
