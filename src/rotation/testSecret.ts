import { AWSPENDING } from '../secret.js';
import type { RotationDeps } from './deps.js';
import { RotationDatabaseError } from './errors.js';
import { credentialsOf, getSecretVersion } from './secretValues.js';

/**
 * testSecret: logs in with the AWSPENDING credentials and runs a query.
 *
 * Idempotency: read-only; running it again changes nothing.
 */
export async function testSecret(deps: RotationDeps, secretArn: string, token: string): Promise<'tested'> {
  const pending = await getSecretVersion(deps, secretArn, 'testSecret', { versionId: token, stage: AWSPENDING });
  try {
    await deps.db.testLogin(credentialsOf(pending.value));
  } catch (err) {
    throw new RotationDatabaseError(
      `testSecret: secret ${secretArn} version ${token}: pending user "${pending.value.username}" cannot log in and query: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return 'tested';
}
