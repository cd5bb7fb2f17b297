import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { createLoginRole, withAdmin } from '../support/postgres.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { logsIn, registerRotation, rotateAndWait, rotationDeps, seedSecret, startPausedRotation, valueOf } from '../support/rotation.js';

describe('setSecret', () => {
  const aws = useTestAws();

  it('logs in with AWSPREVIOUS when AWSCURRENT no longer works (single user)', async () => {
    // Prepare: after one rotation, the database is put back on the previous password.
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    registerRotation(aws, deps);
    await rotateAndWait(aws, secret.arn);
    const previous = await valueOf(aws, secret.arn, 'AWSPREVIOUS');
    await withAdmin((a) => a.query(`ALTER ROLE ${pg.escapeIdentifier(secret.role.name)} PASSWORD ${pg.escapeLiteral(previous.password)}`));
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(false);
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    // Act
    const outcome = await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'setSecret' });
    // Assess
    expect(outcome.result).toBe('set');
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn, 'AWSPENDING'))).toBe(true);
  });

  it('does nothing when the pending credentials already log in', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'setSecret' });
    const statements: string[] = [];
    // Act
    const outcome = await runRotationStep(rotationDeps(aws, (l) => void statements.push(l)), {
      SecretId: secret.arn,
      ClientRequestToken: token,
      Step: 'setSecret',
    });
    // Assess
    expect(outcome.result).toBe('already-set');
    expect(statements).toEqual([]);
  });

  it.each([
    ['host', { host: 'other-db.example.com' }, 'pending endpoint differs from the current one'],
    ['port', { port: 6543 }, 'pending endpoint differs from the current one'],
    ['user', { username: 'someone_else' }, 'differs from current user'],
  ])('refuses a pending version for another %s (single user)', async (_what, change, message) => {
    // Prepare
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    const pending = { ...(await valueOf(aws, secret.arn)), ...change, password: 'Pending-Pass-1!' };
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, ClientRequestToken: token, SecretString: JSON.stringify(pending), VersionStages: ['AWSPENDING'] }));
    // Act
    const err = await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'setSecret' }).catch((e: Error) => e);
    // Assess
    expect((err as Error).name).toBe('RotationConfigError');
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).not.toContain('Pending-Pass-1!');
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('refuses to act as the master for a secret whose own credentials do not log in (confused deputy)', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });
    const deps = rotationDeps(aws);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ ...(await valueOf(aws, secret.arn)), password: 'Not-The-Password-1!' }) }));
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    // Act
    const err = await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'setSecret' }).catch((e: Error) => e);
    // Assess
    expect((err as Error).message).toContain('refusing to act as the master');
    const clone = await withAdmin((a) => a.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${secret.role.name}_clone`]));
    expect(clone.rowCount).toBe(0);
  });

  it('lets the master set a single user password when tagged keyroll:strategy=single-user', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true, tags: [{ Key: 'keyroll:strategy', Value: 'single-user' }] });
    const deps = rotationDeps(aws);
    registerRotation(aws, deps);
    // Act
    await rotateAndWait(aws, secret.arn);
    // Assess
    const current = await valueOf(aws, secret.arn);
    expect(current.username).toBe(secret.role.name);
    expect(await logsIn(deps.db, current)).toBe(true);
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn, 'AWSPREVIOUS'))).toBe(false);
  });
});

describe('setSecret as the master refuses to be a confused deputy', () => {
  const aws = useTestAws();

  it('refuses a single user set by the master when the secret names another role and cannot log in as it', async () => {
    // Prepare: someone who can write the secret points it at another role the master administers.
    const secret = await seedSecret(aws, { alternating: true, tags: [{ Key: 'keyroll:strategy', Value: 'single-user' }] });
    const victim = await createLoginRole({ prefix: 'victim' });
    await withAdmin((a) => a.query(`GRANT ${pg.escapeIdentifier(victim.name)} TO ${pg.escapeIdentifier(secret.master!.role.name)} WITH ADMIN OPTION`));
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ ...(await valueOf(aws, secret.arn)), username: victim.name, password: 'Guessed-1!' }) }));
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    // Act
    const err = await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'setSecret' }).catch((e: Error) => e);
    // Assess
    expect((err as Error).message).toContain('refusing to act as the master');
    expect(await logsIn(deps.db, { username: victim.name, password: victim.password })).toBe(true);
  });

  it('refuses an alternating pending user that is not exactly the alternate of the current one', async () => {
    // Prepare: a pre-seeded pending version naming the current user itself.
    const secret = await seedSecret(aws, { alternating: true });
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    const same = { ...(await valueOf(aws, secret.arn)), password: 'Same-User-New-1!' };
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, ClientRequestToken: token, SecretString: JSON.stringify(same), VersionStages: ['AWSPENDING'] }));
    // Act
    const err = await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'setSecret' }).catch((e: Error) => e);
    // Assess
    expect((err as Error).name).toBe('RotationConfigError');
    expect((err as Error).message).toContain('is not the alternate of current user');
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(true);
  });
});
