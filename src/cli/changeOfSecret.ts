import { parseSecretArn, type Change } from '../redeploy/change.js';

/**
 * The change redeploy decides services against, for a secret named on the command line:
 * the secret, the parameters mirroring it, its AWSCURRENT version, and when it changed.
 * Region and account come from the secret's ARN, so parameter ARNs in task definitions match
 * only in the secret's own account and region, as the events' `region`/`account` do.
 */
export function changeOfSecret(input: {
  secretArn: string;
  name: string;
  versionId: string | undefined;
  parameterNames: readonly string[];
  changedAt: Date;
}): Change {
  const parts = parseSecretArn(input.secretArn);
  return {
    secretArn: input.secretArn,
    secretName: input.name,
    parameterNames: [...input.parameterNames],
    ...(input.versionId ? { versionId: input.versionId } : {}),
    changedAt: input.changedAt,
    ...(parts ? { region: parts.region, accountId: parts.accountId } : {}),
  };
}
