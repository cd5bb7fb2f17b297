import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../support/endpoint.js';
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
  it('turns an Update under a prefix into a change of that parameter at the end of the event second', async () => {
    // Act
    const resolved = await resolveChange(deps(['/billing']), parameterEvent({ operation: 'Update', name: '/billing/prod/key', type: 'SecureString' }));

    // Assess
    expect(resolved).toEqual({
      change: {
        parameterNames: ['/billing/prod/key'],
        changedAt: new Date('2026-01-15T11:20:31.999Z'),
        region: 'us-east-1',
        accountId: '123456789012',
      },
    });
  });

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

  it("ignores a parameter keyroll's sync wrote, whose secret's Secret Synced redeploys", async () => {
    // Prepare
    const description = 'keyroll: secret arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf version v2';

    // Act
    const resolved = await resolveChange(deps(['/app']), parameterEvent({ operation: 'Update', name: '/app/db/password', type: 'SecureString', description }));

    // Assess
    expect('ignored' in resolved && resolved.ignored).toMatch(/is mirrored by keyroll/);
  });

  it('refuses an event of another source, naming source and detail-type', async () => {
    // Prepare
    const event = { ...parameterEvent({}), source: 'aws.ecs', 'detail-type': 'ECS Service Action' };

    // Act
    const act = resolveChange(deps(['/app']), event);

    // Assess
    await expect(act).rejects.toThrow(new EventShapeError(
      'redeploy: unsupported event: source "aws.ecs", detail-type "ECS Service Action"; expected keyroll "Secret Synced", keyroll "Secret Rotated" or aws.ssm "Parameter Store Change"',
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

describe('resolveChange of a "Secret Synced"', () => {
  const aws = useTestAws();
  const awsDeps = (): RedeployEventDeps => ({ ...deps([]), secretsManager: aws.sm });

  const syncedEvent = (secretArn: string, written: string[]): EventBridgeEnvelope => ({
    ...parameterEvent({}),
    source: 'keyroll',
    'detail-type': 'Secret Synced',
    detail: { secretArn, versionId: 'v1', parameters: ['/app/db/password'], written, unchanged: written.length ? [] : ['/app/db/password'] },
  });

  async function secretWithSecondValue(): Promise<string> {
    const arn = (await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('synced'), SecretString: '{"v":1}' }))).ARN!;
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{"v":2}' }));
    return arn;
  }

  it('takes a sync that wrote nothing to change when the AWSCURRENT value was created, not when a tag changed', async () => {
    // Prepare: a tag added after the value moves LastChangedDate, not the value's creation date.
    const arn = await secretWithSecondValue();
    const valueCreated = (await aws.sm.send(new GetSecretValueCommand({ SecretId: arn }))).CreatedDate!;
    await sleep(5);
    await aws.sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'touched', Value: 'yes' }] }));
    const lastChanged = (await aws.sm.send(new DescribeSecretCommand({ SecretId: arn }))).LastChangedDate!;

    // Act
    const resolved = await resolveChange(awsDeps(), syncedEvent(arn, []));

    // Assess
    expect(lastChanged.getTime()).toBeGreaterThan(valueCreated.getTime());
    expect('change' in resolved && resolved.change.changedAt).toEqual(valueCreated);
  });

  it('reads the versions with one ListSecretVersionIds and no DescribeSecret', async () => {
    // Prepare
    const arn = await secretWithSecondValue();
    aws.endpoint.resetLog();

    // Act
    await resolveChange(awsDeps(), syncedEvent(arn, []));

    // Assess
    expect(aws.endpoint.requestLog.map((r) => `${r.service}.${r.operation}`)).toEqual(['secretsmanager.ListSecretVersionIds']);
  });

  it('takes a sync that wrote parameters to change at the end of the event second, reading no secret', async () => {
    // Prepare
    const arn = await secretWithSecondValue();
    aws.endpoint.resetLog();

    // Act
    const resolved = await resolveChange(awsDeps(), syncedEvent(arn, ['/app/db/password']));

    // Assess
    expect({ changedAt: 'change' in resolved && resolved.change.changedAt, calls: aws.endpoint.count('secretsmanager') }).toEqual({
      changedAt: new Date('2026-01-15T11:20:31.999Z'),
      calls: 0,
    });
  });

  it('refuses with RedeployInputError naming the secret when its versions cannot be listed', async () => {
    // Prepare
    const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${uniqueName('gone')}-AbCdEf`;

    // Act
    const act = resolveChange(awsDeps(), syncedEvent(arn, []));

    // Assess
    await expect(act).rejects.toThrow(RedeployInputError);
    await expect(act).rejects.toThrow(`secret ${arn}: cannot list its versions`);
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
