import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { seedSecret } from '../support/rotation.js';
import { changeValue, createReferencingService, runKeyroll } from './runKeyroll.js';

const pathTag = () => ({ Key: 'keyroll:ssm-path', Value: `/${uniqueName('app')}/db` });

describe('keyroll plan', () => {
  const aws = useTestAws({ ecs: { rolloutMs: 0 } });

  it('lists the parameters a sync would write, each with its reason, as JSON', async () => {
    // Prepare: mirrored once, then one parameter changed by hand and one deleted.
    const tag = pathTag();
    const secret = await seedSecret(aws, { tags: [tag] });
    await runKeyroll(aws, ['sync', secret.arn]);
    await aws.ssm.send(new PutParameterCommand({ Name: `${tag.Value}/port`, Value: '1', Type: 'String', Overwrite: true }));

    // Act
    const run = await runKeyroll(aws, ['plan', secret.arn, '--json']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      secretArn: secret.arn,
      name: secret.name,
      parameters: {
        status: 'would-write',
        path: tag.Value,
        changes: [{ name: `${tag.Value}/port`, reason: 'type' }],
        unchanged: expect.arrayContaining([`${tag.Value}/password`, `${tag.Value}/url`]),
      },
      services: { restart: [], skip: [], fail: [] },
    });
  });

  it('lists the services that would restart and those skipped, with the reasons', async () => {
    // Prepare: two services use the mirrored password, one of them scaled to zero.
    const tag = pathTag();
    const secret = await seedSecret(aws, { tags: [tag] });
    const cluster = uniqueName('cluster');
    await createReferencingService(aws, [`${tag.Value}/password`], { cluster, service: 'api' });
    await createReferencingService(aws, [secret.arn], { cluster, service: 'idle', desiredCount: 0 });

    // Act: nothing mirrored yet, so the sync would write now.
    const run = await runKeyroll(aws, ['plan', secret.name, '--cluster', cluster]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`parameters under ${tag.Value}: 6 would change, 0 unchanged`);
    expect(run.stdout).toContain(`  write  ${tag.Value}/password  (missing)`);
    expect(run.stdout).toMatch(new RegExp(`restart  ${cluster}/api  would force a new deployment \\(dry run\\): references the parameter`));
    expect(run.stdout).toContain(`skip     ${cluster}/idle  no desired tasks (desiredCount 0)`);
  });

  it('changes nothing: no parameter written, no service restarted, no event published', async () => {
    // Prepare
    const tag = pathTag();
    const secret = await seedSecret(aws, { tags: [tag] });
    const { cluster } = await createReferencingService(aws, [secret.arn]);
    aws.endpoint.resetLog();

    // Act
    await runKeyroll(aws, ['plan', secret.arn, '--cluster', cluster]);

    // Assess
    expect(aws.endpoint.count('ssm.PutParameter')).toBe(0);
    expect(aws.endpoint.count('ecs.UpdateService')).toBe(0);
    expect(aws.endpoint.count('events.PutEvents')).toBe(0);
  });

  it('shows nothing to restart when only a tag changed since the services started', async () => {
    // Prepare: a tag change moves the secret's LastChangedDate, not its value.
    const secret = await seedSecret(aws);
    const { cluster, service } = await createReferencingService(aws, [secret.arn]);
    await sleep(5);
    await aws.sm.send(new TagResourceCommand({ SecretId: secret.arn, Tags: [{ Key: 'touched', Value: 'yes' }] }));

    // Act
    const run = await runKeyroll(aws, ['plan', secret.arn, '--cluster', cluster, '--json']);

    // Assess
    expect(run.json().services).toEqual({ restart: [], skip: [{ cluster, service, reason: 'already rolling with the new value' }], fail: [] });
  });

  it('would restart the services started before the value changed', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const { cluster, service } = await createReferencingService(aws, [secret.arn]);
    await sleep(5);
    const created = await changeValue(aws, secret.arn);

    // Act
    const run = await runKeyroll(aws, ['plan', secret.arn, '--cluster', cluster, '--json']);

    // Assess
    expect(run.json()).toMatchObject({ changedAt: created.toISOString(), services: { restart: [{ cluster, service }], skip: [], fail: [] } });
  });

  it('says a secret without the SSM tag is not mirrored', async () => {
    // Prepare
    const secret = await seedSecret(aws);

    // Act
    const run = await runKeyroll(aws, ['plan', secret.arn, '--json']);

    // Assess
    expect(run.json().parameters).toEqual({ status: 'not-mirrored', reason: 'no "keyroll:ssm-path" tag' });
  });

  it('exits 3 for a secret that does not exist', async () => {
    // Act
    const run = await runKeyroll(aws, ['plan', uniqueName('missing'), '--json']);

    // Assess
    expect(run.code).toBe(3);
    expect(run.json().error).toMatchObject({ name: 'NotFoundError', exitCode: 3 });
  });

  it('exits 3 for a configured cluster that does not exist', async () => {
    // Prepare
    const secret = await seedSecret(aws);

    // Act
    const run = await runKeyroll(aws, ['plan', secret.arn, '--cluster', 'no-such-cluster']);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('keyroll: cluster "no-such-cluster" does not exist; nothing was planned');
    expect(run.stderr).toContain('hint: check the cluster name (--cluster, ECS_CLUSTERS)');
  });

  it('exits 2 for a --changed-at that is not a timestamp', async () => {
    // Act
    const run = await runKeyroll(aws, ['plan', 'any', '--changed-at', 'yesterday']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"yesterday" is not a timestamp');
  });

  it('never prints the password', async () => {
    // Prepare
    const tag = pathTag();
    const secret = await seedSecret(aws, { alternating: true, tags: [tag] });

    // Act
    const runs = [
      await runKeyroll(aws, ['plan', secret.arn, '--verbose']),
      await runKeyroll(aws, ['plan', secret.arn, '--json', '--verbose']),
    ];

    // Assess
    for (const run of runs) for (const password of secret.passwords) expect(run.stdout + run.stderr).not.toContain(password);
  });
});
