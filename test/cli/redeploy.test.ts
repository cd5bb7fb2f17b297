import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { seedSecret } from '../support/rotation.js';
import { changeValue, createReferencingService, runKeyroll } from './runKeyroll.js';

describe('keyroll redeploy', () => {
  const aws = useTestAws({ ecs: { rolloutMs: 0 } });

  /** A secret whose value changed after its services started. */
  async function changedAfterServices(references: (arn: string, path: string) => string[]) {
    const path = `/${uniqueName('app')}/db`;
    const secret = await seedSecret(aws, { tags: [{ Key: 'keyroll:ssm-path', Value: path }] });
    const cluster = uniqueName('cluster');
    await createReferencingService(aws, references(secret.arn, path), { cluster, service: 'api' });
    await createReferencingService(aws, ['/unrelated/password'], { cluster, service: 'other' });
    await sleep(5);
    await changeValue(aws, secret.arn);
    return { secret, cluster, path };
  }

  it('restarts the services that reference the secret or its parameters, with the reason', async () => {
    // Prepare
    const { secret, cluster, path } = await changedAfterServices((_arn, p) => [`${p}/url`]);
    aws.endpoint.resetLog();

    // Act
    const run = await runKeyroll(aws, ['redeploy', secret.arn, '--cluster', cluster, '--json']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      secretArn: secret.arn,
      dryRun: false,
      restarted: [{ cluster, service: 'api', reason: 'forced a new deployment (references the parameter)' }],
      skipped: [],
      failed: [],
      unaffected: 1,
      parameters: expect.arrayContaining([`${path}/url`]),
    });
    expect(aws.endpoint.count('ecs.UpdateService')).toBe(1);
  });

  it('with --dry-run, decides every service and restarts none', async () => {
    // Prepare
    const { secret, cluster } = await changedAfterServices((arn) => [`${arn}:password::`]);
    aws.endpoint.resetLog();

    // Act
    const run = await runKeyroll(aws, ['redeploy', secret.name, '--cluster', cluster, '--dry-run']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 would restart, 0 skipped, 0 failed');
    expect(run.stdout).toMatch(new RegExp(`restart  ${cluster}/api  would force a new deployment \\(dry run\\): references the secret`));
    expect(aws.endpoint.count('ecs.UpdateService')).toBe(0);
    expect(aws.endpoint.count('events.PutEvents')).toBe(0);
  });

  it('skips a service deployed after the secret last changed, unless --changed-at now', async () => {
    // Prepare: the service starts after the secret was created.
    const secret = await seedSecret(aws);
    const { cluster } = await createReferencingService(aws, [secret.arn]);

    // Act
    const byDefault = await runKeyroll(aws, ['redeploy', secret.arn, '--cluster', cluster, '--dry-run', '--json']);
    const now = await runKeyroll(aws, ['redeploy', secret.arn, '--cluster', cluster, '--dry-run', '--json', '--changed-at', 'now']);

    // Assess
    expect(byDefault.json().skipped).toMatchObject([{ reason: 'already rolling with the new value' }]);
    expect(now.json().restarted).toHaveLength(1);
  });

  it('restarts nothing when only a tag changed since the services started', async () => {
    // Prepare: a tag change moves the secret's LastChangedDate, not its value.
    const secret = await seedSecret(aws);
    const { cluster } = await createReferencingService(aws, [secret.arn]);
    await sleep(5);
    await aws.sm.send(new TagResourceCommand({ SecretId: secret.arn, Tags: [{ Key: 'touched', Value: 'yes' }] }));
    aws.endpoint.resetLog();

    // Act
    const run = await runKeyroll(aws, ['redeploy', secret.arn, '--cluster', cluster, '--json']);

    // Assess
    expect({ code: run.code, restarted: run.json().restarted, skipped: run.json().skipped, updates: aws.endpoint.count('ecs.UpdateService') }).toMatchObject({
      code: 0,
      restarted: [],
      skipped: [{ reason: 'already rolling with the new value' }],
      updates: 0,
    });
  });

  it('reports the change time as when the AWSCURRENT value was created', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    await sleep(5);
    const created = await changeValue(aws, secret.arn);
    await aws.sm.send(new TagResourceCommand({ SecretId: secret.arn, Tags: [{ Key: 'touched', Value: 'yes' }] }));
    const { cluster } = await createReferencingService(aws, [secret.arn]);

    // Act
    const run = await runKeyroll(aws, ['redeploy', secret.arn, '--cluster', cluster, '--dry-run', '--json']);

    // Assess
    expect(run.json().changedAt).toBe(created.toISOString());
  });

  it('exits 3 for a secret that does not exist', async () => {
    // Act
    const run = await runKeyroll(aws, ['redeploy', uniqueName('missing')]);

    // Assess
    expect(run.code).toBe(3);
  });

  it('exits 3 for a cluster that does not exist', async () => {
    // Prepare
    const secret = await seedSecret(aws);

    // Act
    const run = await runKeyroll(aws, ['redeploy', secret.arn, '--cluster', 'no-such-cluster']);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cluster "no-such-cluster" does not exist; nothing was restarted');
    expect(run.stderr).toContain('hint: check the cluster name (--cluster, ECS_CLUSTERS)');
  });

  it('never prints the password', async () => {
    // Prepare
    const { secret, cluster } = await changedAfterServices((arn) => [arn]);

    // Act
    const run = await runKeyroll(aws, ['redeploy', secret.arn, '--cluster', cluster, '--verbose']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(secret.role.password);
  });
});
