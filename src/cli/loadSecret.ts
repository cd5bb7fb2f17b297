import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  type DescribeSecretResponse,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT } from '../secret.js';
import type { SecretSource } from '../sync/planParameters.js';
import { describedSecretOf } from '../sync/secretFacts.js';
import type { CliOutput } from './createCliOutput.js';
import { NotFoundError } from './errors.js';

/** A secret named on the command line: its metadata and, when asked, its AWSCURRENT value. */
export interface LoadedSecret {
  arn: string;
  name: string;
  meta: DescribeSecretResponse;
  current?: { versionId: string; secretString: string | undefined };
}

const notFound = (err: unknown) => err instanceof Error && err.name === 'ResourceNotFoundException';

/**
 * DescribeSecret, then (with `withValue`) GetSecretValue of AWSCURRENT. The password read is
 * registered with the output's redaction before anything else happens with it.
 * @throws NotFoundError when the secret does not exist (or is scheduled for deletion and
 *   so has no readable value); the SDK's error otherwise.
 */
export async function loadSecret(
  deps: { secretsManager: SecretsManagerClient; out: CliOutput },
  secretId: string,
  options: { withValue: boolean },
): Promise<LoadedSecret> {
  let meta: DescribeSecretResponse;
  try {
    meta = await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (err) {
    if (notFound(err)) throw new NotFoundError(`secret ${secretId} does not exist`, { cause: err });
    throw err;
  }
  const arn = meta.ARN ?? secretId;
  const loaded: LoadedSecret = { arn, name: meta.Name ?? secretId, meta };
  if (!options.withValue) return loaded;
  if (meta.DeletedDate) throw new NotFoundError(`secret ${arn} is scheduled for deletion`);
  let value;
  try {
    value = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: AWSCURRENT }));
  } catch (err) {
    if (notFound(err)) throw new NotFoundError(`secret ${arn} has no ${AWSCURRENT} value`, { cause: err });
    throw err;
  }
  deps.out.protect(...passwordsIn(value.SecretString));
  loaded.current = { versionId: value.VersionId ?? '', secretString: value.SecretString };
  return loaded;
}

/** The AWSCURRENT version of a secret loaded `withValue`, as sync plans it. */
export function sourceOf(secret: LoadedSecret): SecretSource {
  const facts = describedSecretOf({ ...secret.meta, ARN: secret.arn })!;
  return { ...facts, versionId: secret.current?.versionId ?? '', secretString: secret.current?.secretString };
}

/** The password of a SecretString, if it is JSON with one: what output must never carry. */
export function passwordsIn(secretString: string | undefined): string[] {
  if (secretString === undefined) return [];
  try {
    const json = JSON.parse(secretString) as unknown;
    const password = json && typeof json === 'object' ? (json as { password?: unknown }).password : undefined;
    // The whole string too: a SecretString that is not JSON may be a bare password.
    return typeof password === 'string' ? [password, secretString] : [secretString];
  } catch {
    return [secretString];
  }
}
