import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { readVersionStages } from '../support/awsFixtures.js';
import { useTestAws } from '../support/endpoint.js';
import { EventShapeError } from '../../src/errors.js';
import { EventBridgeEnvelopeSchema, ParameterStoreChangeDetailSchema, SecretRotatedDetailSchema, SecretSyncedDetailSchema } from '../../src/events.js';

const aws = useTestAws({ ecs: { rolloutMs: 0 } });
let handler: (event: unknown, context: Context) => Promise<unknown>;

const CLUSTER = 'handler-prod';
const context = {
  functionName: 'keyroll-redeploy',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:keyroll-redeploy',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

beforeAll(async () => {
  // The handler reads its configuration and builds its clients at import, as on a cold start.
  vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint.url);
  vi.stubEnv('ECS_CLUSTERS', CLUSTER);
  vi.stubEnv('SSM_PATH_PREFIXES', '/billing');
  vi.stubEnv('AWS_MAX_ATTEMPTS', '3');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  ({ handler } = (await import('../../src/handlers/redeploy.js')) as unknown as { handler: typeof handler });
  await aws.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
});
afterAll(() => {
  vi.unstubAllEnvs();
});

/** Creates a secret (optionally mirrored) and a service using it by ARN; returns the secret ARN. */
async function secretWithService(name: string, options: { mirrored?: boolean; serviceFirst?: boolean } = {}): Promise<string> {
  const createSecret = async () =>
    (
      await aws.sm.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: JSON.stringify({ engine: 'postgres', host: 'db', username: 'app', password: 'irrelevant-here' }),
          ...(options.mirrored ? { Tags: [{ Key: 'keyroll:ssm-path', Value: `/${name}` }] } : {}),
        }),
      )
    ).ARN!;
  const createService = async (arn: string) => {
    const td = await aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: name.replaceAll('/', '-'),
        containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128, secrets: [{ name: 'DB', valueFrom: arn }] }],
      }),
    );
    await aws.ecs.send(
      new CreateServiceCommand({ cluster: CLUSTER, serviceName: name.replaceAll('/', '-'), taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: 1 }),
    );
  };
  if (options.serviceFirst) {
    // A service created before the secret exists cannot resolve it: only the ARN's shape matters here.
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-AbCdEf`;
    await createService(arn);
    await sleep(5);
    return arn;
  }
  const arn = await createSecret();
  await sleep(5);
  await createService(arn);
  return arn;
}

const readStages = (arn: string) => readVersionStages(aws, arn);

/** A second service of the handler's cluster that uses the secret by ARN. */
async function serviceUsing(serviceName: string, arn: string): Promise<void> {
  const td = await aws.ecs.send(
    new RegisterTaskDefinitionCommand({ family: serviceName, containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128, secrets: [{ name: 'DB', valueFrom: arn }] }] }),
  );
  await aws.ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName, taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: 1 }));
}

const VALUE = JSON.stringify({ engine: 'postgres', host: 'db', username: 'app', password: 'changed-here' });

const confirmed = (arn: string, name: string) => ({
  secretArn: arn,
  versionId: 'v1',
  parameters: [`/${name}/password`],
  written: [],
  unchanged: [`/${name}/password`],
});

const envelope = (source: string, detailType: string, detail: unknown, time = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')) => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': detailType,
  source,
  account: '000000000000',
  time,
  region: 'us-east-1',
  resources: [],
  detail,
});

const inOneSecond = () => new Date(Date.now() + 1_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('redeploy handler', () => {
  it('restarts the services of a secret that is not mirrored on "Secret Rotated"', async () => {
    // Prepare
    const arn = await secretWithService('rotated/db');
    aws.endpoint.resetLog();

    // Act
    const out = await handler(
      envelope('keyroll', 'Secret Rotated', {
        secretArn: arn,
        name: 'rotated/db',
        versionId: 'v2',
        previousVersionId: 'v1',
        strategy: 'single-user',
        rotatedAt: new Date().toISOString(),
      }),
      context,
    );

    // Assess
    expect(out).toMatchObject({ outcome: 'redeployed', result: { restarted: [{ cluster: CLUSTER, service: 'rotated-db' }] } });
  });

  it('leaves a mirrored secret\'s "Secret Rotated" to its "Secret Synced", calling no ECS API', async () => {
    // Prepare
    const arn = await secretWithService('mirrored/db', { mirrored: true });
    aws.endpoint.resetLog();

    // Act
    const out = await handler(
      envelope('keyroll', 'Secret Rotated', {
        secretArn: arn,
        name: 'mirrored/db',
        versionId: 'v2',
        previousVersionId: 'v1',
        strategy: 'single-user',
        rotatedAt: new Date().toISOString(),
      }),
      context,
    );

    // Assess
    expect({ out, ecsCalls: aws.endpoint.count('ecs') }).toEqual({
      out: { outcome: 'ignored', reason: expect.stringContaining('is mirrored to Parameter Store (keyroll:ssm-path)') },
      ecsCalls: 0,
    });
  });

  it('restarts the services of the secret and its parameters on "Secret Synced" that wrote parameters', async () => {
    // Prepare
    const arn = await secretWithService('synced/db', { mirrored: true });

    // Act
    const out = await handler(
      envelope(
        'keyroll',
        'Secret Synced',
        { secretArn: arn, versionId: 'v2', parameters: ['/synced/db/password'], written: ['/synced/db/password'], unchanged: [] },
        inOneSecond(),
      ),
      context,
    );

    // Assess
    expect(out).toMatchObject({ outcome: 'redeployed', result: { restarted: [{ service: 'synced-db' }] } });
  });

  it('restarts nothing on a "Secret Synced" that wrote nothing for services deployed since the secret changed', async () => {
    // Prepare: the secret changed (created) before its service was deployed.
    const arn = await secretWithService('confirmed/db', { mirrored: true });
    aws.endpoint.resetLog();

    // Act
    const out = await handler(
      envelope('keyroll', 'Secret Synced', { secretArn: arn, versionId: 'v1', parameters: ['/confirmed/db/password'], written: [], unchanged: ['/confirmed/db/password'] }, inOneSecond()),
      context,
    );

    // Assess
    expect({ out, updates: aws.endpoint.count('ecs.UpdateService') }).toMatchObject({
      out: { outcome: 'redeployed', result: { restarted: [], skipped: [{ service: 'confirmed-db', reason: 'already rolling with the new value' }] } },
      updates: 0,
    });
  });

  it.each([
    ['a tag added', (arn: string) => aws.sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'owner', Value: 'payments' }] }))],
    ['a tag removed', (arn: string) => aws.sm.send(new UntagResourceCommand({ SecretId: arn, TagKeys: ['keyroll:ssm-path'] }))],
  ])('restarts nothing on a "Secret Synced" that wrote nothing after a settings change (%s) since the services started', async (what, settingsChange) => {
    // Prepare: value, then service, then a change of settings only (it moves LastChangedDate).
    const name = `settings/${what.replaceAll(' ', '-')}`;
    const arn = await secretWithService(name, { mirrored: true });
    await sleep(5);
    await settingsChange(arn);
    aws.endpoint.resetLog();

    // Act
    const out = await handler(envelope('keyroll', 'Secret Synced', confirmed(arn, name), inOneSecond()), context);

    // Assess
    expect({ out, updates: aws.endpoint.count('ecs.UpdateService') }).toMatchObject({
      out: { outcome: 'redeployed', result: { restarted: [], skipped: [{ reason: 'already rolling with the new value' }] } },
      updates: 0,
    });
  });

  it('restarts the services started before a value change on a "Secret Synced" that wrote nothing', async () => {
    // Prepare: a sync that wrote the parameters and crashed before publishing; the reconcile confirms them.
    const arn = await secretWithService('valued/db', { mirrored: true });
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: VALUE }));

    // Act
    const out = await handler(envelope('keyroll', 'Secret Synced', confirmed(arn, 'valued/db'), inOneSecond()), context);

    // Assess
    expect(out).toMatchObject({ outcome: 'redeployed', result: { restarted: [{ service: 'valued-db' }], skipped: [] } });
  });

  it('restarts a service started before a rotated value was created and skips one started after finishSecret', async () => {
    // Prepare: createSecret stores the value as AWSPENDING; finishSecret moves AWSCURRENT to it later.
    const arn = await secretWithService('rotating/db', { mirrored: true });
    await sleep(5);
    const pending = await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: VALUE, VersionStages: ['AWSPENDING'] }));
    await sleep(5);
    const previous = Object.entries(await readStages(arn)).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    await aws.sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: pending.VersionId, RemoveFromVersionId: previous }));
    await sleep(5);
    await serviceUsing('rotating-db-late', arn);

    // Act
    const out = await handler(envelope('keyroll', 'Secret Synced', confirmed(arn, 'rotating/db'), inOneSecond()), context);

    // Assess
    expect(out).toMatchObject({
      outcome: 'redeployed',
      result: { restarted: [{ service: 'rotating-db' }], skipped: [{ service: 'rotating-db-late', reason: 'already rolling with the new value' }] },
    });
  });

  it('restarts a service that uses a parameter changed under the prefixes', async () => {
    // Prepare
    const td = await aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'billing-api',
        containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128, secrets: [{ name: 'KEY', valueFrom: '/billing/prod/key' }] }],
      }),
    );
    await aws.ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'billing-api', taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: 1 }));

    // Act
    const out = await handler(
      envelope('aws.ssm', 'Parameter Store Change', { operation: 'Update', name: '/billing/prod/key', type: 'SecureString' }, inOneSecond()),
      context,
    );

    // Assess
    expect(out).toMatchObject({ outcome: 'redeployed', result: { restarted: [{ service: 'billing-api' }] } });
  });

  it('ignores a parameter outside the prefixes without calling ECS', async () => {
    // Prepare
    aws.endpoint.resetLog();

    // Act
    const out = await handler(envelope('aws.ssm', 'Parameter Store Change', { operation: 'Update', name: '/billing-old/key', type: 'String' }), context);

    // Assess
    expect({ out, ecsCalls: aws.endpoint.count('ecs') }).toEqual({
      out: { outcome: 'ignored', reason: 'parameter /billing-old/key is outside the configured prefixes (/billing)' },
      ecsCalls: 0,
    });
  });

  it('refuses an event of an unknown shape, naming what is wrong', async () => {
    // Act
    const act = handler({ source: 'keyroll', detail: {} }, context);

    // Assess
    await expect(act).rejects.toThrow(new EventShapeError('invalid redeploy event: detail-type: Invalid input: expected string, received undefined'));
  });

  it('refuses an event from another source without calling ECS', async () => {
    // Prepare
    aws.endpoint.resetLog();

    // Act
    const act = handler(envelope('aws.ecs', 'ECS Service Action', {}), context);

    // Assess
    await expect(act).rejects.toThrow(EventShapeError);
    expect(aws.endpoint.count('ecs')).toBe(0);
  });
});

describe('sample events', () => {
  it.each([
    ['redeploy-secret-synced.json', SecretSyncedDetailSchema],
    ['redeploy-secret-rotated.json', SecretRotatedDetailSchema],
    ['redeploy-parameter-store-change.json', ParameterStoreChangeDetailSchema],
  ])('%s has the shape the handler accepts', async (file, detailSchema) => {
    // Prepare
    const event = JSON.parse(await readFile(new URL(`../../events/${file}`, import.meta.url), 'utf8'));

    // Act
    const parsed = EventBridgeEnvelopeSchema.safeParse(event);
    const detail = detailSchema.safeParse(event.detail);

    // Assess
    expect({ envelope: parsed.success, detail: detail.success }).toEqual({ envelope: true, detail: true });
  });
});
