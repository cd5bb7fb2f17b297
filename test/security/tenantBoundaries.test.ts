import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { useTestAws } from '../support/endpoint.js';
import { captureOutput } from '../support/captureOutput.js';
import { createLoginRole, credentialsFor, uniqueName, usePostgres, withAdmin } from '../support/postgres.js';
import { logsIn, rotationDeps, rotationLambdaArn, ROTATION_FUNCTION, stagesOf, valueOf } from '../support/rotation.js';
import { createPostgresGateway } from '../../src/postgres/gateway.js';

// The chains of issue #10, each played end to end through the real Lambda handlers (configured by
// environment, as deployed), the local endpoint and PostgreSQL, and each refused at its boundary
// with nothing of the victim's changed.

type Handler = (event: unknown, context: Context) => Promise<any>;
const handlers = {} as { rotate: Handler; sync: Handler; reconcile: Handler; redeploy: Handler };
const CLUSTER = 'tenants';
const context = (name: string) =>
  ({
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => 900_000,
  }) as unknown as Context;

const aws = useTestAws({ ecs: { rolloutMs: 0 } });
const output = { capture: undefined as ReturnType<typeof captureOutput> | undefined };

beforeAll(async () => {
  vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint.url);
  vi.stubEnv('AWS_MAX_ATTEMPTS', '2');
  vi.stubEnv('DB_CA_BUNDLE', usePostgres().caCertPath);
  vi.stubEnv('SSM_PUT_TPS', '100');
  vi.stubEnv('ECS_CLUSTERS', CLUSTER);
  vi.stubEnv('REDEPLOY_UPDATE_TPS', '100');
  vi.stubEnv('ECS_READ_TPS', '100');
  // The handlers read their configuration and build their clients at import, as on a cold start.
  handlers.rotate = ((await import('../../src/handlers/rotate.js')) as unknown as { handler: Handler }).handler;
  handlers.sync = ((await import('../../src/handlers/sync.js')) as unknown as { handler: Handler }).handler;
  handlers.redeploy = ((await import('../../src/handlers/redeploy.js')) as unknown as { handler: Handler }).handler;
  handlers.reconcile = handlers.sync;
  aws.endpoint.lambdas.register(ROTATION_FUNCTION, (event) => handlers.rotate(event, context(ROTATION_FUNCTION)));
  await aws.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  output.capture = captureOutput();
});
afterAll(() => {
  output.capture?.stop();
  vi.unstubAllEnvs();
});

const labelUpdated = async (arn: string) => {
  const meta = await aws.sm.send(new DescribeSecretCommand({ SecretId: arn }));
  const versionId = Object.entries(meta.VersionIdsToStages!).find(([, s]) => s.includes('AWSCURRENT'))![0];
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Secret Label Updated',
    source: 'aws.secretsmanager',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [arn],
    detail: { name: meta.Name, labelUpdated: 'AWSCURRENT', versionId },
  };
};
const keyrollEvent = (detailType: string, detail: unknown, time = new Date().toISOString()) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': detailType,
  source: 'keyroll',
  account: '000000000000',
  time,
  region: 'us-east-1',
  resources: [],
  detail,
});
const parametersUnder = async (path: string) =>
  Object.fromEntries(((await aws.ssm.send(new GetParametersByPathCommand({ Path: path, WithDecryption: true }))).Parameters ?? []).map((p) => [p.Name!, p.Value!]));
const secretJson = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ engine: 'postgres', host: usePostgres().host, port: usePostgres().port, username: 'app', password: 'Owner-Pass-1!', dbname: 'postgres', sslmode: 'verify-full', ...over });
const createSecret = async (name: string, value: string, tags: Record<string, string> = {}) =>
  (await aws.sm.send(new CreateSecretCommand({ Name: name, SecretString: value, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }))).ARN!;

/** A service of the cluster that takes `valueFrom`; returns its name. */
async function serviceUsing(valueFrom: string): Promise<string> {
  const name = uniqueName('svc').replaceAll('_', '-');
  const td = await aws.ecs.send(new RegisterTaskDefinitionCommand({ family: name, containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128, secrets: [{ name: 'V', valueFrom }] }] }));
  await aws.ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: name, taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: 1 }));
  return name;
}

