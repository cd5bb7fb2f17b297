import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { EventShapeError } from '../../src/errors.js';
import type { SyncOutcome } from '../../src/sync/runSyncTrigger.js';
import { captureOutput } from '../support/captureOutput.js';
import { useTestAws, type TestAws } from '../support/endpoint.js';
import { createManagedSecret } from '../support/sync.js';
import { usePostgres } from '../support/postgres.js';
import { registerRotation, rotateAndWait, rotationDeps, seedSecret, valueOf } from '../support/rotation.js';

const SYNC_FUNCTION = 'keyroll-sync';
const SAMPLE_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:email-worker/prod/db-Ab12Cd';

// The sync function's routing, as serverless.yml declares it: Secrets Manager's own event for every AWSCURRENT move.
const rules = [
  {
    name: 'sync-secret-label-updated',
    pattern: { source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'], detail: { labelUpdated: ['AWSCURRENT'] } },
    target: SYNC_FUNCTION,
  },
  // The reconcile function's continuation rule (here the same in-process handler).
  { name: 'reconcile-continued', pattern: { source: ['keyroll'], 'detail-type': ['Reconcile Continued'] }, target: SYNC_FUNCTION },
];

const unique = () => randomUUID().slice(0, 8);
const newPassword = () => `Pw@:/%${randomBytes(12).toString('base64url')}`;
const context = () => ({
  functionName: SYNC_FUNCTION,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${SYNC_FUNCTION}`,
  memoryLimitInMB: '256',
  awsRequestId: randomUUID(),
  getRemainingTimeInMillis: () => 900_000,
});

/** A sample event from events/, naming `arn` instead of the sample's secret. */
const SAMPLE_VERSION = '0b6f3f2e-58a1-4c9b-9d57-3e2f1a7c8d90';
/** A sample event from events/, naming `arn` (and `versionId`, for samples that name a version) instead of the sample's. */
const sampleFor = (file: string, arn: string, versionId = SAMPLE_VERSION): unknown =>
  JSON.parse(readFileSync(new URL(`../../events/${file}`, import.meta.url), 'utf8').replaceAll(SAMPLE_ARN, arn).replaceAll(SAMPLE_VERSION, versionId));
const currentVersionOf = async (t: TestAws, arn: string) =>
  Object.entries((await t.sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages!).find(([, s]) => s.includes('AWSCURRENT'))![0];

const createManaged = (t: TestAws, tags: Record<string, string> = {}) =>
  createManagedSecret(t, { prefix: 'handler', tags, value: undefined }).then(async (m) => {
    // The value the samples' tests expect: user app on db.internal.
    const password = newPassword();
    await t.sm.send(new PutSecretValueCommand({ SecretId: m.arn, SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'app', password }) }));
    await t.endpoint.idle(30_000);
    return { ...m, password };
  });

async function parametersUnder(t: TestAws, path: string): Promise<Record<string, string>> {
  const out = await t.ssm.send(new GetParametersByPathCommand({ Path: path, WithDecryption: true, MaxResults: 10 }));
  return Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name!.slice(path.length + 1), p.Value!]));
}

describe('sync handler', () => {
  const aws = useTestAws({ rules });
  const output = { capture: undefined as ReturnType<typeof captureOutput> | undefined };
  let handler: (event: unknown, context: unknown) => Promise<SyncOutcome>;

  beforeAll(async () => {
    // The real Lambda handler, configured by environment as on AWS: only the endpoint differs.
    process.env.AWS_ENDPOINT_URL = aws.endpoint.url;
    process.env.AWS_MAX_ATTEMPTS = '3';
    process.env.SSM_PUT_TPS = '50';
    process.env.DB_CA_BUNDLE = usePostgres().caCertPath;
    const mod = await import('../../src/handlers/sync.js');
    handler = (event, ctx) => mod.handler(event as never, ctx as never);
    aws.endpoint.lambdas.register(SYNC_FUNCTION, (event) => handler(event, context()));
    registerRotation(aws, rotationDeps(aws));
    output.capture = captureOutput();
  });
  afterAll(() => output.capture?.stop());

  it('after a rotation, holds the new AWSCURRENT in the parameters, the Description naming its version', async () => {
    // Prepare
    const path = `/kr-handler/${unique()}/db`;
    const secret = await seedSecret(aws, { tags: [{ Key: 'keyroll:ssm-path', Value: path }] });
    await aws.endpoint.idle(30_000);

    // Act
    const token = await rotateAndWait(aws, secret.arn);
    await aws.endpoint.idle(30_000);

    // Assess
    const current = await valueOf(aws, secret.arn);
    const parameters = await parametersUnder(aws, path);
    expect(current.password).not.toBe(secret.role.password);
    expect(parameters.password).toBe(current.password);
    expect(parameters.username).toBe(current.username);
    expect(parameters.url).toBe(
      `postgresql://${current.username}:${encodeURIComponent(current.password)}@${current.host}:${current.port}/postgres?sslmode=verify-full`,
    );
    const described = await aws.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [`${path}/password`] }] }),
    );
    expect(described.Parameters?.[0]?.Description).toBe(`keyroll: secret ${secret.arn} version ${token}`);
    expect(aws.endpoint.lambdas.invocations.filter((i) => i.functionName === SYNC_FUNCTION && !i.ok)).toEqual([]);
    for (const password of [current.password, secret.role.password]) {
      expect(output.capture!.text()).not.toContain(password);
      expect(JSON.stringify(aws.endpoint.eventBridge.events)).not.toContain(password);
    }
  });

  it('syncs once per rotation: one invocation, one "Secret Synced", and none for the replay of its event but the confirmation', async () => {
    // Prepare
    const path = `/kr-handler/${unique()}/db`;
    const secret = await seedSecret(aws, { tags: [{ Key: 'keyroll:ssm-path', Value: path }] });
    await aws.endpoint.idle(30_000);
    const before = aws.endpoint.lambdas.invocations.filter((i) => i.functionName === SYNC_FUNCTION).length;

    // Act
    const token = await rotateAndWait(aws, secret.arn);
    await aws.endpoint.idle(30_000);
    const labelUpdated = aws.endpoint.eventBridge.events.filter(
      (e) => e['detail-type'] === 'Secret Label Updated' && (e.detail as { versionId: string }).versionId === token,
    );
    aws.endpoint.resetLog();
    const replay = await handler(labelUpdated[0], context());

    // Assess
    const syncs = aws.endpoint.lambdas.invocations.filter((i) => i.functionName === SYNC_FUNCTION).length - before;
    const synced = aws.endpoint.eventBridge.events.filter((e) => e['detail-type'] === 'Secret Synced' && (e.detail as { secretArn: string }).secretArn === secret.arn);
    expect({ labelUpdated: labelUpdated.length, syncs, versions: synced.map((e) => (e.detail as { versionId: string }).versionId).slice(0, 2) }).toEqual({
      labelUpdated: 1,
      syncs: 1,
      versions: [expect.any(String), token],
    });
    expect(replay).toMatchObject({ kind: 'secret', result: { status: 'in-sync', written: [] } });
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
  });

  it('carries a value put by hand into the parameters through Secret Label Updated', async () => {
    // Prepare
    const secret = await createManaged(aws);
    const password = newPassword();

    // Act
    await aws.sm.send(
      new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'app', password }) }),
    );
    await aws.endpoint.idle(30_000);

    // Assess
    expect((await parametersUnder(aws, secret.path)).password).toBe(password);
  });

  it.each(['sync-secret-label-updated.json', 'sync-secret-rotated.json', 'sync-rotation-succeeded.json', 'sync-put-secret-value.json', 'sync-update-secret-version-stage.json'])(
    'mirrors the secret named by the sample event %s',
    async (file) => {
      // Prepare
      const secret = await createManaged(aws);

      // Act
      const outcome = await handler(sampleFor(file, secret.arn, await currentVersionOf(aws, secret.arn)), context());

      // Assess
      // The value was already mirrored once on its own Secret Label Updated: the sample finds it in sync.
      expect(outcome).toMatchObject({ kind: 'secret', result: { secretArn: secret.arn, status: expect.stringMatching(/^(in-sync|repaired)$/) } });
      expect((await parametersUnder(aws, secret.path)).password).toBe(secret.password);
    },
  );

  it('reconciles every managed secret on the scheduled sample event', async () => {
    // Prepare
    const secret = await createManaged(aws);

    // Act
    const outcome = await handler(sampleFor('sync-schedule.json', secret.arn), context());

    // Assess
    expect(outcome.kind).toBe('reconcile');
    const entry = outcome.kind === 'reconcile' ? outcome.report.secrets.find((e) => e.secretArn === secret.arn) : undefined;
    expect(entry).toMatchObject({ status: expect.stringMatching(/^(in-sync|repaired)$/) });
    expect(output.capture!.text()).toContain('"message":"reconcile finished"');
  });

  it('hands the secrets a reconcile cannot finish before its deadline to a next run, which does them first', async () => {
    // Prepare: a drifted secret, and a run left only its deadline margin (nothing fits).
    const secret = await createManaged(aws);
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/host`, Value: 'elsewhere', Type: 'SecureString', Overwrite: true }));
    const short = { ...context(), getRemainingTimeInMillis: () => 30_000 };
    const before = aws.endpoint.lambdas.invocations.filter((i) => i.functionName === SYNC_FUNCTION).length;

    // Act
    const outcome = await handler(sampleFor('sync-schedule.json', secret.arn), short);
    await aws.endpoint.idle(30_000);

    // Assess
    const entry = outcome.kind === 'reconcile' ? outcome.report.secrets.find((e) => e.secretArn === secret.arn) : undefined;
    expect({ status: entry?.status, continuedWith: outcome.kind === 'reconcile' && outcome.continuedWith }).toEqual({ status: 'deferred', continuedWith: 1 });
    const continued = aws.endpoint.eventBridge.events.filter((e) => e['detail-type'] === 'Reconcile Continued').at(-1);
    expect((continued?.detail as { secretArns: string[] }).secretArns).toContain(secret.arn);
    expect(aws.endpoint.lambdas.invocations.filter((i) => i.functionName === SYNC_FUNCTION).length - before).toBe(1);
    expect((await parametersUnder(aws, secret.path)).host).toBe('db.internal');
  });

  it('ignores a stage move that is not AWSCURRENT, logging why', async () => {
    // Prepare
    const secret = await createManaged(aws);
    const event = sampleFor('sync-update-secret-version-stage.json', secret.arn) as { detail: { requestParameters: { versionStage: string } } };
    event.detail.requestParameters.versionStage = 'AWSPENDING';
    aws.endpoint.resetLog();

    // Act
    const outcome = await handler(event, context());

    // Assess
    expect(outcome).toEqual({ kind: 'ignored', reason: 'AWSCURRENT did not move' });
    expect(aws.endpoint.requestLog).toEqual([]);
    expect(output.capture!.text()).toContain('"reason":"AWSCURRENT did not move"');
  });

  it('does nothing but log for a secret without the keyroll:ssm-path tag', async () => {
    // Prepare
    const out = await aws.sm.send(
      new CreateSecretCommand({ Name: `kr-plain-${unique()}`, SecretString: JSON.stringify({ engine: 'postgres', host: 'h', username: 'u', password: newPassword() }) }),
    );
    aws.endpoint.resetLog();

    // Act
    const outcome = await handler(sampleFor('sync-secret-rotated.json', out.ARN!), context());

    // Assess
    expect(outcome).toMatchObject({ kind: 'secret', result: { status: 'unmanaged' } });
    expect(aws.endpoint.count('ssm')).toBe(0);
    expect(output.capture!.text()).toContain(`"message":"secret not mirrored"`);
  });

  it('rejects an event of another kind with an EventShapeError, logged once', async () => {
    // Prepare
    const event = { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: {} };
    const before = output.capture!.lines().length;

    // Act
    const act = handler(event, context());

    // Assess
    await expect(act).rejects.toThrow(EventShapeError);
    const failures = output.capture!.lines().slice(before).filter((l) => l.includes('"message":"invocation failed"'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('unsupported event: source \\"aws.ec2\\"');
  });
});
