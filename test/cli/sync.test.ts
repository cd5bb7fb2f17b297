import { describe, expect, it } from 'vitest';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { startTestAws, useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { seedSecret } from '../support/rotation.js';
import { runKeyroll } from './runKeyroll.js';

const pathTag = () => ({ Key: 'keyroll:ssm-path', Value: `/${uniqueName('app')}/db` });
const FAST = { SSM_PUT_TPS: '1000' };

describe('keyroll sync', () => {
  const aws = useTestAws();

  it('mirrors one secret and lists each parameter written with the reason', async () => {
    // Prepare
    const tag = pathTag();
    const secret = await seedSecret(aws, { tags: [tag] });

    // Act
    const run = await runKeyroll(aws, ['sync', secret.name, '--json'], { env: FAST });

    // Assess
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      secretArn: secret.arn,
      status: 'repaired',
      written: [`${tag.Value}/username`, `${tag.Value}/password`, `${tag.Value}/host`, `${tag.Value}/port`, `${tag.Value}/dbname`, `${tag.Value}/url`],
      changes: expect.arrayContaining([{ name: `${tag.Value}/password`, reason: 'missing' }]),
    });
    const stored = await aws.ssm.send(new GetParametersByPathCommand({ Path: tag.Value, WithDecryption: true }));
    expect(stored.Parameters?.find((p) => p.Name === `${tag.Value}/password`)?.Value).toBe(secret.role.password);
  });

  it('writes nothing the second time and says the secret is in sync', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });
    await runKeyroll(aws, ['sync', secret.arn], { env: FAST });
    aws.endpoint.resetLog();

    // Act
    const run = await runKeyroll(aws, ['sync', secret.arn], { env: FAST });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${secret.arn} version `);
    expect(run.stdout).toMatch(/: in sync\n {2}unchanged {2}6 parameter\(s\)/);
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
  });

  it('with --all, reconciles every managed secret and reports each', async () => {
    // Prepare: a fresh endpoint, so "every" is exactly these two.
    const own = await startTestAws();
    try {
      const synced = await seedSecret(own, { tags: [pathTag()] });
      const fresh = await seedSecret(own, { tags: [pathTag()] });
      await runKeyroll(own, ['sync', synced.arn], { env: FAST });

      // Act
      const run = await runKeyroll(own, ['sync', '--all', '--json'], { env: FAST });

      // Assess
      expect(run.code).toBe(0);
      const report = run.json();
      expect(report).toMatchObject({ inSync: 1, repaired: 1, failed: 0, deferred: 0 });
      expect(report.secrets).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ secretArn: synced.arn, status: 'in-sync' }),
          expect.objectContaining({ secretArn: fresh.arn, status: 'repaired' }),
        ]),
      );
    } finally {
      await own.endpoint.close();
    }
  });

  it('with --all, exits 1 when a secret fails and still mirrors the others', async () => {
    // Prepare
    const own = await startTestAws();
    try {
      const good = await seedSecret(own, { tags: [pathTag()] });
      const badTag = pathTag();
      const bad = await own.sm.send(new CreateSecretCommand({ Name: badTag.Value.slice(1), SecretString: '{"engine":"postgres"}', Tags: [badTag] }));

      // Act
      const run = await runKeyroll(own, ['sync', '--all'], { env: FAST });

      // Assess
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`^repaired  ${good.arn}: wrote`, 'm'));
      expect(run.stdout).toMatch(new RegExp(`^failed    ${bad.ARN}: .*"host" must be a non-empty string`, 'm'));
      expect(run.stdout).toMatch(/2 secret\(s\): 0 in sync, 1 repaired, 1 failed in \d+\.\ds/);
    } finally {
      await own.endpoint.close();
    }
  });

  it('draws progress on stderr only when it is a terminal and the output is not JSON', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });
    await runKeyroll(aws, ['sync', secret.arn], { env: FAST });

    // Act
    const terminal = await runKeyroll(aws, ['sync', '--all'], { env: FAST, ttyStderr: true });
    const piped = await runKeyroll(aws, ['sync', '--all'], { env: FAST });
    const json = await runKeyroll(aws, ['sync', '--all', '--json'], { env: FAST, ttyStderr: true });

    // Assess
    expect(terminal.stderr).toContain('reconciling managed secrets');
    expect(piped.stderr).toBe('');
    expect(json.stderr).toBe('');
    expect(() => json.json()).not.toThrow();
  });

  it('with --all on a terminal, counts the secrets n/N by name as each one finishes', async () => {
    // Prepare: a fresh endpoint, so the total is exactly these two.
    const own = await startTestAws();
    try {
      const value = JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'app', password: 'unused-here' });
      const first = await own.sm.send(new CreateSecretCommand({ Name: uniqueName('first'), SecretString: value, Tags: [pathTag()] }));
      const second = await own.sm.send(new CreateSecretCommand({ Name: uniqueName('second'), SecretString: value, Tags: [pathTag()] }));

      // Act
      const run = await runKeyroll(own, ['sync', '--all'], { env: FAST, ttyStderr: true });

      // Assess
      const counts = [...run.stderr.matchAll(/reconciling managed secrets (\d+)\/(\d+) (\S+)/g)].map((m) => [m[1], m[2], m[3]]);
      expect(counts.map(([done, total]) => `${done}/${total}`)).toEqual(['1/2', '2/2']);
      expect(counts.map(([, , name]) => name).sort()).toEqual([first.Name, second.Name].sort());
    } finally {
      await own.endpoint.close();
    }
  });

  it('exits 1 for a secret that is not mirrored', async () => {
    // Prepare
    const secret = await seedSecret(aws);

    // Act
    const run = await runKeyroll(aws, ['sync', secret.arn]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${secret.arn}: not mirrored (no "keyroll:ssm-path" tag)`);
  });

  it.each([
    ['neither a secret nor --all', [], 'sync needs a secret (name or ARN) or --all'],
    ['both a secret and --all', ['some-secret', '--all'], 'sync takes a secret or --all, not both'],
  ])('exits 2 when given %s', async (_case, args, message) => {
    // Act
    const run = await runKeyroll(aws, ['sync', ...args]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('exits 3 for a secret that does not exist', async () => {
    // Act
    const run = await runKeyroll(aws, ['sync', uniqueName('missing')]);

    // Assess
    expect(run.code).toBe(3);
  });

  it('never prints a password, even with --verbose', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });

    // Act
    const runs = [
      await runKeyroll(aws, ['sync', secret.arn, '--verbose'], { env: FAST }),
      await runKeyroll(aws, ['sync', '--all', '--json', '--verbose'], { env: FAST }),
    ];

    // Assess
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(secret.role.password);
  });
});
