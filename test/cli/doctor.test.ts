import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { useTestAws } from '../support/endpoint.js';
import { closedPort, uniqueName, usePostgres, withAdmin } from '../support/postgres.js';
import { logsIn, rotationDeps, seedSecret, stagesOf, startPausedRotation, valueOf } from '../support/rotation.js';
import { runKeyroll } from './runKeyroll.js';

type Check = { name: string; status: string; message: string; hint?: string };
const checkOf = (run: { json(): { checks: Check[] } }, name: string) => run.json().checks.find((c) => c.name === name);

describe('keyroll doctor', () => {
  const aws = useTestAws();

  it('passes every check for a healthy alternating-users secret', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });

    // Act
    const run = await runKeyroll(aws, ['doctor', secret.arn, '--json']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ secretArn: secret.arn, name: secret.name, ok: true });
    expect(run.json().checks.map((c: Check) => [c.name, c.status])).toEqual([
      ['secrets-manager', 'pass'],
      ['secret-value', 'pass'],
      ['ssm', 'pass'],
      ['ecs', 'pass'],
      ['database-login', 'pass'],
      ['master-secret', 'pass'],
      ['master-login', 'pass'],
      ['master-privileges', 'pass'],
      ['stale-pending', 'pass'],
    ]);
    expect(checkOf(run, 'database-login')?.message).toBe(`logs in as "${secret.role.name}" at ${usePostgres().host}:${usePostgres().port}/postgres (TLS verify-full)`);
  });

  it('prints one line per check with a fix hint under each failure', async () => {
    // Prepare: AWSCURRENT now holds a password the database does not know.
    const secret = await seedSecret(aws);
    const value = await valueOf(aws, secret.arn);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ ...value, password: 'Wrong-password-123' }) }));

    // Act
    const run = await runKeyroll(aws, ['doctor', secret.arn]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^PASS\s+secret-value\s+PostgreSQL secret: user "app_\w+", TLS verify-full, single-user$/m);
    expect(run.stdout).toMatch(/^FAIL\s+database-login\s+refused: the database does not accept the password of "app_\w+"/m);
    expect(run.stdout).toMatch(/^ {6}fix: if a rotation stopped after setSecret, keyroll doctor .* --fix finishes it/m);
    expect(run.stdout).toMatch(/^SKIP\s+master\s+single user/m);
    expect(run.stdout).toContain('1 check(s) failed');
  });

  it('tells an unreachable database from a refused login', async () => {
    // Prepare
    const secret = await seedSecret(aws, { extra: { port: await closedPort() } });

    // Act
    const run = await runKeyroll(aws, ['doctor', secret.arn, '--json']);

    // Assess
    expect(run.code).toBe(1);
    expect(checkOf(run, 'database-login')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^unreachable \(network\): cannot connect to .*ECONNREFUSED/),
      hint: expect.stringContaining('check host and port'),
    });
  });

  it('fails master-privileges when the master has no ADMIN OPTION on the application role', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });
    await withAdmin((admin) =>
      admin.query(`REVOKE ADMIN OPTION FOR ${pg.escapeIdentifier(secret.role.name)} FROM ${pg.escapeIdentifier(secret.master!.role.name)}`),
    );

    // Act
    const run = await runKeyroll(aws, ['doctor', secret.arn, '--json']);

    // Assess
    expect(run.code).toBe(1);
    expect(checkOf(run, 'master-privileges')).toMatchObject({
      status: 'fail',
      message: `"${secret.master!.role.name}" cannot manage role "${secret.role.name}" (needs ADMIN OPTION on it)`,
      hint: expect.stringContaining(`GRANT "${secret.role.name}" TO "${secret.master!.role.name}" WITH ADMIN OPTION`),
    });
  });

  it('fails secret-value for a value that is not a PostgreSQL secret, and skips the database checks', async () => {
    // Prepare
    const name = uniqueName('mysql');
    await aws.sm.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ engine: 'mysql', host: 'h', username: 'u', password: 'Not-printed-42' }) }));

    // Act
    const run = await runKeyroll(aws, ['doctor', name, '--json']);

    // Assess
    expect(run.code).toBe(1);
    expect(checkOf(run, 'secret-value')).toMatchObject({ status: 'fail', message: expect.stringContaining('"engine" must be one of postgres, aurora-postgresql, found "mysql"') });
    expect(checkOf(run, 'database-login')?.status).toBe('skip');
    expect(run.stdout).not.toContain('Not-printed-42');
  });

  it('reports a stale AWSPENDING and what --fix would do, without changing it', async () => {
    // Prepare: a rotation that stopped after setSecret (only the pending password works now).
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    for (const Step of ['createSecret', 'setSecret'] as const) await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step });

    // Act
    const run = await runKeyroll(aws, ['doctor', secret.arn, '--json']);

    // Assess
    expect(run.code).toBe(1);
    expect(checkOf(run, 'stale-pending')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(`AWSPENDING on version ${token} (recent): --fix would finish that rotation`),
      hint: expect.stringContaining('--fix --force'),
    });
    expect((await stagesOf(aws, secret.arn))[token]).toEqual(['AWSPENDING']);
  });

  it('with --fix --force, finishes the rotation the database already took', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    for (const Step of ['createSecret', 'setSecret'] as const) await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step });

    // Act
    const run = await runKeyroll(aws, ['doctor', secret.arn, '--fix', '--force', '--json']);

    // Assess: healed first, so AWSCURRENT (the finished version) logs in.
    expect(run.code).toBe(0);
    expect(checkOf(run, 'database-login')?.status).toBe('pass');
    expect(checkOf(run, 'stale-pending')).toMatchObject({ status: 'pass', message: expect.stringContaining(`healed AWSPENDING on version ${token}: finished`) });
    expect((await stagesOf(aws, secret.arn))[token]).toEqual(['AWSCURRENT']);
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('with --fix alone, leaves an AWSPENDING younger than an hour alone', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);

    // Act
    const run = await runKeyroll(aws, ['doctor', secret.arn, '--fix', '--json']);

    // Assess
    expect(checkOf(run, 'stale-pending')?.status).toBe('fail');
    expect((await stagesOf(aws, secret.arn))[token]).toEqual(['AWSPENDING']);
  });

  it('reports unreachable AWS endpoints as failed checks and exits 1', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const run = await runKeyroll(undefined, ['doctor', 'app/db', '--endpoint-url', `http://127.0.0.1:${port}`, '--region', 'us-east-1'], {
      env: { AWS_MAX_ATTEMPTS: '1' },
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL\s+secrets-manager\s+cannot read secret app\/db: .*ECONNREFUSED/m);
    expect(run.stdout).toMatch(/^FAIL\s+ssm\s/m);
    expect(run.stdout).toMatch(/^FAIL\s+ecs\s/m);
  });

  it('exits 3 for a secret that does not exist', async () => {
    // Act
    const run = await runKeyroll(aws, ['doctor', uniqueName('missing'), '--json']);

    // Assess
    expect(run.code).toBe(3);
    expect(run.json()).toEqual({ error: { name: 'NotFoundError', message: expect.stringContaining('does not exist'), exitCode: 3 } });
  });

  it('never prints a password, not even with --verbose and failing logins', async () => {
    // Prepare: current fails to log in; the pending password (stale) works.
    const secret = await seedSecret(aws, { alternating: true });
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    for (const Step of ['createSecret', 'setSecret'] as const) await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step });
    const pending = await valueOf(aws, secret.arn, 'AWSPENDING');

    // Act
    const runs = [await runKeyroll(aws, ['doctor', secret.arn, '--verbose']), await runKeyroll(aws, ['doctor', secret.arn, '--json', '--verbose'])];

    // Assess
    for (const run of runs) {
      for (const password of [...secret.passwords, pending.password]) expect(run.stdout + run.stderr).not.toContain(password);
    }
  });
});
