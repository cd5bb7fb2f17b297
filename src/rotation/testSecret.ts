import { ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../secret.js';
import type { RotationDeps } from './deps.js';
import { RotationDatabaseError, RotationStateError } from './errors.js';
import { credentialsOf, getSecretVersion, type SecretVersion } from './secretValues.js';

/**
 * testSecret: logs in with the AWSPENDING credentials and runs a query. An AWSPENDING version
 * without a value is Secrets Manager testing the configuration (RotateSecret with
 * RotateImmediately=false, as `keyroll enable` does): then AWSCURRENT must log in instead.
 *
 * Idempotency: read-only; running it again changes nothing.
 */
export async function testSecret(deps: RotationDeps, secretArn: string, token: string): Promise<'tested' | 'tested-configuration'> {
  let version: SecretVersion;
  let result: 'tested' | 'tested-configuration' = 'tested';
  try {
    version = await getSecretVersion(deps, secretArn, 'testSecret', { versionId: token, stage: AWSPENDING });
  } catch (err) {
    if (!(err instanceof RotationStateError && err.cause instanceof ResourceNotFoundException)) throw err;
    version = await getSecretVersion(deps, secretArn, 'testSecret', { stage: AWSCURRENT });
    result = 'tested-configuration';
  }
  const which = result === 'tested' ? `pending user "${version.value.username}"` : `AWSCURRENT user "${version.value.username}" (configuration test)`;
  try {
    await deps.db.testLogin(credentialsOf(version.value));
  } catch (err) {
    throw new RotationDatabaseError(`testSecret: secret ${secretArn} version ${token}: ${which} cannot log in and query: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return result;
}
