import { describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand, UntagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, GetParametersByPathCommand, ListTagsForResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../../src/aws.js';
import { SecretFormatError } from '../../src/secret.js';
import { ParameterMappingError, ParameterOwnershipError, ParameterSyncError } from '../../src/sync/errors.js';
import type { SyncDeps } from '../../src/sync/deps.js';
import { syncSecret } from '../../src/sync/syncSecret.js';
import { captureOutput } from '../support/captureOutput.js';
import { useTestAws, type TestAws } from '../support/endpoint.js';
import { createManagedSecret, syncDepsFor, uniqueId, urlHostilePassword } from '../support/sync.js';

const aws = useTestAws({ kmsKeys: ['alias/email-worker'] });

const unique = uniqueId;
const newPassword = urlHostilePassword;
const verboseLogger = new Logger({ serviceName: 'keyroll-test', logLevel: 'DEBUG' });
const depsFor = (t: TestAws, settings: Partial<SyncDeps['settings']> = {}, verbose = false): SyncDeps =>
  syncDepsFor(t, { settings, ...(verbose ? { logger: verboseLogger } : {}) });
const createManaged = (t: TestAws, options: Parameters<typeof createManagedSecret>[1] = {}) => createManagedSecret(t, { prefix: 'sync', ...options });
const valueWith = (password: string) => JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'email_worker', password, dbname: 'mail' });

async function parametersUnder(t: TestAws, path: string): Promise<Record<string, string>> {
  const out = await t.ssm.send(new GetParametersByPathCommand({ Path: path, WithDecryption: true, MaxResults: 10 }));
  return Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name!.slice(path.length + 1), p.Value!]));
}

async function metadataUnder(t: TestAws, path: string) {
  const out = await t.ssm.send(
    new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'OneLevel', Values: [path] }], MaxResults: 50 }),
  );
  return Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name!.slice(path.length + 1), p]));
}

const okPuts = (t: TestAws) => t.endpoint.requestLog.filter((r) => r.operation === 'PutParameter' && r.outcome === 'ok').length;
const syncedEventsFor = (t: TestAws, arn: string) =>
  t.endpoint.eventBridge.events.filter((e) => e['detail-type'] === 'Secret Synced' && (e.detail as { secretArn: string }).secretArn === arn);

