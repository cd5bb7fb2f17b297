import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { useTestAws } from '../support/endpoint.js';
import { createManagedSecret, DEFAULT_MIRROR_RULES, syncDepsFor } from '../support/sync.js';
import { syncSecret } from '../../src/sync/syncSecret.js';
import { uniqueName } from '../support/postgres.js';
import { EventShapeError } from '../../src/errors.js';
import { RedeployInputError } from '../../src/redeploy/errors.js';
import type { EventBridgeEnvelope } from '../../src/events.js';
import type { RedeployEventDeps } from '../../src/redeploy/deps.js';
import { isUnderPrefix, resolveChange } from '../../src/redeploy/resolveChange.js';
import { createTaskDefinitionCache } from '../../src/redeploy/taskDefinitionCache.js';

// These paths never call AWS: any client call would fail the test loudly.
const unreachable = new Proxy({}, { get: () => () => Promise.reject(new Error('no AWS call expected')) });
const deps = (ssmPathPrefixes: string[]): RedeployEventDeps =>
  ({
    ecs: unreachable,
    eventBridge: unreachable,
    secretsManager: unreachable,
    taskDefinitionCache: createTaskDefinitionCache(),
    settings: { clusters: [], concurrency: 5, wait: false, waitTimeoutMs: 0, dryRun: false, eventBusName: 'default', ssmPathPrefixes },
  }) as unknown as RedeployEventDeps;

