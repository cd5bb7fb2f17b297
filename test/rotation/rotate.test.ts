import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { usePostgres, withAdmin } from '../support/postgres.js';
import { captureOutput } from '../support/captureOutput.js';
import {
  logsIn,
  registerRotation,
  ROTATION_FUNCTION,
  rotateAndWait,
  rotationDeps,
  seedSecret,
  stagesOf,
  valueOf,
} from '../support/rotation.js';
import pg from 'pg';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { rotationLambdaArn } from '../support/rotation.js';

describe('rotation through RotateSecret', () => {
  const aws = useTestAws();
  const output = { capture: undefined as ReturnType<typeof captureOutput> | undefined };

  beforeAll(async () => {
    // The real Lambda handler, configured by environment as on AWS: only the endpoint differs.
    process.env.AWS_ENDPOINT_URL = aws.endpoint.url;
    process.env.DB_CA_BUNDLE = usePostgres().caCertPath;
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const { handler } = await import('../../src/handlers/rotate.js');
    aws.endpoint.lambdas.register(ROTATION_FUNCTION, (event, context) => handler(event as never, context as never));
    output.capture = captureOutput();
  });
  afterAll(() => output.capture?.stop());

  it('rotates a single user: AWSCURRENT logs in, AWSPREVIOUS no longer does, unknown keys survive', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const db = rotationDeps(aws).db;
    // Act
    const token = await rotateAndWait(aws, secret.arn);
    // Assess
    const stages = await stagesOf(aws, secret.arn);
    expect(stages[token]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).flat().filter((s) => s === 'AWSPENDING')).toHaveLength(0);
    const current = await valueOf(aws, secret.arn);
    const previous = await valueOf(aws, secret.arn, 'AWSPREVIOUS');
    expect(current.username).toBe(secret.role.name);
    expect(current.password).not.toBe(secret.role.password);
    expect(current.team).toBe('payments');
    expect(await logsIn(db, current)).toBe(true);
    expect(await logsIn(db, previous)).toBe(false);
    secret.passwords.push(current.password);
    expect(output.capture!.text()).not.toContain(current.password);
    expect(output.capture!.text()).not.toContain(secret.role.password);
  });

  it('rotates alternating users: the clone takes over, AWSPREVIOUS still logs in, the clone owns nothing', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });
    const db = rotationDeps(aws).db;
    // Act
    const first = await rotateAndWait(aws, secret.arn);
    const afterFirst = await valueOf(aws, secret.arn);
    // The clone creates a table: it must belong to the original role.
    await withAdmin((admin) => admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(secret.role.name)} AUTHORIZATION ${pg.escapeIdentifier(secret.role.name)}`));
    const client = new pg.Client({
      host: usePostgres().host,
      port: usePostgres().port,
      user: afterFirst.username,
      password: afterFirst.password,
      database: 'postgres',
      ssl: { rejectUnauthorized: false },
    });
    await client.connect();
    await client.query(`CREATE TABLE ${pg.escapeIdentifier(secret.role.name)}.made_by_clone (id int)`);
    await client.end();
    const second = await rotateAndWait(aws, secret.arn);
    // Assess
    expect(afterFirst.username).toBe(`${secret.role.name}_clone`);
    const afterSecond = await valueOf(aws, secret.arn);
    expect(afterSecond.username).toBe(secret.role.name);
    expect((await stagesOf(aws, secret.arn))[second]).toEqual(['AWSCURRENT']);
    expect((await stagesOf(aws, secret.arn))[first]).toEqual(['AWSPREVIOUS']);
    expect(await logsIn(db, afterSecond)).toBe(true);
    expect(await logsIn(db, await valueOf(aws, secret.arn, 'AWSPREVIOUS'))).toBe(true);
    expect(afterSecond.team).toBe('payments');
    expect(afterSecond.masterarn).toBe(secret.master!.arn);
    const owned = await withAdmin((admin) =>
      admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1`,
        [`${secret.role.name}_clone`],
      ),
    );
    expect(owned.rows[0]!.n).toBe('0');
    const text = output.capture!.text();
    for (const p of [afterFirst.password, afterSecond.password, ...secret.passwords]) expect(text).not.toContain(p);
  });

  it('publishes "Secret Rotated" with the versions and strategy and no secret value', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const before = Object.keys(await stagesOf(aws, secret.arn));
    // Act
    const token = await rotateAndWait(aws, secret.arn);
    // Assess
    const event = aws.endpoint.eventBridge.events.find(
      (e) => e.source === 'keyroll' && e['detail-type'] === 'Secret Rotated' && (e.detail as { secretArn: string }).secretArn === secret.arn,
    );
    expect(event?.detail).toMatchObject({
      secretArn: secret.arn,
      name: secret.name,
      versionId: token,
      previousVersionId: before[0],
      strategy: 'single-user',
    });
    const current = await valueOf(aws, secret.arn);
    expect(JSON.stringify(aws.endpoint.eventBridge.events)).not.toContain(current.password);
  });

  it('makes 12 Secrets Manager calls for a full single-user rotation, the one refused being createSecret reading its own pending version first', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    aws.endpoint.resetLog();
    // Act
    await rotateAndWait(aws, secret.arn);
    // Assess
    const calls = aws.endpoint.requestLog.filter((r) => r.service === 'secretsmanager' && r.operation !== 'RotateSecret');
    console.info(`secrets manager calls for one single-user rotation: ${calls.length} (${calls.map((c) => c.operation).join(', ')})`);
    // As AWS's templates do: GetSecretValue of the token's AWSPENDING, which has no value yet.
    expect(calls.filter((c) => c.outcome !== 'ok').map((c) => `${c.operation} ${c.outcome}`)).toEqual(['GetSecretValue ResourceNotFoundException']);
    expect(calls.length).toBe(12);
  });

  it('sends the server a SCRAM verifier, never the plaintext password', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    // Act
    await rotateAndWait(aws, secret.arn);
    // Assess
    const current = await valueOf(aws, secret.arn);
    const { waitForStatementLog } = await import('../support/postgres.js');
    const log = await waitForStatementLog(`ALTER ROLE ${pg.escapeIdentifier(secret.role.name)}`);
    expect(log).toMatch(/SCRAM-SHA-256\$4096:/);
    expect(log).not.toContain(current.password);
  });

  it('logs one structured line per step with the secret, step, token, outcome and duration', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const start = output.capture!.lines().length;
    // Act
    const token = await rotateAndWait(aws, secret.arn);
    // Assess
    const lines = output
      .capture!.lines()
      .slice(start)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.secretArn === secret.arn && l.message === 'invocation finished');
    expect(lines.map((l) => l.step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    for (const l of lines) {
      expect(l).toMatchObject({ token, outcome: 'ok', level: 'INFO' });
      expect(typeof l.durationMs).toBe('number');
    }
  });

  it('rotates a secret again after the first rotation (AWSPREVIOUS fallback is not needed)', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    await rotateAndWait(aws, secret.arn);
    // Act
    const token = await rotateAndWait(aws, secret.arn);
    // Assess
    expect((await stagesOf(aws, secret.arn))[token]).toEqual(['AWSCURRENT']);
    expect(await logsIn(rotationDeps(aws).db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('passes the configuration test of RotateImmediately=false by logging in with AWSCURRENT', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const before = await stagesOf(aws, secret.arn);
    const invocations = aws.endpoint.lambdas.invocations.length;
    // Act
    await aws.sm.send(
      new RotateSecretCommand({
        SecretId: secret.arn,
        RotationLambdaARN: rotationLambdaArn(aws),
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediately: false,
      }),
    );
    await aws.endpoint.idle(10_000);
    // Assess
    const calls = aws.endpoint.lambdas.invocations.slice(invocations);
    expect(calls.map((c) => c.ok)).toEqual([true]);
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });

  it('uses the in-process domain function the same way (registry sanity)', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    registerRotation(aws, deps);
    // Act
    const token = await rotateAndWait(aws, secret.arn);
    // Assess
    expect((await stagesOf(aws, secret.arn))[token]).toEqual(['AWSCURRENT']);
  });
});
