import { DescribeSecretCommand, type DescribeSecretResponse, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import { AWSCURRENT } from '../secret.js';
import type { SyncDeps } from './deps.js';
import type { SecretFacts } from '../mirrorPath.js';
import { ParameterSyncError } from './errors.js';

/** What sync keeps of DescribeSecret or a ListSecrets entry: the facts the boundaries are decided on, and the stages. */
export interface DescribedSecret extends SecretFacts {
  versionsToStages: Record<string, string[]>;
  lastChangedDate?: Date;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  lastRotatedDate?: Date;
  nextRotationDate?: Date;
}

/** DescribeSecret's answer or a ListSecrets entry as a DescribedSecret (undefined without an ARN). */
export function describedSecretOf(entry: DescribeSecretResponse | SecretListEntry): DescribedSecret | undefined {
  if (!entry.ARN) return undefined;
  const stages = 'VersionIdsToStages' in entry ? entry.VersionIdsToStages : (entry as SecretListEntry).SecretVersionsToStages;
  return {
    secretArn: entry.ARN,
    name: entry.Name ?? entry.ARN,
    tags: entry.Tags ?? [],
    deleted: entry.DeletedDate !== undefined,
    owningService: entry.OwningService,
    versionsToStages: stages ?? {},
    ...(entry.LastChangedDate ? { lastChangedDate: entry.LastChangedDate } : {}),
    rotationEnabled: entry.RotationEnabled === true,
    ...(entry.RotationLambdaARN ? { rotationLambdaArn: entry.RotationLambdaARN } : {}),
    ...(entry.LastRotatedDate ? { lastRotatedDate: entry.LastRotatedDate } : {}),
    ...(entry.NextRotationDate ? { nextRotationDate: entry.NextRotationDate } : {}),
  };
}

/** The version carrying AWSCURRENT. */
export const currentVersionOf = (versions: Record<string, string[]>): string | undefined =>
  Object.entries(versions).find(([, stages]) => stages.includes(AWSCURRENT))?.[0];

/**
 * DescribeSecret as sync needs it.
 * @throws ParameterSyncError naming the secret (ResourceNotFoundException, AccessDeniedException… in `cause`).
 */
export async function describeForSync(deps: Pick<SyncDeps, 'secretsManager'>, secretId: string): Promise<DescribedSecret> {
  let meta;
  try {
    meta = await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (err) {
    throw new ParameterSyncError(`sync: cannot describe secret ${secretId}: ${errorText(err)}`, { cause: err });
  }
  const described = describedSecretOf(meta);
  if (!described) throw new ParameterSyncError(`sync: DescribeSecret of ${secretId} answered no ARN`);
  return described;
}
