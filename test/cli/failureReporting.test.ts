import { rootCertificates } from 'node:tls';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameOf, startBenchStack, type BenchStack } from '../../bench/benchStack.js';
import { createLoginRole, newPassword, uniqueName, usePostgres } from '../support/postgres.js';
import { spawnBin } from './spawnBin.js';

// The CLI tells the truth, promptly (issue 13 §2), through the real binary against the deployed
// rotate bundle (its own process, as on Lambda): `enable` checks before it changes anything and
// reports a failed configuration test as a failure with its cause; `rotate --wait` reports a
// failed step as soon as the rotate function records it, not at its timeout.

const ROTATE_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${nameOf('rotate')}`;

function keyroll(stack: BenchStack, args: string[]) {
  const globals = ['--endpoint-url', stack.endpoint.url, '--region', 'us-east-1', '--ca-bundle', usePostgres().caCertPath];
  return spawnBin([...globals, ...args], {
    timeoutMs: 90_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_MAX_ATTEMPTS: '2' },
  });
}

async function createSecret(sm: SecretsManagerClient, username: string, password: string): Promise<string> {
  const db = usePostgres();
  const out = await sm.send(
    new CreateSecretCommand({
      Name: uniqueName('cli'),
      SecretString: JSON.stringify({ engine: 'postgres', host: db.host, port: db.port, username, password, dbname: 'postgres', sslmode: 'verify-full' }),
    }),
  );
  return out.ARN!;
}

const rotateSecretCalls = (stack: BenchStack) => stack.endpoint.requestLog.filter((r) => r.service === 'secretsmanager' && r.operation === 'RotateSecret').length;

describe('keyroll enable and rotate --wait, with the rotate function deployed as on Lambda', () => {
  let stack: BenchStack;
  beforeAll(async () => {
    stack = await startBenchStack({ only: ['rotate'], env: { DB_CA_BUNDLE: usePostgres().caCertPath } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('enable: AWSCURRENT that cannot log in is a failure named with its cause, and nothing is changed', async () => {
    // Prepare
    const role = await createLoginRole({ prefix: 'cli' });
    const wrong = newPassword();
    const arn = await createSecret(stack.clients.sm, role.name, wrong);
    const rotationsBefore = rotateSecretCalls(stack);

    // Act
    const run = await keyroll(stack, ['enable', arn, '--schedule', 'rate(30 days)', '--function', ROTATE_ARN]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rotation not enabled for .*database-login: refused: the database does not accept the password of "/);
    expect(run.stdout).not.toMatch(/rotation enabled/);
    const meta = await stack.clients.sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(meta.RotationEnabled ?? false).toBe(false);
    expect(rotateSecretCalls(stack)).toBe(rotationsBefore);
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });

  it('enable: a secret that logs in is enabled once the configuration test passed', async () => {
    const role = await createLoginRole({ prefix: 'cli' });
    const arn = await createSecret(stack.clients.sm, role.name, role.password);

    const run = await keyroll(stack, ['enable', arn, '--schedule', 'rate(30 days)', '--function', ROTATE_ARN, '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rotationEnabled: true, rotationFunction: ROTATE_ARN, test: { status: 'passed' } });
  });

  it('rotate --wait: a setSecret that fails is reported with its step and cause as it happens, not at the timeout', async () => {
    // Prepare: rotation enabled while the password worked, then changed in the database behind the secret's back.
    const role = await createLoginRole({ prefix: 'cli' });
    const arn = await createSecret(stack.clients.sm, role.name, role.password);
    expect((await keyroll(stack, ['enable', arn, '--schedule', 'rate(30 days)', '--function', ROTATE_ARN])).code).toBe(0);
    const { withAdmin } = await import('../support/postgres.js');
    await withAdmin((admin) => admin.query(`ALTER ROLE "${role.name}" PASSWORD '${newPassword()}'`));

    // Act: a timeout far beyond the failure: reaching it would say "timeout", not "failed".
    const run = await keyroll(stack, ['rotate', arn, '--wait', '--timeout', '120', '--interval', '0.2', '--json']);

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ status: 'failed', failedStep: 'setSecret' });
    expect(report.message).toMatch(/failed at setSecret: RotationDatabaseError 28P01: .*password/);
    expect(run.stdout + run.stderr).not.toContain(role.password);
  }, 150_000);
});

describe('keyroll enable, with a rotate function that cannot verify the database (a CA other than the server\'s)', () => {
  let stack: BenchStack;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyroll-ca-'));
    const otherCa = join(dir, 'other-ca.pem');
    await writeFile(otherCa, rootCertificates[0]!);
    stack = await startBenchStack({ only: ['rotate'], env: { DB_CA_BUNDLE: otherCa } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the failed configuration test with its step and cause, exits 1 and turns rotation off again', async () => {
    // Prepare: logs in from here (the right CA), not from the function (the check passes; the test fails).
    const role = await createLoginRole({ prefix: 'cli' });
    const arn = await createSecret(stack.clients.sm, role.name, role.password);

    // Act
    const run = await keyroll(stack, ['enable', arn, '--schedule', 'rate(30 days)', '--function', ROTATE_ARN]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/rotation NOT enabled for .*: configuration test failed/);
    expect(run.stderr).toMatch(/the configuration test failed at testSecret: RotationDatabaseError tls\/UNABLE_TO_VERIFY_LEAF_SIGNATURE: AWSCURRENT user/);
    expect(run.stderr).toMatch(/rotation turned off again/);
    expect((await stack.clients.sm.send(new DescribeSecretCommand({ SecretId: arn }))).RotationEnabled).toBe(false);
    expect(run.stdout + run.stderr).not.toContain(role.password);
  }, 150_000);
});
