import { describe, expect, it } from 'vitest';
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { SyncDeps } from '../../src/sync/deps.js';
import { ParameterMappingError } from '../../src/sync/errors.js';
import type { SecretSource } from '../../src/sync/planParameters.js';
import { planSync } from '../../src/sync/planSync.js';
import { syncSecret } from '../../src/sync/syncSecret.js';
import { useTestAws, type TestAws } from '../support/endpoint.js';
import { createManagedSecret, syncDepsFor, uniqueId, urlHostilePassword, type ManagedSecret } from '../support/sync.js';
import { describedSecretOf } from '../../src/sync/secretFacts.js';

const aws = useTestAws({ kmsKeys: ['alias/email-worker'] });

const unique = uniqueId;
const depsFor = (t: TestAws): SyncDeps => syncDepsFor(t);
const createManaged = (t: TestAws, path?: string, name?: string): Promise<ManagedSecret> =>
  createManagedSecret(t, { prefix: 'plan', value: JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'app', password: 'pw-placeholder' }), ...(path ? { path } : {}), ...(name ? { name } : {}) }).then(async (m) => {
    // A value of its own, so "no value in the result" has one to look for.
    const password = urlHostilePassword();
    await t.sm.send(new PutSecretValueCommand({ SecretId: m.arn, SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'app', password }) }));
    return { ...m, password };
  });

/** AWSCURRENT and the description, as syncSecret reads them. */
async function sourceOf(t: TestAws, arn: string): Promise<SecretSource> {
  const meta = await t.sm.send(new DescribeSecretCommand({ SecretId: arn }));
  const current = await t.sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }));
  return { ...describedSecretOf(meta)!, versionId: current.VersionId!, secretString: current.SecretString };
}

type Drift = (t: TestAws, secret: ManagedSecret) => Promise<unknown>;
const synced: Drift = (t, s) => syncSecret(depsFor(t), s.arn);
const KEYS = ['username', 'password', 'host', 'port', 'dbname', 'url'];

describe('planSync', () => {
  it.each<[string, Drift, Array<[string, string]>]>([
    ['a secret never mirrored', async () => undefined, KEYS.map((k) => [k, 'missing'])],
    ['a secret mirrored and left alone', synced, []],
    [
      'a value changed by hand',
      async (t, s) => {
        await synced(t, s);
        await t.ssm.send(new PutParameterCommand({ Name: `${s.path}/host`, Value: 'elsewhere', Type: 'SecureString', Overwrite: true }));
      },
      [['host', 'value']],
    ],
    [
      'a parameter turned into a String',
      async (t, s) => {
        await synced(t, s);
        await t.ssm.send(new PutParameterCommand({ Name: `${s.path}/port`, Value: '5432', Type: 'String', Overwrite: true }));
      },
      [['port', 'type']],
    ],
    [
      'a parameter deleted',
      async (t, s) => {
        await synced(t, s);
        await t.ssm.send(new DeleteParameterCommand({ Name: `${s.path}/password` }));
      },
      [['password', 'missing']],
    ],
    [
      'a KMS key tagged after the last sync',
      async (t, s) => {
        await synced(t, s);
        await t.sm.send(new TagResourceCommand({ SecretId: s.arn, Tags: [{ Key: 'keyroll:kms-key', Value: 'alias/email-worker' }] }));
      },
      KEYS.map((k) => [k, 'kms-key']),
    ],
  ])('predicts exactly what syncSecret then writes, for %s', async (_case, drift, expected) => {
    // Prepare
    const secret = await createManaged(aws);
    await drift(aws, secret);

    // Act
    const plan = await planSync(depsFor(aws), await sourceOf(aws, secret.arn));
    const result = await syncSecret(depsFor(aws), secret.arn, { publish: 'never' });

    // Assess
    expect(plan.changes).toEqual(expected.map(([key, reason]) => ({ name: `${secret.path}/${key}`, reason })));
    expect(result).toMatchObject({
      versionId: plan.versionId,
      parameters: plan.parameters,
      changes: plan.changes,
      written: plan.changes.map((c) => c.name),
      unchanged: plan.unchanged,
    });
  });

  it('names the path and every parameter mirroring the secret', async () => {
    // Prepare
    const secret = await createManaged(aws);

    // Act
    const plan = await planSync(depsFor(aws), await sourceOf(aws, secret.arn));

    // Assess
    expect(plan.path).toBe(secret.path);
    expect(plan.parameters).toEqual(KEYS.map((k) => `${secret.path}/${k}`));
  });

  it('writes no parameter and publishes no event', async () => {
    // Prepare
    const secret = await createManaged(aws);
    const source = await sourceOf(aws, secret.arn);
    aws.endpoint.resetLog();

    // Act
    await planSync(depsFor(aws), source);

    // Assess
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
    expect(aws.endpoint.count('events.PutEvents')).toBe(0);
  });

  it('refuses a secret sync would refuse before reading Parameter Store', async () => {
    // Prepare
    const secret = await createManaged(aws, `/kr-plan/${unique()}/elsewhere`, `kr-plan/${unique()}/db`);
    const source = await sourceOf(aws, secret.arn);
    aws.endpoint.resetLog();

    // Act
    const act = planSync(depsFor(aws), source);

    // Assess
    await expect(act).rejects.toThrow(ParameterMappingError);
    expect(aws.endpoint.count('ssm.GetParameters')).toBe(0);
  });

  it('reports a parameter keyroll did not write as foreign, and would not write it', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/url`, Value: 'postgresql://elsewhere', Type: 'SecureString', Description: 'set by hand' }));

    // Act
    const plan = await planSync(depsFor(aws), await sourceOf(aws, secret.arn));

    // Assess
    expect(plan.foreign).toEqual([{ name: `${secret.path}/url`, owner: "another writer (its description is not keyroll's)" }]);
    expect(plan.changes.map((c) => c.name)).not.toContain(`${secret.path}/url`);
  });

  it('carries no value in its result', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/password`, Value: 'typed-by-hand', Type: 'SecureString', Overwrite: true }));

    // Act
    const plan = await planSync(depsFor(aws), await sourceOf(aws, secret.arn));

    // Assess
    const text = JSON.stringify(plan);
    expect(text).not.toContain(secret.password);
    expect(text).not.toContain(encodeURIComponent(secret.password));
    expect(text).not.toContain('typed-by-hand');
  });
});
