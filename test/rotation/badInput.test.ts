import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { useTestAws, type TestAws } from '../support/endpoint.js';
import { createLoginRole, uniqueName, usePostgres, withAdmin } from '../support/postgres.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { startPostgres, type LocalPostgres } from '../../local/postgres.js';
import type { RotationStep } from '../../src/events.js';
import {
  logsIn,
  registerRotation,
  rotateAndWait,
  rotationDeps,
  ROTATION_FUNCTION,
  seedSecret,
  stagesOf,
  startPausedRotation,
  valueOf,
} from '../support/rotation.js';

/** Creates a secret with a raw SecretString and a paused rotation on it. */
async function rawSecret(aws: TestAws, secretString: string) {
  const out = await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('bad'), SecretString: secretString }));
  const token = await startPausedRotation(aws, out.ARN!);
  return { arn: out.ARN!, token };
}

/** Runs one step and returns its error; fails the test if the step succeeds. */
async function stepError(aws: TestAws, arn: string, token: string, step: RotationStep): Promise<Error> {
  const err = await runRotationStep(rotationDeps(aws), { SecretId: arn, ClientRequestToken: token, Step: step }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error(`${step} succeeded where it should have failed`);
  return err;
}

async function pendingHasNoValue(aws: TestAws, arn: string, token: string): Promise<boolean> {
  return aws.sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token })).then(
    () => false,
    (e: Error) => e.name === 'ResourceNotFoundException',
  );
}

const base = () => ({ engine: 'postgres', host: usePostgres().host, port: usePostgres().port, username: 'someone', password: 'Not-Used-1!x', dbname: 'postgres' });

