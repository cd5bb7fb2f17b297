import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { CreateSecretCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { closedPort, uniqueName } from '../support/postgres.js';
import { startTestAws, useTestAws } from '../support/endpoint.js';
import { registerRotation, rotateAndWait, rotationDeps, rotationLambdaArn, seedSecret, startPausedRotation } from '../support/rotation.js';
import { changeValue, createReferencingService, runKeyroll } from './runKeyroll.js';

const pathTag = () => ({ Key: 'keyroll:ssm-path', Value: `/${uniqueName('app')}/db` });

describe('keyroll status', () => {
  const aws = useTestAws({ ecs: { rolloutMs: 0 } });

  it('reports each managed secret with strategy, rotation, SSM state, referencing services and AWSPENDING as JSON', async () => {
    // Prepare: a rotated alternating-users secret, mirrored, used by one service.
    const tag = pathTag();
    const secret = await seedSecret(aws, { alternating: true, tags: [tag] });
    registerRotation(aws, rotationDeps(aws));
    await rotateAndWait(aws, secret.arn);
    const { cluster, service } = await createReferencingService(aws, [`${tag.Value}/password`]);
    expect((await runKeyroll(aws, ['sync', secret.arn])).code).toBe(0);

    // Act
    const run = await runKeyroll(aws, ['status', '--json', '--cluster', cluster]);

    // Assess
    expect(run.code).toBe(0);
    const entry = run.json().secrets.find((s: { secretArn: string }) => s.secretArn === secret.arn);
    expect(entry).toMatchObject({
      name: secret.name,
      ssmPath: tag.Value,
      strategy: 'alternating-users',
      rotationEnabled: true,
      rotationFunction: rotationLambdaArn(aws),
      ssm: { status: 'in-sync', changes: [] },
      services: { status: 'ok', referencing: [{ cluster, service, action: 'skip' }] },
      pending: { status: 'none', versionId: null },
      errors: [],
    });
    expect(Date.parse(entry.lastRotated)).not.toBeNaN();
    expect(Date.parse(entry.nextRotation)).toBeGreaterThan(Date.parse(entry.lastRotated));
  });

  it('prints a table with a line per managed secret', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });

    // Act
    const run = await runKeyroll(aws, ['status']);

    // Assess
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^SECRET\s+STRATEGY\s+ROTATION\s+LAST ROTATED\s+NEXT ROTATION\s+SSM\s+PENDING\s+SERVICES$/);
    expect(lines.find((l) => l.startsWith(secret.name))).toMatch(/single-user\s+disabled\s+-\s+-\s+6 to write\s+-/);
  });

  it('reports a parameter that differs from AWSCURRENT as out of sync, with the reason', async () => {
    // Prepare
    const tag = pathTag();
    const secret = await seedSecret(aws, { tags: [tag] });
    await runKeyroll(aws, ['sync', secret.arn]);
    await aws.ssm.send(new PutParameterCommand({ Name: `${tag.Value}/host`, Value: 'elsewhere', Type: 'SecureString', Overwrite: true }));

    // Act
    const run = await runKeyroll(aws, ['status', '--json', ]);

    // Assess
    const entry = run.json().secrets.find((s: { secretArn: string }) => s.secretArn === secret.arn);
    expect(entry.ssm).toEqual({ status: 'out-of-sync', changes: [{ name: `${tag.Value}/host`, reason: 'value' }] });
  });

  it('shows an AWSPENDING of a rotation still within the hour as rotating, not stale', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });
    const token = await startPausedRotation(aws, secret.arn);

    // Act
    const run = await runKeyroll(aws, ['status', '--json', ]);

    // Assess
    const entry = run.json().secrets.find((s: { secretArn: string }) => s.secretArn === secret.arn);
    expect(entry.pending).toEqual({ status: 'in-progress', versionId: token });
  });

  it('flags an AWSPENDING left over an hour ago by a failed rotation as stale', async () => {
    // Prepare: an endpoint whose clock runs two hours behind, so the failed rotation is old.
    const past = await startTestAws({ clock: () => new Date(Date.now() - 2 * 3600_000), ecs: { rolloutMs: 0 } });
    try {
      const secret = await seedSecret(past, { tags: [pathTag()] });
      const token = await startPausedRotation(past, secret.arn);
      await runRotationStep(rotationDeps(past), { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });

      // Act
      const run = await runKeyroll(past, ['status']);

      // Assess
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`STALE ${token.slice(0, 8)}`);
      expect(run.stdout).toContain(`AWSPENDING left on version ${token} by a failed rotation: keyroll doctor ${secret.name} --fix`);
    } finally {
      await past.endpoint.idle(10_000).catch(() => undefined);
      await past.endpoint.close();
    }
  });

  it('also lists secrets rotated by the function named in KEYROLL_ROTATE_FUNCTION_ARN', async () => {
    // Prepare: a rotated secret without the SSM tag.
    const secret = await seedSecret(aws);
    registerRotation(aws, rotationDeps(aws));
    await rotateAndWait(aws, secret.arn);

    // Act
    const without = await runKeyroll(aws, ['status', '--json', ]);
    const withFunction = await runKeyroll(aws, ['status', '--json', ], {
      env: { KEYROLL_ROTATE_FUNCTION_ARN: rotationLambdaArn(aws) },
    });

    // Assess
    const arns = (run: typeof without) => run.json().secrets.map((s: { secretArn: string }) => s.secretArn);
    expect(arns(without)).not.toContain(secret.arn);
    expect(arns(withFunction)).toContain(secret.arn);
    expect(withFunction.json().secrets.find((s: { secretArn: string }) => s.secretArn === secret.arn).ssm).toEqual({ status: 'not-mirrored' });
  });

  it('says so when no secret is managed', async () => {
    // Prepare
    const empty = await startTestAws();
    try {
      // Act
      const run = await runKeyroll(empty, ['status']);
      const json = await runKeyroll(empty, ['status', '--json']);

      // Assess
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('no managed secrets: tag a secret with keyroll:ssm-path');
      expect(json.json()).toEqual({ secrets: [] });
    } finally {
      await empty.endpoint.close();
    }
  });

  it('exits 1 and names the problem when a managed secret is not a PostgreSQL secret', async () => {
    // Prepare: an endpoint of its own, so the broken secret troubles no other test.
    const own = await startTestAws();
    try {
      const name = uniqueName('broken');
      await own.sm.send(new CreateSecretCommand({ Name: name, SecretString: '{"engine":"mysql"}', Tags: [pathTag()] }));

      // Act
      const run = await runKeyroll(own, ['status']);

      // Assess
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`${name}: SecretFormatError: secret .* is not a PostgreSQL secret: "engine" must be one of postgres, aurora-postgresql`));
    } finally {
      await own.endpoint.close();
    }
  });

  it('exits 1 and says why when the services cannot be discovered', async () => {
    // Prepare: ECS refuses to list the services of the cluster.
    const secret = await seedSecret(aws, { tags: [pathTag()] });
    const { cluster } = await createReferencingService(aws, [secret.arn]);
    aws.endpoint.injectFault({ operation: 'ecs.ListServices', nth: 1, errorType: 'AccessDeniedException' });

    // Act
    const run = await runKeyroll(aws, ['status', '--json', '--cluster', cluster]);

    // Assess
    expect(run.code).toBe(1);
    const entry = run.json().secrets.find((s: { secretArn: string }) => s.secretArn === secret.arn);
    expect(entry.services).toEqual({ status: 'error', error: expect.stringContaining(`cannot list the services of cluster ${cluster}: AccessDeniedException`) });
  });

  it('exits 3 for a configured cluster that does not exist, with a hint to check its name', async () => {
    // Prepare
    await seedSecret(aws, { tags: [pathTag()] });

    // Act
    const run = await runKeyroll(aws, ['status', '--cluster', 'no-such-cluster']);

    // Assess
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 3, stdout: '' });
    expect(run.stderr).toContain('keyroll: cluster "no-such-cluster" does not exist; no service was checked\n');
    expect(run.stderr).toContain('hint: check the cluster name (--cluster, ECS_CLUSTERS), the region and the account');
  });

  it('answers a JSON error with exit code 3 for a configured cluster that does not exist', async () => {
    // Prepare
    await seedSecret(aws, { tags: [pathTag()] });

    // Act
    const run = await runKeyroll(aws, ['status', '--json', '--cluster', 'no-such-cluster']);

    // Assess
    expect(run.json()).toEqual({
      error: { name: 'NotFoundError', message: 'cluster "no-such-cluster" does not exist; no service was checked', exitCode: 3 },
    });
  });

  it('counts no service as off the current value when only a tag changed since it started', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });
    const { cluster, service } = await createReferencingService(aws, [secret.arn]);
    await sleep(5);
    await aws.sm.send(new TagResourceCommand({ SecretId: secret.arn, Tags: [{ Key: 'touched', Value: 'yes' }] }));

    // Act
    const run = await runKeyroll(aws, ['status', '--cluster', cluster]);

    // Assess
    expect(run.stdout.split('\n').find((l) => l.startsWith(secret.name))).toMatch(new RegExp(`${cluster}/${service}$`));
  });

  it('counts a service started before the value changed as not on the current value', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });
    const { cluster, service } = await createReferencingService(aws, [secret.arn]);
    await sleep(5);
    await changeValue(aws, secret.arn);

    // Act
    const run = await runKeyroll(aws, ['status', '--cluster', cluster]);

    // Assess
    expect(run.stdout.split('\n').find((l) => l.startsWith(secret.name))).toMatch(new RegExp(`${cluster}/${service} \\(1 not on the current value\\)$`));
  });

  it('lists the versions of no secret that no service references', async () => {
    // Prepare: a cluster whose only service uses an unrelated parameter.
    await seedSecret(aws, { tags: [pathTag()] });
    const { cluster } = await createReferencingService(aws, ['/unrelated/password']);
    aws.endpoint.resetLog();

    // Act
    const run = await runKeyroll(aws, ['status', '--cluster', cluster]);

    // Assess
    expect({ code: run.code, listed: aws.endpoint.count('secretsmanager.ListSecretVersionIds') }).toEqual({ code: 0, listed: 0 });
  });

  it('never prints a password, in the table or in JSON', async () => {
    // Prepare
    const tag = pathTag();
    const secret = await seedSecret(aws, { alternating: true, tags: [tag] });
    await runKeyroll(aws, ['sync', secret.arn]);

    // Act
    const table = await runKeyroll(aws, ['status', '--verbose', ]);
    const json = await runKeyroll(aws, ['status', '--json', '--verbose', ]);

    // Assess
    for (const run of [table, json]) {
      for (const password of secret.passwords) {
        expect(run.stdout).not.toContain(password);
        expect(run.stderr).not.toContain(password);
      }
    }
  });

  it('exits 4 when the AWS endpoint cannot be reached', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const run = await runKeyroll(undefined, ['status', '--endpoint-url', `http://127.0.0.1:${port}`, '--region', 'us-east-1'], {
      env: { AWS_MAX_ATTEMPTS: '1' },
    });

    // Assess
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('ECONNREFUSED');
  });
});