const parameterEvent = (detail: Record<string, unknown>): EventBridgeEnvelope => ({
  version: '0',
  id: 'e1',
  'detail-type': 'Parameter Store Change',
  source: 'aws.ssm',
  account: '123456789012',
  time: '2026-01-15T11:20:31Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('resolveChange', () => {
  it('ignores a parameter outside the prefixes', async () => {
    // Act
    const resolved = await resolveChange(deps(['/billing']), parameterEvent({ operation: 'Update', name: '/billing2/key', type: 'String' }));

    // Assess
    expect(resolved).toEqual({ ignored: 'parameter /billing2/key is outside the configured prefixes (/billing)' });
  });

  it('ignores every parameter when no prefix is configured', async () => {
    // Act
    const resolved = await resolveChange(deps([]), parameterEvent({ operation: 'Update', name: '/billing/key', type: 'String' }));

    // Assess
    expect(resolved).toEqual({ ignored: 'parameter /billing/key is outside the configured prefixes (none configured)' });
  });

  it('ignores an operation other than Update', async () => {
    // Act
    const resolved = await resolveChange(deps(['/billing']), parameterEvent({ operation: 'Delete', name: '/billing/key', type: 'String' }));

    // Assess
    expect(resolved).toEqual({ ignored: 'parameter /billing/key: operation Delete is not a value update' });
  });

  it('refuses an event of another source, naming source and detail-type', async () => {
    // Prepare
    const event = { ...parameterEvent({}), source: 'aws.ecs', 'detail-type': 'ECS Service Action' };

    // Act
    const act = resolveChange(deps(['/app']), event);

    // Assess
    await expect(act).rejects.toThrow(new EventShapeError(
      'redeploy: unsupported event: source "aws.ecs", detail-type "ECS Service Action"; expected keyroll "Secret Synced" or "Secret Rotated", aws.secretsmanager "Secret Label Updated" or aws.ssm "Parameter Store Change"',
    ));
  });

  it('refuses a Secret Synced event whose detail lacks its fields, naming them', async () => {
    // Prepare
    const event = { ...parameterEvent({ secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf' }), source: 'keyroll', 'detail-type': 'Secret Synced' };

    // Act
    const act = resolveChange(deps([]), event);

    // Assess
    await expect(act).rejects.toThrow(/invalid "Secret Synced" event: detail.versionId: .*detail.parameters/);
  });
});

describe('resolveChange reads the change from Secrets Manager and SSM, not from the event', () => {
  const aws = useTestAws();
  const awsDeps = (ssmPathPrefixes: string[] = []): RedeployEventDeps => ({
    ...deps(ssmPathPrefixes),
    secretsManager: aws.sm,
    ssm: aws.ssm,
    settings: { ...deps(ssmPathPrefixes).settings, mirrorRules: DEFAULT_MIRROR_RULES },
  });
  const currentVersionOf = async (arn: string) =>
    Object.entries((await aws.sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages!).find(([, s]) => s.includes('AWSCURRENT'))![0];

  const keyrollEvent = (detailType: string, detail: Record<string, unknown>): EventBridgeEnvelope => ({
    ...parameterEvent({}),
    source: 'keyroll',
    'detail-type': detailType,
    // A caller-set time far in the future: it must never be the change time.
    time: '2099-01-01T00:00:00Z',
    detail,
  });
  const syncedEvent = (secretArn: string, versionId: string, parameters: string[] = ['/team-b/prod/db/url']) =>
    keyrollEvent('Secret Synced', { secretArn, versionId, parameters, written: parameters, unchanged: [] });
  const rotatedEvent = (secretArn: string, versionId: string) =>
    keyrollEvent('Secret Rotated', { secretArn, name: 'x', versionId, previousVersionId: null, strategy: 'single-user', rotatedAt: '2099-01-01T00:00:00.000Z' });

  async function mirroredSecret() {
    const secret = await createManagedSecret(aws, { prefix: 'redeploy' });
    await syncSecret(syncDepsFor(aws), secret.arn, { publish: 'never' });
    return secret;
  }

  it('takes a mirrored secret\'s own parameters, and the time SSM says they were written', async () => {
    // Prepare
    const secret = await mirroredSecret();
    const versionId = await currentVersionOf(secret.arn);
    const written = await aws.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: [secret.path] }] }));
    const latest = Math.max(...written.Parameters!.map((p) => p.LastModifiedDate!.getTime()));

    // Act: the event claims another team's parameter and a time of its own.
    const resolved = await resolveChange(awsDeps(), syncedEvent(secret.arn, versionId));

    // Assess
    expect('change' in resolved && resolved.change).toMatchObject({
      secretArn: secret.arn,
      versionId,
      parameterNames: ['username', 'password', 'host', 'port', 'dbname', 'url'].map((k) => `${secret.path}/${k}`),
      changedAt: new Date(latest),
    });
  });

  it('costs one DescribeSecret and one DescribeParameters for a "Secret Synced"', async () => {
    // Prepare
    const secret = await mirroredSecret();
    const versionId = await currentVersionOf(secret.arn);
    aws.endpoint.resetLog();

    // Act
    await resolveChange(awsDeps(), syncedEvent(secret.arn, versionId));

    // Assess
    expect(aws.endpoint.requestLog.map((r) => `${r.service}.${r.operation}`)).toEqual(['secretsmanager.DescribeSecret', 'ssm.DescribeParameters']);
  });

  it.each([
    ['an unknown secret', async () => ({ arn: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${uniqueName('gone')}-AbCdEf`, version: 'v1' }), /does not exist/],
    [
      'a secret that is not mirrored',
      async () => {
        const arn = (await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('plain'), SecretString: '{"v":1}' }))).ARN!;
        return { arn, version: await currentVersionOf(arn) };
      },
      /is not mirrored/,
    ],
    [
      'a version that is no longer current (a replay)',
      async () => {
        const secret = await mirroredSecret();
        const old = await currentVersionOf(secret.arn);
        await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ engine: 'postgres', host: 'h', username: 'u', password: 'another-one-1' }) }));
        return { arn: secret.arn, version: old };
      },
      /a newer change supersedes it/,
    ],
    [
      'a mirrored secret none of whose parameters keyroll wrote for it',
      async () => {
        const secret = await createManagedSecret(aws, { prefix: 'redeploy' });
        await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/url`, Value: 'postgresql://elsewhere', Type: 'SecureString', Description: 'team B' }));
        return { arn: secret.arn, version: await currentVersionOf(secret.arn) };
      },
      /no parameter under .* was written by keyroll for secret/,
    ],
  ])('restarts nothing for a "Secret Synced" naming %s', async (_label, prepare, reason) => {
    // Prepare
    const { arn, version } = await prepare();

    // Act
    const resolved = await resolveChange(awsDeps(), syncedEvent(arn, version));

    // Assess
    expect('ignored' in resolved && resolved.ignored).toMatch(reason);
  });

  it('takes a "Secret Rotated" of an unmirrored secret to change when its AWSCURRENT value was created, not when a tag changed', async () => {
    // Prepare: a tag added after the value moves LastChangedDate, not the value's creation date.
    const arn = (await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('rotated'), SecretString: '{"v":1}' }))).ARN!;
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{"v":2}' }));
    const valueCreated = (await aws.sm.send(new GetSecretValueCommand({ SecretId: arn }))).CreatedDate!;
    await sleep(5);
    await aws.sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'touched', Value: 'yes' }] }));

    // Act
    const resolved = await resolveChange(awsDeps(), rotatedEvent(arn, await currentVersionOf(arn)));

    // Assess
    expect('change' in resolved && resolved.change).toMatchObject({ secretArn: arn, parameterNames: [], changedAt: valueCreated });
  });

  it('leaves the "Secret Rotated" of a mirrored secret to its "Secret Synced"', async () => {
    // Prepare
    const secret = await mirroredSecret();

    // Act
    const resolved = await resolveChange(awsDeps(), rotatedEvent(secret.arn, await currentVersionOf(secret.arn)));

    // Assess
    expect('ignored' in resolved && resolved.ignored).toMatch(/its "Secret Synced" redeploys/);
  });

  it('turns an Update under a prefix into a change of that parameter at the time SSM says it was written', async () => {
    // Prepare
    const name = `/billing/${uniqueName('key')}`;
    await aws.ssm.send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'String' }));
    const [meta] = (await aws.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [name] }] }))).Parameters!;

    // Act
    const resolved = await resolveChange(awsDeps(['/billing']), parameterEvent({ operation: 'Update', name, type: 'String' }));

    // Assess
    expect(resolved).toEqual({ change: { parameterNames: [name], changedAt: meta!.LastModifiedDate, region: 'us-east-1', accountId: '123456789012' } });
  });

  it("ignores a parameter keyroll's sync wrote, whose secret's Secret Synced redeploys", async () => {
    // Prepare
    const secret = await mirroredSecret();

    // Act
    const resolved = await resolveChange(awsDeps(['/kr']), parameterEvent({ operation: 'Update', name: `${secret.path}/password`, type: 'SecureString' }));

    // Assess
    expect('ignored' in resolved && resolved.ignored).toMatch(/is mirrored by keyroll/);
  });

  it('refuses with RedeployInputError naming the secret when Secrets Manager cannot be read', async () => {
    // Prepare
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${uniqueName('denied')}-AbCdEf`;
    aws.endpoint.injectFault({ operation: 'secretsmanager.DescribeSecret', nth: 1, errorType: 'AccessDeniedException' });

    // Act
    const act = resolveChange(awsDeps(), syncedEvent(arn, 'v1'));

    // Assess
    await expect(act).rejects.toThrow(RedeployInputError);
    aws.endpoint.clearFaults();
  });
});

describe('isUnderPrefix', () => {
  it.each([
    ['/billing/key', '/billing', true],
    ['/billing/key', '/billing/', true],
    ['/billing', '/billing', true],
    ['/billing2/key', '/billing', false],
    ['/billing/key', '', false],
  ])('%s under %s: %s', (name, prefix, expected) => {
    // Act
    const under = isUnderPrefix(name, prefix);

    // Assess
    expect(under).toBe(expected);
  });
});