describe('rotation refuses bad input before writing anything', () => {
  const aws = useTestAws();

  it('names a secret whose value is not JSON', async () => {
    // Prepare
    const { arn, token } = await rawSecret(aws, '{"engine": "postgres", "host": ');
    // Act
    const err = await stepError(aws, arn, token, 'createSecret');
    // Assess
    expect(err.message).toMatch(new RegExp(`secret ${arn}.*is not valid JSON`));
    expect(await pendingHasNoValue(aws, arn, token)).toBe(true);
  });

  it.each(['host', 'username', 'password'])('names the missing key "%s"', async (key) => {
    // Prepare
    const value: Record<string, unknown> = base();
    delete value[key];
    const { arn, token } = await rawSecret(aws, JSON.stringify(value));
    // Act
    const err = await stepError(aws, arn, token, 'createSecret');
    // Assess
    expect(err.message).toContain(`"${key}" must be a non-empty string`);
    expect(err.message).toContain(arn);
    expect(err.message).not.toContain('Not-Used-1!x');
    expect(await pendingHasNoValue(aws, arn, token)).toBe(true);
  });

  it('refuses engine "mysql"', async () => {
    // Prepare
    const { arn, token } = await rawSecret(aws, JSON.stringify({ ...base(), engine: 'mysql' }));
    // Act
    const err = await stepError(aws, arn, token, 'createSecret');
    // Assess
    expect(err.message).toContain('"engine" must be one of postgres, aurora-postgresql, found "mysql"');
    expect(await pendingHasNoValue(aws, arn, token)).toBe(true);
  });

  it('refuses an unknown step through the handler, naming it', async () => {
    // Prepare
    process.env.AWS_ENDPOINT_URL = aws.endpoint.url;
    const { handler } = await import('../../src/handlers/rotate.js');
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);
    // Act
    const err = await handler({ SecretId: secret.arn, ClientRequestToken: token, Step: 'deleteSecret' } as never, {} as never).then(
      () => undefined,
      (e: Error) => e,
    );
    // Assess
    expect(err?.name).toBe('EventShapeError');
    expect(err?.message).toMatch(/unknown step "deleteSecret"/);
    expect(await pendingHasNoValue(aws, secret.arn, token)).toBe(true);
  });

  it('refuses a token that is not a version of the secret', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    await startPausedRotation(aws, secret.arn);
    const before = await stagesOf(aws, secret.arn);
    const foreign = crypto.randomUUID();
    // Act
    const err = await stepError(aws, secret.arn, foreign, 'createSecret');
    // Assess
    expect(err.message).toBe(`createSecret: token ${foreign} is not a version of secret ${secret.arn}`);
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });

  it('refuses a secret whose rotation is not enabled', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const [current] = Object.keys(await stagesOf(aws, secret.arn));
    // Act
    const err = await stepError(aws, secret.arn, current!, 'createSecret');
    // Assess
    expect(err.message).toBe(`createSecret: secret ${secret.arn} does not have rotation enabled`);
    expect(Object.keys(await stagesOf(aws, secret.arn))).toEqual([current]);
  });

  it('quotes a user name that needs it: the rotation works and injects nothing', async () => {
    // Prepare
    const canary = await createLoginRole({ prefix: 'canary' });
    const weird = `we"ird; DROP ROLE ${canary.name}`;
    const secret = await seedSecret(aws);
    await withAdmin((a) => a.query(`ALTER ROLE ${pg.escapeIdentifier(secret.role.name)} RENAME TO ${pg.escapeIdentifier(weird)}`));
    await withAdmin((a) => a.query(`ALTER ROLE ${pg.escapeIdentifier(weird)} PASSWORD ${pg.escapeLiteral(secret.role.password)}`));
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ ...(await valueOf(aws, secret.arn)), username: weird }) }));
    registerRotation(aws, rotationDeps(aws));
    // Act
    await rotateAndWait(aws, secret.arn);
    // Assess
    const current = await valueOf(aws, secret.arn);
    expect(current.username).toBe(weird);
    expect(await logsIn(rotationDeps(aws).db, current)).toBe(true);
    const canaryLeft = await withAdmin((a) => a.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [canary.name]));
    expect(canaryLeft.rowCount).toBe(1);
  });

  it('refuses a clone name over 63 characters', async () => {
    // Prepare: 57 + "_clone" = 63 is fine; 58 + "_clone" = 64 is not.
    const role = await createLoginRole({ name: `u${'x'.repeat(57)}` });
    const master = await seedSecret(aws, { alternating: true });
    const { arn, token } = await rawSecret(
      aws,
      JSON.stringify({ ...base(), username: role.name, password: role.password, masterarn: master.master!.arn }),
    );
    // Act
    const err = await stepError(aws, arn, token, 'createSecret');
    // Assess
    expect(err.message).toContain(`clone user name for "${role.name}" would be 64 bytes, over PostgreSQL's 63`);
    expect(await pendingHasNoValue(aws, arn, token)).toBe(true);
  });

  it('names a master secret that cannot be read, and changes no password', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });
    const missing = secret.master!.arn.replace(/master_[0-9a-f]+/, 'master_gone');
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ ...(await valueOf(aws, secret.arn)), masterarn: missing }) }));
    const token = await startPausedRotation(aws, secret.arn);
    // Act: createSecret already checks the master, before anything is written.
    const err = await stepError(aws, secret.arn, token, 'createSecret');
    // Assess
    expect(err.message).toContain(`createSecret: cannot describe secret ${missing}`);
    expect(err.message).toContain('ResourceNotFoundException');
    expect(await valueOf(aws, secret.arn, 'AWSPENDING').catch((e: Error) => e.name)).toBe('ResourceNotFoundException');
    expect(await logsIn(rotationDeps(aws).db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('names a master whose password is wrong, without any password in the message', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const masterValue = await valueOf(aws, secret.master!.arn);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.master!.arn, SecretString: JSON.stringify({ ...masterValue, password: 'Wrong-Master-9!' }) }));
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(rotationDeps(aws), { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    // Act
    const err = await stepError(aws, secret.arn, token, 'setSecret');
    // Assess
    expect(err.name).toBe('RotationDatabaseError');
    expect(err.message).toContain(`as master ${masterValue.username}`);
    expect(err.message).toMatch(/password authentication failed|login/i);
    const pending = await valueOf(aws, secret.arn, 'AWSPENDING');
    for (const p of ['Wrong-Master-9!', masterValue.password, pending.password, secret.role.password]) expect(err.message).not.toContain(p);
    expect(await logsIn(rotationDeps(aws).db, await valueOf(aws, secret.arn))).toBe(true);
  });

  describe('against a server without TLS', () => {
    let plain: LocalPostgres;
    beforeAll(async () => {
      plain = await startPostgres({ tls: false });
    }, 60_000);
    afterAll(async () => plain?.stop());

    it('refuses to fall back to plaintext when the secret requires TLS', async () => {
      // Prepare
      const client = new pg.Client({ host: plain.host, port: plain.port, user: plain.superuser, password: plain.superuserPassword, database: 'postgres' });
      await client.connect();
      await client.query(`CREATE ROLE app_plain LOGIN PASSWORD 'Plain-Pass-1!'`);
      await client.end();
      const { arn, token } = await rawSecret(
        aws,
        JSON.stringify({ engine: 'postgres', host: plain.host, port: plain.port, username: 'app_plain', password: 'Plain-Pass-1!', sslmode: 'require' }),
      );
      await runRotationStep(rotationDeps(aws), { SecretId: arn, ClientRequestToken: token, Step: 'createSecret' });
      // Act
      const err = await stepError(aws, arn, token, 'setSecret');
      // Assess
      expect(err.message).toContain(`${plain.host}:${plain.port}`);
      expect(err.message).toMatch(/TLS|SSL/);
      expect(err.message).not.toContain('Plain-Pass-1!');
      const stillOld = new pg.Client({ host: plain.host, port: plain.port, user: 'app_plain', password: 'Plain-Pass-1!', database: 'postgres' });
      await stillOld.connect();
      await stillOld.end();
    });
  });

  it('keeps the registry default function untouched (sanity for other suites)', () => {
    expect(ROTATION_FUNCTION).toBe('keyroll-rotate');
  });
});
