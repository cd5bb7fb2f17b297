import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { createSecretsManagerClient, createSsmClient } from '../../src/aws.js';
import type { SyncDeps } from '../../src/sync/deps.js';
import { reconcileAll, type ReconcileEntry, type ReconcileReport } from '../../src/sync/reconcileAll.js';
import { resolveStalePending } from '../../src/rotation/resolveStalePending.js';
import { captureOutput } from '../support/captureOutput.js';
import { startTestAws, type TestAws } from '../support/endpoint.js';
import { createManagedSecret, syncDepsFor, uniqueId, urlHostilePassword } from '../support/sync.js';
import { rotationDeps, seedSecret, stagesOf } from '../support/rotation.js';

// Each test lists every secret of its endpoint, so each gets a fresh one.
let aws: TestAws;
beforeEach(async () => {
  aws = await startTestAws({ kmsKeys: ['alias/email-worker'] });
});
afterEach(async () => {
  await aws.endpoint.idle(10_000).catch(() => undefined);
  await aws.endpoint.close();
});

const unique = uniqueId;
const newPassword = urlHostilePassword;
const quiet = new Logger({ serviceName: 'keyroll-test', logLevel: 'SILENT' });
const verbose = new Logger({ serviceName: 'keyroll-test', logLevel: 'DEBUG' });

const depsFor = (t: TestAws, options: { putTps?: number; logger?: Logger; clock?: () => Date } = {}): SyncDeps =>
  syncDepsFor(t, { logger: options.logger ?? quiet, ...(options.clock ? { clock: options.clock } : {}), settings: { putTps: options.putTps ?? 1000 } });
const createManaged = (t: TestAws, options: Parameters<typeof createManagedSecret>[1] = {}) =>
  createManagedSecret(t, { prefix: 'reconcile', value: undefined, ...options });

