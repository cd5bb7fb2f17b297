import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { SyncDeps } from '../../src/sync/deps.js';
import { reconcileAll, type ReconcileEntry, type ReconcileReport } from '../../src/sync/reconcileAll.js';
import { resolveStalePending } from '../../src/rotation/resolveStalePending.js';
import { captureOutput } from '../support/captureOutput.js';
import { startTestAws, type TestAws } from '../support/endpoint.js';
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

const unique = () => randomUUID().slice(0, 8);
const newPassword = () => `Pw@:/%${randomBytes(12).toString('base64url')}`;
const quiet = new Logger({ serviceName: 'keyroll-test', logLevel: 'SILENT' });
const verbose = new Logger({ serviceName: 'keyroll-test', logLevel: 'DEBUG' });

function depsFor(t: TestAws, options: { putTps?: number; logger?: Logger; clock?: () => Date } = {}): SyncDeps {
  return {
    secretsManager: t.sm,
    ssm: t.ssm,
    eventBridge: t.events,
    logger: options.logger ?? quiet,
    ...(options.clock ? { clock: options.clock } : {}),
    settings: { putTps: options.putTps ?? 1000, eventBusName: 'default', pathPrefixes: [] },
  };
}

interface Managed {
  arn: string;
  name: string;
  path: string;
  password: string;
}

async function createManaged(t: TestAws, options: { tags?: Record<string, string>; value?: string; path?: string } = {}): Promise<Managed> {
  const password = newPassword();
  const path = options.path ?? `/kr-test/${unique()}/db`;
  const value = options.value ?? JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'app', password });
  const tags = { 'keyroll:ssm-path': path, ...options.tags };
  const name = `kr-reconcile-${unique()}`;
  const out = await t.sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: value,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  return { arn: out.ARN!, name, path, password };
}

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
      new PutSecretValueCommand({ SecretId: secret.arn, SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'app', password }) }),
    );

    // Act
    const report = await reconcileAll(depsFor(aws));

    // Assess
    expect(entryOf(report, secret.arn)?.written).toEqual([`${secret.path}/password`, `${secret.path}/url`]);
    expect(await valueOf(aws, `${secret.path}/password`)).toBe(password);
  });

  it.each([
    ['a path without a leading slash', { path: 'kr-test/db' }, /"keyroll:ssm-path" "kr-test\/db" must start with "\/"/],
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

  it('publishes "Secret Synced" for each secret written or confirmed, none for a failed one', async () => {
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
    const synced2 = aws.endpoint.eventBridge.events
      .slice(before)
      .filter((e) => e['detail-type'] === 'Secret Synced')
      .map((e) => e.detail as { secretArn: string; written: string[] });
    expect(synced2.map((d) => [d.secretArn, d.written]).sort()).toEqual(
      [
        [fresh.arn, [`${fresh.path}/host`]],
        [synced.arn, []],
      ].sort(),
    );
    expect(synced2.some((d) => d.secretArn === broken.arn)).toBe(false);
  });

  it('logs one summary line with in sync, repaired and failed per secret', async () => {
    // Prepare
    const inSync = await createManaged(aws);
    await reconcileAll(depsFor(aws));
    const repaired = await createManaged(aws);
    const failed = await createManaged(aws, { path: 'no-slash' });
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
        inSync: [inSync.arn],
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
    const path = `/kr-test/${unique()}/db`;
    const seeded = await seedSecret(aws, { tags: [{ Key: 'keyroll:ssm-path', Value: path }] });
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