describe('syncSecret', () => {
  it('mirrors AWSCURRENT into username, password, host, port, dbname and url under the path', async () => {
    // Prepare
    const secret = await createManaged(aws);

    // Act
    await syncSecret(depsFor(aws), secret.arn);

    // Assess
    expect(await parametersUnder(aws, secret.path)).toEqual({
      username: 'email_worker',
      password: secret.password,
      host: 'db.internal',
      port: '5432',
      dbname: 'mail',
      url: `postgresql://email_worker:${encodeURIComponent(secret.password)}@db.internal:5432/mail?sslmode=prefer`,
    });
  });

  it('writes SecureStrings whose Description names the secret ARN and the version', async () => {
    // Prepare
    const secret = await createManaged(aws);

    // Act
    const result = await syncSecret(depsFor(aws), secret.arn);

    // Assess
    const meta = Object.values(await metadataUnder(aws, secret.path));
    expect(meta).toHaveLength(6);
    for (const p of meta) {
      expect(p.Type).toBe('SecureString');
      expect(p.Description).toBe(`keyroll: secret ${secret.arn} version ${'versionId' in result && result.versionId}`);
    }
  });

  it('follows a new AWSCURRENT, rewriting only what changed and naming the new version', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await syncSecret(depsFor(aws), secret.arn);
    const password = newPassword();
    const put = await aws.sm.send(
      new PutSecretValueCommand({
        SecretId: secret.arn,
        SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'email_worker', password, dbname: 'mail' }),
      }),
    );

    // Act
    const result = await syncSecret(depsFor(aws), secret.arn);

    // Assess
    expect(result).toMatchObject({ status: 'repaired', versionId: put.VersionId, written: [`${secret.path}/password`, `${secret.path}/url`] });
    expect((await parametersUnder(aws, secret.path)).password).toBe(password);
    expect((await metadataUnder(aws, secret.path)).password!.Description).toBe(`keyroll: secret ${secret.arn} version ${put.VersionId}`);
  });

  it('makes no PutParameter call when replayed', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await syncSecret(depsFor(aws), secret.arn);
    aws.endpoint.resetLog();

    // Act
    const result = await syncSecret(depsFor(aws), secret.arn);

    // Assess
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
    expect(result).toMatchObject({ status: 'in-sync', written: [] });
  });

  it('publishes "Secret Synced" with the parameter names written and unchanged', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await syncSecret(depsFor(aws), secret.arn);

    // Act
    await syncSecret(depsFor(aws), secret.arn);

    // Assess
    const names = ['username', 'password', 'host', 'port', 'dbname', 'url'].map((k) => `${secret.path}/${k}`);
    const details = syncedEventsFor(aws, secret.arn).map((e) => e.detail);
    expect(details).toEqual([
      { secretArn: secret.arn, versionId: expect.any(String), parameters: names, written: names, unchanged: [] },
      { secretArn: secret.arn, versionId: expect.any(String), parameters: names, written: [], unchanged: names },
    ]);
  });

  it('is a logged no-op for a secret without the keyroll:ssm-path tag', async () => {
    // Prepare
    const out = await aws.sm.send(
      new CreateSecretCommand({ Name: `kr-plain-${unique()}`, SecretString: JSON.stringify({ engine: 'postgres', host: 'h', username: 'u', password: newPassword() }) }),
    );
    aws.endpoint.resetLog();
    const logs = captureOutput();

    // Act
    let result;
    try {
      result = await syncSecret(depsFor(aws, {}, true), out.ARN!);
    } finally {
      logs.stop();
    }

    // Assess
    expect(result).toEqual({ secretArn: out.ARN, status: 'unmanaged', reason: 'no "keyroll:ssm-path" tag' });
    expect(aws.endpoint.count('ssm')).toBe(0);
    expect(logs.text()).toContain('secret not mirrored');
  });

  it('encrypts with the KMS key named by the keyroll:kms-key tag', async () => {
    // Prepare
    const secret = await createManaged(aws, { tags: { 'keyroll:kms-key': 'alias/email-worker' } });

    // Act
    await syncSecret(depsFor(aws, { kmsKeyId: 'alias/aws/ssm' }), secret.arn);

    // Assess
    const keys = new Set(Object.values(await metadataUnder(aws, secret.path)).map((p) => p.KeyId));
    expect(keys).toEqual(new Set(['alias/email-worker']));
  });

  it('moves the parameters back to the account default key when the keyroll:kms-key tag goes away', async () => {
    // Prepare
    const secret = await createManaged(aws, { tags: { 'keyroll:kms-key': 'alias/email-worker' } });
    await syncSecret(depsFor(aws), secret.arn);
    await aws.sm.send(new UntagResourceCommand({ SecretId: secret.arn, TagKeys: ['keyroll:kms-key'] }));

    // Act
    const result = await syncSecret(depsFor(aws), secret.arn);
    const replay = await syncSecret(depsFor(aws), secret.arn);

    // Assess
    expect('changes' in result && result.changes.map((c) => c.reason)).toEqual(Array(6).fill('kms-key'));
    expect(new Set(Object.values(await metadataUnder(aws, secret.path)).map((p) => p.KeyId))).toEqual(new Set(['alias/aws/ssm']));
    expect(replay.status).toBe('in-sync');
  });

  it('writes the parameters named by keyroll:ssm-plain as Strings', async () => {
    // Prepare
    const secret = await createManaged(aws, { tags: { 'keyroll:ssm-plain': 'host,port,dbname' } });

    // Act
    await syncSecret(depsFor(aws), secret.arn);

    // Assess
    const types = Object.fromEntries(Object.entries(await metadataUnder(aws, secret.path)).map(([k, p]) => [k, p.Type]));
    expect(types).toEqual({
      username: 'SecureString',
      password: 'SecureString',
      host: 'String',
      port: 'String',
      dbname: 'String',
      url: 'SecureString',
    });
  });

  it('repairs a parameter changed by hand and says why', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await syncSecret(depsFor(aws), secret.arn);
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/host`, Value: 'elsewhere', Type: 'SecureString', Overwrite: true }));

    // Act
    const result = await syncSecret(depsFor(aws), secret.arn);

    // Assess
    expect(result).toMatchObject({ status: 'repaired', changes: [{ name: `${secret.path}/host`, reason: 'value' }] });
    expect((await parametersUnder(aws, secret.path)).host).toBe('db.internal');
  });

  it.each([
    ['a path without a leading slash', { path: 'kr-test/no-slash/db' }, ParameterMappingError, /is not bound to secret/],
    ['a path its name does not bind', { path: '/team-b/prod/db', name: `team-a/${uniqueId()}/db` }, ParameterMappingError, /is not bound to secret "team-a\/.*": SSM_PATH_PREFIX "\/" binds it to \/team-a\//],
    ['the master tag', { tags: { 'keyroll:master': 'true' } }, ParameterMappingError, /a master secret \(keyroll:master=true\) is never mirrored/],
    ['a 16-level path', { path: '/' + Array.from({ length: 16 }, (_, i) => `l${i}`).join('/') }, ParameterMappingError, /16 levels/],
    ['JSON without password', { value: JSON.stringify({ engine: 'postgres', host: 'h', username: 'u' }) }, SecretFormatError, /"password"/],
    ['a value that is not JSON', { value: 'postgres://u:p@h/db' }, SecretFormatError, /is not valid JSON/],
  ])('refuses a secret with %s before writing anything', async (_, options, type, message) => {
    // Prepare
    const secret = await createManaged(aws, options);
    aws.endpoint.resetLog();

    // Act
    const act = syncSecret(depsFor(aws), secret.arn);

    // Assess
    await expect(act).rejects.toThrow(type);
    await expect(syncSecret(depsFor(aws), secret.arn)).rejects.toThrow(message);
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
  });

  it('fails with InvalidKeyId, naming the parameter, when the KMS key does not exist', async () => {
    // Prepare
    const secret = await createManaged(aws, { tags: { 'keyroll:kms-key': 'alias/does-not-exist' } });
    aws.endpoint.resetLog();

    // Act
    const act = syncSecret(depsFor(aws), secret.arn);

    // Assess
    await expect(act).rejects.toThrow(ParameterSyncError);
    await expect(syncSecret(depsFor(aws), secret.arn)).rejects.toThrow(
      new RegExp(`cannot write parameter ${secret.path}/username: InvalidKeyId.*\\(nothing was written\\)`),
    );
    expect(okPuts(aws)).toBe(0);
  });

  it('never writes over a parameter another writer owns, names it and writes nothing else', async () => {
    // Prepare: team B's (or anyone's) parameter where this secret would mirror.
    const secret = await createManaged(aws);
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/url`, Value: 'postgresql://team-b', Type: 'SecureString', Description: 'team B' }));
    aws.endpoint.resetLog();

    // Act
    const err = (await syncSecret(depsFor(aws), secret.arn).catch((e: unknown) => e)) as Error;

    // Assess
    expect(err).toBeInstanceOf(ParameterOwnershipError);
    expect(err.message).toContain(`parameter(s) ${secret.path}/url exist and were not written by keyroll for this secret`);
    expect(err.message).toContain(`keyroll sync ${secret.arn} --adopt`);
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
    expect((await parametersUnder(aws, secret.path)).url).toBe('postgresql://team-b');
  });

  it("never writes over another secret's mirror", async () => {
    // Prepare: the same bound root under a binding, mirrored by a first secret.
    const first = await createManaged(aws);
    await syncSecret(depsFor(aws), first.arn);
    const second = await createManaged(aws, { name: `kr/other-${unique()}/db`, path: first.path });
    const rules = { mirrorRules: { prefix: '/', bindings: new Map([[second.name, first.path]]) } };
    aws.endpoint.resetLog();

    // Act
    const act = syncSecret(depsFor(aws, rules), second.arn);

    // Assess
    await expect(act).rejects.toThrow(`written by keyroll, for secret ${first.arn}`);
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
    expect((await parametersUnder(aws, first.path)).password).toBe(first.password);
  });

  it('takes a foreign parameter over when asked to adopt it, and keeps it from then on', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/url`, Value: 'postgresql://old', Type: 'SecureString', Description: 'legacy' }));

    // Act
    const adopted = await syncSecret(depsFor(aws), secret.arn, { adopt: true });
    const later = await syncSecret(depsFor(aws), secret.arn);

    // Assess
    expect('changes' in adopted && adopted.changes.find((c) => c.name === `${secret.path}/url`)).toEqual({ name: `${secret.path}/url`, reason: 'adopted' });
    expect((await metadataUnder(aws, secret.path)).url!.Description).toMatch(new RegExp(`^keyroll: secret ${secret.arn} version `));
    expect(later.status).toBe('in-sync');
  });

  it('creates a missing parameter without Overwrite and with the keyroll:managed tag', async () => {
    // Prepare
    const secret = await createManaged(aws);

    // Act
    await syncSecret(depsFor(aws), secret.arn);

    // Assess
    const tags = await aws.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: `${secret.path}/password` }));
    expect(tags.TagList).toEqual([{ Key: 'keyroll:managed', Value: 'true' }]);
  });

  it('starts over with the new version when AWSCURRENT moves while it writes: the older password never stays', async () => {
    // Prepare: a rotation finishes between the value read and the first write.
    const secret = await createManaged(aws);
    await syncSecret(depsFor(aws), secret.arn);
    const racing = createSsmClient({ endpoint: aws.endpoint.url, region: aws.endpoint.region, maxAttempts: 1 });
    const newer = newPassword();
    let moved = false;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutParameterCommand' && !moved) {
          moved = true;
          await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: valueWith(newer) }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'rotateDuringWrite' },
    );
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: valueWith(newPassword()) }));

    // Act
    const result = await syncSecret({ ...depsFor(aws), ssm: racing }, secret.arn);

    // Assess
    const current = await aws.sm.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    const currentVersion = Object.entries(current.VersionIdsToStages!).find(([, s]) => s.includes('AWSCURRENT'))![0];
    expect(moved).toBe(true);
    expect(result).toMatchObject({ versionId: currentVersion });
    expect((await parametersUnder(aws, secret.path)).password).toBe(newer);
    expect(syncedEventsFor(aws, secret.arn).map((e) => (e.detail as { versionId: string }).versionId).at(-1)).toBe(currentVersion);
  });

  it('does nothing for an event announcing a version that is no longer AWSCURRENT', async () => {
    // Prepare
    const secret = await createManaged(aws);
    const old = await aws.sm.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    const oldVersion = Object.keys(old.VersionIdsToStages!)[0]!;
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: valueWith(newPassword()) }));
    aws.endpoint.resetLog();

    // Act
    const result = await syncSecret(depsFor(aws), secret.arn, { eventVersionId: oldVersion });

    // Assess
    expect(result).toMatchObject({ status: 'superseded', versionId: oldVersion });
    expect(aws.endpoint.requestLog.map((r) => r.operation)).toEqual(['DescribeSecret']);
  });

  it('puts no value in a log line, an error or an event', async () => {
    // Prepare
    const good = await createManaged(aws);
    const badKey = await createManaged(aws, { tags: { 'keyroll:kms-key': 'alias/does-not-exist' } });
    const logs = captureOutput();
    const errors: string[] = [];

    // Act
    try {
      await syncSecret(depsFor(aws, {}, true), good.arn);
      await syncSecret(depsFor(aws, {}, true), badKey.arn).catch((err: Error) => errors.push(`${err.message} ${String(err.stack)}`));
    } finally {
      logs.stop();
    }

    // Assess
    const seen = [logs.text(), errors.join('\n'), JSON.stringify(aws.endpoint.eventBridge.events)].join('\n');
    expect(errors).toHaveLength(1);
    for (const password of [good.password, badKey.password]) {
      expect(seen).not.toContain(password);
      expect(seen).not.toContain(encodeURIComponent(password));
    }
  });
});