const entryOf = (report: ReconcileReport, arn: string) => report.secrets.find((e) => e.secretArn === arn);
const valueOf = async (t: TestAws, name: string) =>
  (await t.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter!.Value;

describe('reconcileAll', () => {
  it('writes the parameters of every managed secret and reports them repaired', async () => {
    // Prepare
    const a = await createManaged(aws);
    const b = await createManaged(aws);

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(report).toMatchObject({ inSync: 0, repaired: 2, failed: 0, deferred: 0 });
    expect(await valueOf(aws, `${a.path}/password`)).toBe(a.password);
    expect(await valueOf(aws, `${b.path}/password`)).toBe(b.password);
  });

  it('leaves secrets without the keyroll:ssm-path tag out', async () => {
    // Prepare
    await aws.sm.send(new CreateSecretCommand({ Name: `kr-unmanaged-${unique()}`, SecretString: '{}', Tags: [{ Key: 'keyroll:ssm-pathology', Value: 'x' }] }));
    const managed = await createManaged(aws);

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(report.secrets.map((e) => e.secretArn)).toEqual([managed.arn]);
  });

  it('reports everything in sync and writes nothing on a second run', async () => {
    // Prepare
    await createManaged(aws);
    await createManaged(aws);
    await reconcileAll(depsFor(aws));
    aws.endpoint.resetLog();

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(report).toMatchObject({ inSync: 2, repaired: 0, failed: 0 });
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
  });

  it('repairs a parameter changed by hand and reports which one and why', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await reconcileAll(depsFor(aws));
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/password`, Value: 'typed-by-hand', Type: 'SecureString', Overwrite: true }));
    aws.endpoint.resetLog();

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(entryOf(report, secret.arn)).toMatchObject({
      status: 'repaired',
      written: [`${secret.path}/password`],
      changes: [{ name: `${secret.path}/password`, reason: 'value' }],
    });
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(1);
    expect(await valueOf(aws, `${secret.path}/password`)).toBe(secret.password);
  });

  it('follows a value changed in Secrets Manager since the last run', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await reconcileAll(depsFor(aws));
    const password = newPassword();
    await aws.sm.send(
      new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'email_worker', password, dbname: 'mail' }) }),
    );

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(entryOf(report, secret.arn)?.written).toEqual([`${secret.path}/password`, `${secret.path}/url`]);
    expect(await valueOf(aws, `${secret.path}/password`)).toBe(password);
  });

  it.each([
    ['a path without a leading slash', { path: 'kr-test/db' }, /"keyroll:ssm-path" "kr-test\/db" is not bound to secret "kr-test\/db"/],
    ['a path its name does not bind', { path: '/team-b/db', name: `team-a/${uniqueId()}` }, /is not bound to secret "team-a\//],
    ['the master tag', { tags: { 'keyroll:master': 'true' } }, /a master secret \(keyroll:master=true\) is never mirrored/],
    ['a 16-level path', { path: '/' + Array.from({ length: 16 }, (_, i) => `l${i}`).join('/') }, /has 16 levels/],
    ['JSON without password', { value: JSON.stringify({ engine: 'postgres', host: 'h', username: 'u' }) }, /"password" must be a non-empty string/],
    ['a value that is not JSON', { value: 'not json at all' }, /is not valid JSON/],
    ['a KMS key that does not exist', { tags: { 'keyroll:kms-key': 'alias/missing' } }, /cannot write parameter .*\/username: InvalidKeyId/],
  ])('fails the secret with %s, naming it, while the others are mirrored', async (_, options, message) => {
    // Prepare
    const good = await createManaged(aws);
    const bad = await createManaged(aws, options);
    const other = await createManaged(aws);

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(report).toMatchObject({ repaired: 2, failed: 1 });
    expect(entryOf(report, bad.arn)?.status).toBe('failed');
    expect(entryOf(report, bad.arn)?.error?.message).toMatch(message);
    expect(entryOf(report, bad.arn)?.error?.message).toContain(bad.arn);
    expect(await valueOf(aws, `${good.path}/password`)).toBe(good.password);
    expect(await valueOf(aws, `${other.path}/password`)).toBe(other.password);
  });

  it('names each secret in its entry', async () => {
    // Prepare
    const secret = await createManaged(aws);

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(entryOf(report, secret.arn)?.name).toBe(secret.name);
  });

  it('calls onSecret as each secret finishes, failed ones included, counting up to the total', async () => {
    // Prepare
    const good = await createManaged(aws);
    const bad = await createManaged(aws, { value: 'not json at all' });
    const other = await createManaged(aws);
    const calls: Array<{ entry: ReconcileEntry; done: number; total: number }> = [];

    // Act
    const report = await reconcileAll(depsFor(aws), { onSecret: (entry, done, total) => calls.push({ entry, done, total }) });

    // Assess
    expect(calls.map((c) => [c.done, c.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(calls.map((c) => c.entry.secretArn).sort()).toEqual([good.arn, bad.arn, other.arn].sort());
    for (const c of calls) expect(c.entry).toEqual(entryOf(report, c.entry.secretArn));
  });

  it('calls onSecret for a secret deferred past the deadline too', async () => {
    // Prepare
    const secret = await createManaged(aws);
    const calls: Array<[string, string]> = [];

    // Act
    await reconcileAll(depsFor(aws), { deadlineAt: Date.now() - 1, onSecret: (entry) => calls.push([entry.secretArn, entry.status]) });

    // Assess
    expect(calls).toEqual([[secret.arn, 'deferred']]);
  });

  it('keeps mirroring every secret when onSecret throws', async () => {
    // Prepare
    const a = await createManaged(aws);
    const b = await createManaged(aws);

    // Act
    const report = await reconcileAll(depsFor(aws), {
      onSecret: () => {
        throw new Error('the display broke');
      },
    });

    // Assess
    expect(report).toMatchObject({ repaired: 2, failed: 0 });
    expect(await valueOf(aws, `${a.path}/password`)).toBe(a.password);
    expect(await valueOf(aws, `${b.path}/password`)).toBe(b.password);
  });

  it('stays under an emulated PutParameter quota of 3 TPS without a single throttle', async () => {
    // Prepare
    await createManaged(aws);
    await createManaged(aws);
    aws.endpoint.setRateLimit('ssm.PutParameter', 3);
    aws.endpoint.resetLog();

    // Act
    const report = await reconcileAll(depsFor(aws, { putTps: 3 }));

    // Assess
    const puts = aws.endpoint.requestLog.filter((r) => r.operation === 'PutParameter');
    expect(report).toMatchObject({ repaired: 2, failed: 0 });
    expect(puts.filter((r) => r.outcome !== 'ok')).toEqual([]);
    expect(puts).toHaveLength(12);
  });

  it('reads the secrets in bulk, one BatchGetSecretValue per 20', async () => {
    // Prepare
    for (let i = 0; i < 21; i += 1) await createManaged(aws);
    aws.endpoint.resetLog();

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(report.repaired).toBe(21);
    expect(aws.endpoint.count('secretsmanager.BatchGetSecretValue')).toBe(2);
    expect(aws.endpoint.count('secretsmanager.GetSecretValue')).toBe(0);
    expect(aws.endpoint.count('secretsmanager.ListSecrets')).toBe(1);
  });

  it('reports secrets past the deadline as deferred, without touching them', async () => {
    // Prepare
    const secret = await createManaged(aws);
    aws.endpoint.resetLog();

    // Act
    const report = await reconcileAll(depsFor(aws), { deadlineAt: Date.now() - 1 });

    // Assess
    expect(entryOf(report, secret.arn)?.status).toBe('deferred');
    expect(aws.endpoint.count('ssm')).toBe(0);
  });

  it('publishes "Secret Synced" for each secret it repaired, none for one in sync or failed', async () => {
    // Prepare
    const fresh = await createManaged(aws);
    const synced = await createManaged(aws);
    const broken = await createManaged(aws, { value: 'not json' });
    await reconcileAll(depsFor(aws), {});
    const before = aws.endpoint.eventBridge.events.length;
    await aws.ssm.send(new PutParameterCommand({ Name: `${fresh.path}/host`, Value: 'elsewhere', Type: 'SecureString', Overwrite: true }));

    // Act
    await reconcileAll(depsFor(aws));

    // Assess
    const events = aws.endpoint.eventBridge.events.slice(before).filter((e) => e['detail-type'] === 'Secret Synced');
    expect(events.map((e) => [(e.detail as { secretArn: string }).secretArn, (e.detail as { written: string[] }).written])).toEqual([[fresh.arn, [`${fresh.path}/host`]]]);
    expect([synced.arn, broken.arn].some((arn) => events.some((e) => (e.detail as { secretArn: string }).secretArn === arn))).toBe(false);
  });

  it('costs one ListSecrets page, a BatchGetSecretValue per 20 secrets, a GetParameters per 10 and a DescribeParameters per 50 names across secrets, and nothing else when all is in sync', async () => {
    // Prepare: 25 secrets × 6 parameters = 150 names.
    for (let i = 0; i < 25; i += 1) await createManaged(aws);
    await reconcileAll(depsFor(aws));
    aws.endpoint.resetLog();

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess: one chunk of 25 secrets (up to 100 are read together): 150 names.
    expect(report).toMatchObject({ inSync: 25, repaired: 0, failed: 0, published: 0 });
    const calls = Object.fromEntries(['ListSecrets', 'BatchGetSecretValue', 'GetParameters', 'DescribeParameters'].map((op) => [op, aws.endpoint.requestLog.filter((r) => r.operation === op).length]));
    expect(calls).toEqual({ ListSecrets: 1, BatchGetSecretValue: 2, GetParameters: 15, DescribeParameters: 3 });
    expect(aws.endpoint.requestLog).toHaveLength(1 + 2 + 15 + 3);
  });

  it('never reads the value of a secret a boundary refuses', async () => {
    // Prepare
    const master = await createManaged(aws, { tags: { 'keyroll:master': 'true' } });
    aws.endpoint.resetLog();
    const reads: string[][] = [];
    const sm = createSecretsManagerClient({ endpoint: aws.endpoint.url, region: aws.endpoint.region });
    sm.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchGetSecretValueCommand') reads.push((args.input as { SecretIdList: string[] }).SecretIdList);
        return next(args);
      },
      { step: 'initialize', name: 'recordReads' },
    );

    // Act
    const report = await reconcileAll({ ...depsFor(aws), secretsManager: sm });

    // Assess
    expect(entryOf(report, master.arn)?.status).toBe('failed');
    expect(reads.flat()).not.toContain(master.arn);
  });

  it('does only the given secrets, in their order, when continuing a run', async () => {
    // Prepare
    const a = await createManaged(aws);
    const b = await createManaged(aws);
    await createManaged(aws);

    // Act
    const report = await reconcileAll(depsFor(aws), { only: [b.arn, 'arn:aws:secretsmanager:us-east-1:000000000000:secret:not-managed-AbCdEf', a.arn] });

    // Assess
    expect(report.secrets.map((e) => e.secretArn)).toEqual([b.arn, a.arn]);
  });

  it('defers the secrets whose writes would not finish before the deadline, and writes none of them', async () => {
    // Prepare: 6 writes at 2 a second need 3 s; only 2 s are left.
    const secret = await createManaged(aws);
    aws.endpoint.resetLog();

    // Act
    const report = await reconcileAll(depsFor(aws, { putTps: 2 }), { deadlineAt: Date.now() + 2_000 });

    // Assess
    expect(entryOf(report, secret.arn)?.status).toBe('deferred');
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
  });

  it('repairs with the newer version when AWSCURRENT moves while it writes', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await reconcileAll(depsFor(aws));
    await aws.ssm.send(new PutParameterCommand({ Name: `${secret.path}/host`, Value: 'elsewhere', Type: 'SecureString', Overwrite: true }));
    const newer = newPassword();
    const ssm = createSsmClient({ endpoint: aws.endpoint.url, region: aws.endpoint.region });
    let moved = false;
    ssm.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutParameterCommand' && !moved) {
          moved = true;
          await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'email_worker', password: newer, dbname: 'mail' }) }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'rotateDuringWrite' },
    );

    // Act
    await reconcileAll({ ...depsFor(aws), ssm });

    // Assess
    expect(moved).toBe(true);
    expect(await valueOf(aws, `${secret.path}/password`)).toBe(newer);
    expect(await valueOf(aws, `${secret.path}/host`)).toBe('db.internal');
  });

  it('logs one summary line with in sync, repaired and failed per secret', async () => {
    // Prepare
    await createManaged(aws);
    await reconcileAll(depsFor(aws));
    const repaired = await createManaged(aws);
    const failed = await createManaged(aws, { path: '/elsewhere', name: `kr/failed-${uniqueId()}` });
    const logs = captureOutput();

    // Act
    try {
      await reconcileAll(depsFor(aws, { logger: verbose }));
    } finally {
      logs.stop();
    }

    // Assess
    const lines = logs.lines().map((l) => JSON.parse(l) as Record<string, any>);
    const summaries = lines.filter((l) => l.message === 'reconcile finished');
    expect(lines).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      level: 'WARN',
      inSync: 1,
      repaired: 1,
      failed: 1,
      secrets: {
        repaired: [{ secretArn: repaired.arn }],
        failed: [{ secretArn: failed.arn, error: { name: 'ParameterMappingError' } }],
      },
    });
  });

  it('puts no value in the log line, the report or an event, failures included', async () => {
    // Prepare
    const secrets = [
      await createManaged(aws),
      await createManaged(aws, { tags: { 'keyroll:kms-key': 'alias/missing' } }),
      await createManaged(aws, { tags: { 'keyroll:ssm-plain': 'password' } }),
    ];
    const logs = captureOutput();

    // Act
    let report;
    try {
      report = await reconcileAll(depsFor(aws, { logger: verbose }));
    } finally {
      logs.stop();
    }

    // Assess
    const seen = [logs.text(), JSON.stringify(report), JSON.stringify(aws.endpoint.eventBridge.events)].join('\n');
    expect(report.failed).toBe(2);
    for (const s of secrets) {
      expect(seen).not.toContain(s.password);
      expect(seen).not.toContain(encodeURIComponent(s.password));
    }
  });

  it('leaves an AWSPENDING alone while the secret changed within the grace period', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: '{}', VersionStages: ['AWSPENDING'] }));
    const healed: string[] = [];

    // Act
    const report = await reconcileAll(depsFor(aws), {
      healStalePending: async (arn) => {
        healed.push(arn);
        return { action: 'dropped', reason: 'test' };
      },
    });

    // Assess
    expect(healed).toEqual([]);
    expect(entryOf(report, secret.arn)).not.toHaveProperty('stalePending');
  });

  it('reports a stale AWSPENDING when no healer is given', async () => {
    // Prepare
    const secret = await createManaged(aws);
    const pending = await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: '{}', VersionStages: ['AWSPENDING'] }));
    const later = new Date(Date.now() + 2 * 60 * 60 * 1000);

    // Act
    const report = await reconcileAll(depsFor(aws, { clock: () => later }));

    // Assess
    expect(entryOf(report, secret.arn)).toMatchObject({
      status: 'repaired',
      stalePending: { versionId: pending.VersionId, action: 'reported' },
    });
  });

  it('heals a stale AWSPENDING with the rotation function, reports it, then mirrors AWSCURRENT', async () => {
    // Prepare
    const name = `kr-test/${unique()}/db`;
    const path = `/${name}`;
    const seeded = await seedSecret(aws, { name, tags: [{ Key: 'keyroll:ssm-path', Value: path }] });
    const current = JSON.parse((await aws.sm.send(new GetSecretValueCommand({ SecretId: seeded.arn }))).SecretString!);
    const stale = await aws.sm.send(
      new PutSecretValueCommand({
        SecretId: seeded.arn,
        SecretString: JSON.stringify({ ...current, password: newPassword() }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const deps = rotationDeps(aws);
    const later = new Date(Date.now() + 2 * 60 * 60 * 1000);

    // Act
    const report = await reconcileAll(depsFor(aws, { clock: () => later }), {
      healStalePending: async (arn) => {
        const r = await resolveStalePending(deps, arn);
        return { action: r.action, reason: r.reason };
      },
    });

    // Assess
    expect(entryOf(report, seeded.arn)).toMatchObject({
      status: 'repaired',
      stalePending: { versionId: stale.VersionId, action: 'dropped', reason: 'the current credentials still log in' },
    });
    expect(Object.values(await stagesOf(aws, seeded.arn)).flat()).not.toContain('AWSPENDING');
    expect(await valueOf(aws, `${path}/password`)).toBe(seeded.role.password);
  });

  it('heals no stale AWSPENDING once the deadline has passed, and reports each as deferred', async () => {
    // Prepare
    const secret = await createManaged(aws);
    const pending = await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: '{}', VersionStages: ['AWSPENDING'] }));
    const later = new Date(Date.now() + 2 * 60 * 60 * 1000);
    const healed: string[] = [];

    // Act
    const report = await reconcileAll(depsFor(aws, { clock: () => later }), {
      deadlineAt: Date.now() - 1,
      healStalePending: async (arn) => {
        healed.push(arn);
        return { action: 'dropped', reason: 'test' };
      },
    });

    // Assess
    expect(healed).toEqual([]);
    expect(entryOf(report, secret.arn)).toMatchObject({
      status: 'deferred',
      stalePending: { versionId: pending.VersionId, action: 'deferred' },
    });
  });

  it('stops healing stale AWSPENDING labels when the deadline passes during a heal', async () => {
    // Prepare
    const secrets = [await createManaged(aws), await createManaged(aws)];
    for (const s of secrets) {
      await aws.sm.send(new PutSecretValueCommand({ SecretId: s.arn, SecretString: '{}', VersionStages: ['AWSPENDING'] }));
    }
    const later = new Date(Date.now() + 2 * 60 * 60 * 1000);
    const deadlineAt = Date.now() + 10 * 60 * 1000;
    const healed: string[] = [];
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });

    // Act: the first heal lasts past the deadline, as a slow database login would (only Date is moved).
    let report: ReconcileReport;
    try {
      report = await reconcileAll(depsFor(aws, { clock: () => later }), {
        deadlineAt,
        healStalePending: async (arn) => {
          healed.push(arn);
          vi.setSystemTime(deadlineAt + 1);
          return { action: 'dropped', reason: 'test' };
        },
      });
    } finally {
      vi.useRealTimers();
    }

    // Assess
    expect(healed).toHaveLength(1);
    const other = secrets.find((s) => s.arn !== healed[0])!;
    expect(entryOf(report, healed[0]!)?.stalePending?.action).toBe('dropped');
    expect(entryOf(report, other.arn)?.stalePending?.action).toBe('deferred');
  });

  it('reports a healer failure for that secret and still mirrors it', async () => {
    // Prepare
    const secret = await createManaged(aws);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: '{}', VersionStages: ['AWSPENDING'] }));
    const later = new Date(Date.now() + 2 * 60 * 60 * 1000);

    // Act
    const report = await reconcileAll(depsFor(aws, { clock: () => later }), {
      healStalePending: async () => {
        throw new Error('database unreachable');
      },
    });

    // Assess
    expect(entryOf(report, secret.arn)).toMatchObject({
      status: 'repaired',
      stalePending: { action: 'failed', reason: 'Error: database unreachable' },
    });
  });
});
