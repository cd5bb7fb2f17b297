import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { readVersionStages } from '../support/awsFixtures.js';
import { useTestAws } from '../support/endpoint.js';
import { syncDepsFor } from '../support/sync.js';
import { syncSecret } from '../../src/sync/syncSecret.js';
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

const currentVersionOf = async (arn: string) => Object.entries(await readStages(arn)).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
const rotated = async (arn: string, name: string) =>
  envelope('keyroll', 'Secret Rotated', { secretArn: arn, name, versionId: await currentVersionOf(arn), previousVersionId: null, strategy: 'single-user', rotatedAt: new Date().toISOString() });
const synced = async (arn: string, name: string, time?: string) =>
  envelope('keyroll', 'Secret Synced', { secretArn: arn, versionId: await currentVersionOf(arn), parameters: [`/${name}/password`], written: [`/${name}/password`], unchanged: [] }, time);
/** What sync does for a new value: the parameters written, with keyroll's provenance. */
const mirror = (arn: string) => syncSecret(syncDepsFor(aws), arn, { publish: 'never' });

describe('redeploy handler', () => {
  it('restarts the services of a secret that is not mirrored on "Secret Rotated"', async () => {
    // Prepare
    const arn = await secretWithService('rotated/db');
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: VALUE }));

    // Act
    const out = await handler(await rotated(arn, 'rotated/db'), context);

    // Assess
    expect(out).toMatchObject({ outcome: 'redeployed', result: { restarted: [{ cluster: CLUSTER, service: 'rotated-db' }] } });
  });

  it('leaves a mirrored secret\'s "Secret Rotated" to its "Secret Synced", calling no ECS API', async () => {
    // Prepare
    const arn = await secretWithService('mirrored/db', { mirrored: true });
    aws.endpoint.resetLog();

    // Act
    const out = await handler(await rotated(arn, 'mirrored/db'), context);

    // Assess
    expect({ out, ecsCalls: aws.endpoint.count('ecs') }).toEqual({
      out: { outcome: 'ignored', reason: expect.stringContaining('is mirrored to Parameter Store') },
      ecsCalls: 0,
    });
  });

  it('restarts the services of a mirrored secret on its "Secret Synced", once its parameters hold the new value', async () => {
    // Prepare: the service runs, then a new value is mirrored.
    const arn = await secretWithService('synced/db', { mirrored: true });
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: VALUE }));
    await mirror(arn);

    // Act
    const out = await handler(await synced(arn, 'synced/db'), context);

    // Assess
    expect(out).toMatchObject({ outcome: 'redeployed', result: { restarted: [{ service: 'synced-db' }] } });
  });

  it('restarts nothing, and publishes nothing, when the same "Secret Synced" comes again with a later time', async () => {
    // Prepare
    const arn = await secretWithService('replayed/db', { mirrored: true });
    await sleep(5);
    await mirror(arn);
    await handler(await synced(arn, 'replayed/db'), context);
    await aws.endpoint.idle();
    aws.endpoint.resetLog();
    const before = aws.endpoint.eventBridge.events.length;

    // Act: a replay claiming a time an hour from now.
    const out = await handler(await synced(arn, 'replayed/db', new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')), context);

    // Assess
    expect({ out, updates: aws.endpoint.count('ecs.UpdateService'), published: aws.endpoint.eventBridge.events.length - before }).toMatchObject({
      out: { outcome: 'redeployed', result: { restarted: [], skipped: [{ service: 'replayed-db', reason: 'already rolling with the new value' }], published: false } },
      updates: 0,
      published: 0,
    });
  });

  it('restarts a service started before a rotated value was created and skips one started after its parameters were written', async () => {
    // Prepare: the value changes, the early service keeps running, a late one starts after sync wrote.
    const arn = await secretWithService('rotating/db', { mirrored: true });
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: VALUE }));
    await mirror(arn);
    await sleep(5);
    await serviceUsing('rotating-db-late', arn);

    // Act
    const out = await handler(await synced(arn, 'rotating/db'), context);

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
    await sleep(5);
    await aws.ssm.send(new PutParameterCommand({ Name: '/billing/prod/key', Value: 'new-key', Type: 'SecureString', Overwrite: true }));

    // Act
    const out = await handler(envelope('aws.ssm', 'Parameter Store Change', { operation: 'Update', name: '/billing/prod/key', type: 'SecureString' }), context);

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