/** RotateSecret through the real rotate handler; the failure, when a step fails, from Secrets Manager's invocation record. */
async function rotate(arn: string): Promise<{ failed: string | undefined }> {
  const before = aws.endpoint.lambdas.invocations.length;
  await aws.sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: rotationLambdaArn(aws), RotationRules: { AutomaticallyAfterDays: 30 } }));
  await aws.endpoint.idle(30_000);
  const failed = aws.endpoint.lambdas.invocations.slice(before).find((i) => !i.ok);
  return { failed: failed ? String((failed as { error?: unknown }).error ?? 'failed') : undefined };
}

describe('tenant boundaries: the owner of one secret reaches nothing of another team', () => {
  it('1. a secret tagged with another team\'s path writes nothing there, and a forged "Secret Synced" restarts none of its services', async () => {
    // Prepare: team B's mirror, used by team B's service; team A points its own secret at it.
    const teamB = `team-b/${uniqueName('p')}/db`;
    const bArn = await createSecret(teamB, secretJson({ username: 'team_b' }), { 'keyroll:ssm-path': `/${teamB}` });
    await handlers.sync(await labelUpdated(bArn), context('keyroll-sync'));
    const bService = await serviceUsing(`/${teamB}/url`);
    const before = await parametersUnder(`/${teamB}`);
    const aArn = await createSecret(`team-a/${uniqueName('p')}/db`, secretJson({ username: 'team_a', host: 'attacker.example' }), {
      'keyroll:ssm-path': `/${teamB}`,
      'keyroll:ssm-keys': 'username',
    });
    aws.endpoint.resetLog();

    // Act
    const sync = await handlers.sync(await labelUpdated(aArn), context('keyroll-sync')).then(() => undefined, (e: Error) => e);
    const meta = await aws.sm.send(new DescribeSecretCommand({ SecretId: aArn }));
    const aVersion = Object.keys(meta.VersionIdsToStages!)[0]!;
    const redeploy = await handlers.redeploy(
      keyrollEvent('Secret Synced', { secretArn: aArn, versionId: aVersion, parameters: [`/${teamB}/url`], written: [`/${teamB}/url`], unchanged: [] }),
      context('keyroll-redeploy'),
    );

    // Assess
    expect(sync?.message).toMatch(/is not bound to secret "team-a\/.*": SSM_PATH_PREFIX "\/" binds it to \/team-a\//);
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
    expect(await parametersUnder(`/${teamB}`)).toEqual(before);
    expect(redeploy).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/is not mirrored/) });
    expect(aws.endpoint.count('ecs.UpdateService')).toBe(0);
    expect(bService).toBeTruthy();
  });

  it('1b. a parameter another writer owns under the bound path is never overwritten', async () => {
    // Prepare: the platform team's own parameter, where a secret named platform/billing/api-endpoint would mirror.
    const name = `platform/${uniqueName('billing')}/api-endpoint`;
    await aws.ssm.send(new PutParameterCommand({ Name: `/${name}/url`, Value: 'https://billing.internal', Type: 'String', Description: 'billing API endpoint' }));
    const arn = await createSecret(name, secretJson(), { 'keyroll:ssm-path': `/${name}` });
    aws.endpoint.resetLog();

    // Act
    const act = handlers.sync(await labelUpdated(arn), context('keyroll-sync'));

    // Assess
    await expect(act).rejects.toThrow(`parameter(s) /${name}/url exist and were not written by keyroll for this secret`);
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
    expect((await parametersUnder(`/${name}`))[`/${name}/url`]).toBe('https://billing.internal');
  });

  it('2. a master secret tagged for mirroring is never read nor copied, by a sync or by the reconcile', async () => {
    // Prepare
    const name = `team-a/${uniqueName('loot')}`;
    const master = await createSecret(name, secretJson({ username: 'postgres', password: 'Master-Pass-9!' }), { 'keyroll:master': 'true', 'keyroll:ssm-path': `/${name}` });
    aws.endpoint.resetLog();

    // Act
    const sync = await handlers.sync(await labelUpdated(master), context('keyroll-sync')).then(() => undefined, (e: Error) => e);
    const reconcile = await handlers.reconcile({ version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: {} }, context('keyroll-reconcile'));

    // Assess
    expect(sync?.message).toMatch(/a master secret \(keyroll:master=true\) is never mirrored/);
    expect(reconcile.report.secrets.find((e: { secretArn: string }) => e.secretArn === master)).toMatchObject({ status: 'failed' });
    expect(aws.endpoint.requestLog.filter((r) => r.operation === 'GetSecretValue')).toEqual([]);
    expect(await parametersUnder(`/${name}`)).toEqual({});
    expect(output.capture!.text()).not.toContain('Master-Pass-9!');
  });

  it('3. a master never acts on another cluster: a secret naming its host with another port is refused before anything is written', async () => {
    // Prepare: the master serves the test server; the secret names the same host, another port.
    const masterRole = await createLoginRole({ prefix: 'master', attributes: ['CREATEROLE'], databaseGrants: ['CONNECT'] });
    const masterArn = await createSecret(uniqueName('master'), secretJson({ username: masterRole.name, password: masterRole.password }), { 'keyroll:master': 'true' });
    const arn = await createSecret(uniqueName('victim'), secretJson({ port: usePostgres().port + 1, username: 'victim', masterarn: masterArn }));

    // Act
    const { failed } = await rotate(arn);

    // Assess
    expect(failed).toMatch(/master secret .* serves 127\.0\.0\.1:\d+ \(from its value\), not 127\.0\.0\.1:\d+; a master acts only on its own database endpoint/);
    const pending = Object.entries(await stagesOf(aws, arn)).find(([, s]) => s.includes('AWSPENDING'))![0];
    await expect(aws.sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: pending }))).rejects.toThrow(/can't find/);
    // No strategy recorded: the only tag is the failed step's record (keyroll:last-failure).
    expect(((await aws.sm.send(new DescribeSecretCommand({ SecretId: arn }))).Tags ?? []).map((t) => t.Key)).toEqual(['keyroll:last-failure']);
  });

  it('4. a clone role created in advance by someone else is never granted the original\'s membership nor a password', async () => {
    // Prepare: payroll's owner rotates with a superuser master; another CREATEROLE user made payroll_clone first.
    const payroll = await createLoginRole({ prefix: 'payroll', databaseGrants: ['CONNECT'] });
    const creator = await createLoginRole({ prefix: 'creator', attributes: ['CREATEROLE'], databaseGrants: ['CONNECT'] });
    const clonePassword = 'Creator-Knows-1!';
    const creatorDb = createPostgresGateway({ caBundle: usePostgres().caCertPath });
    await creatorDb.withSession(creator.credentials(), async () => undefined);
    await withAdmin(async (admin) => {
      await admin.query(`SET ROLE ${pg.escapeIdentifier(creator.name)}`);
      await admin.query(`CREATE ROLE ${pg.escapeIdentifier(`${payroll.name}_clone`)} WITH LOGIN PASSWORD ${pg.escapeLiteral(clonePassword)}`);
      await admin.query('RESET ROLE');
    });
    const info = usePostgres();
    const masterArn = await createSecret(uniqueName('master'), secretJson({ username: info.superuser, password: info.superuserPassword }), { 'keyroll:master': 'true' });
    const arn = await createSecret(uniqueName('payroll'), secretJson({ username: payroll.name, password: payroll.password, masterarn: masterArn }));

    // Act
    const { failed } = await rotate(arn);

    // Assess
    expect(failed).toMatch(new RegExp(`role "${payroll.name}_clone" already exists, but no version of this secret used it .*administered by ${creator.name}`));
    const member = await withAdmin((a) =>
      a.query('SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = $1 AND u.rolname = $2', [payroll.name, `${payroll.name}_clone`]),
    );
    expect(member.rowCount).toBe(0);
    expect(await createPostgresGateway({ caBundle: info.caCertPath }).canLogIn(credentialsFor(`${payroll.name}_clone`, clonePassword))).toBe(true);
    expect(await logsIn(rotationDeps(aws).db, await valueOf(aws, arn))).toBe(true);
  });

  it('4b. a current user x_clone that is not a member of x never flips to x, whose password stays', async () => {
    // Prepare: the attacker's own orphan_clone (they know its password) and the victim's orphan.
    const orphan = await createLoginRole({ prefix: 'orphan', databaseGrants: ['CONNECT'] });
    const clone = await createLoginRole({ name: `${orphan.name}_clone`, databaseGrants: ['CONNECT'] });
    const info = usePostgres();
    const masterArn = await createSecret(uniqueName('master'), secretJson({ username: info.superuser, password: info.superuserPassword }), { 'keyroll:master': 'true' });
    const arn = await createSecret(uniqueName('orphan'), secretJson({ username: clone.name, password: clone.password, masterarn: masterArn }));

    // Act
    const { failed } = await rotate(arn);

    // Assess
    expect(failed).toMatch(new RegExp(`current user "${clone.name}" is not a member of "${orphan.name}", so it is no clone of it`));
    expect(await rotationDeps(aws).db.canLogIn(orphan.credentials())).toBe(true);
  });

  it('5. a masterarn naming a secret not tagged keyroll:master=true is refused before anything is written', async () => {
    // Prepare: a secret the rotate role could read, but no master.
    const info = usePostgres();
    const notMaster = await createSecret(uniqueName('someone'), secretJson({ username: info.superuser, password: info.superuserPassword }));
    const arn = await createSecret(uniqueName('victim'), secretJson({ masterarn: notMaster }));

    // Act
    const { failed } = await rotate(arn);

    // Assess
    expect(failed).toMatch(/master secret .* is not tagged keyroll:master=true; keyroll acts only through secrets tagged as masters/);
    const pending = Object.entries(await stagesOf(aws, arn)).find(([, s]) => s.includes('AWSPENDING'))![0];
    await expect(aws.sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: pending }))).rejects.toThrow(/can't find/);
  });

  it('6. a forged or replayed "Secret Synced" restarts nothing new: an unknown secret, and a real one replayed with a later time', async () => {
    // Prepare: a mirrored secret whose service was restarted for its change already.
    const name = `team-c/${uniqueName('p')}/db`;
    const arn = await createSecret(name, secretJson({ username: 'team_c' }), { 'keyroll:ssm-path': `/${name}` });
    const service = await serviceUsing(`/${name}/password`);
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: secretJson({ username: 'team_c', password: 'Team-C-New-2!' }) }));
    await handlers.sync(await labelUpdated(arn), context('keyroll-sync'));
    const versionId = (await labelUpdated(arn)).detail.versionId;
    const first = await handlers.redeploy(keyrollEvent('Secret Synced', { secretArn: arn, versionId, parameters: [], written: [], unchanged: [] }), context('keyroll-redeploy'));
    aws.endpoint.resetLog();

    // Act
    const unknown = await handlers.redeploy(
      keyrollEvent('Secret Synced', { secretArn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${uniqueName('none')}-AbCdEf`, versionId: 'v1', parameters: [`/${name}/password`], written: [], unchanged: [] }),
      context('keyroll-redeploy'),
    );
    const replay = await handlers.redeploy(
      keyrollEvent('Secret Synced', { secretArn: arn, versionId, parameters: [`/${name}/password`], written: [`/${name}/password`], unchanged: [] }, '2099-01-01T00:00:00Z'),
      context('keyroll-redeploy'),
    );

    // Assess
    expect(first).toMatchObject({ outcome: 'redeployed', result: { restarted: [{ service }] } });
    expect(unknown).toMatchObject({ outcome: 'ignored', reason: expect.stringMatching(/does not exist/) });
    expect(replay).toMatchObject({ outcome: 'redeployed', result: { restarted: [] } });
    expect(aws.endpoint.count('ecs.UpdateService')).toBe(0);
  });

  it('bounds what it echoes: a 300 KB SecretId is refused with a message of a few hundred characters', async () => {
    // Prepare
    const huge = 'x'.repeat(300_000);
    const before = output.capture!.text().length;

    // Act
    const err = await handlers.rotate({ SecretId: huge, ClientRequestToken: randomUUID(), Step: 'createSecret' }, context(ROTATION_FUNCTION)).catch((e: Error) => e);

    // Assess
    expect((err as Error).message).toMatch(/SecretId must be at most 2048 characters, got 300000/);
    expect((err as Error).message.length).toBeLessThan(600);
    const logged = output.capture!.text().slice(before);
    expect(logged.length).toBeLessThan(4_000);
  });
});
