import { describe, expect, it } from 'vitest';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { logsIn, registerRotation, rotationDeps, rotationLambdaArn, seedSecret, stagesOf, valueOf } from '../support/rotation.js';
import { runKeyroll } from './runKeyroll.js';

const FAILING_FUNCTION = 'keyroll-rotate-broken';

describe('keyroll rotate', () => {
  const aws = useTestAws();

  /** A secret with rotation attached (to keyroll's function, or to one that always fails) but never rotated. */
  async function attachedSecret(options: { alternating?: boolean; failing?: boolean } = {}) {
    const secret = await seedSecret(aws, { alternating: options.alternating });
    registerRotation(aws, rotationDeps(aws));
    aws.endpoint.lambdas.register(FAILING_FUNCTION, async () => {
      throw new Error('the database is down (test)');
    });
    const functionArn = options.failing
      ? `arn:aws:lambda:${aws.endpoint.region}:${aws.endpoint.accountId}:function:${FAILING_FUNCTION}`
      : rotationLambdaArn(aws);
    await aws.sm.send(
      new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: functionArn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }),
    );
    await aws.endpoint.idle(10_000);
    return secret;
  }

  it('starts a rotation and prints the new version without waiting', async () => {
    // Prepare
    const secret = await attachedSecret();

    // Act
    const run = await runKeyroll(aws, ['rotate', secret.name, '--json']);

    // Assess
    expect(run.code).toBe(0);
    const report = run.json();
    expect(report).toEqual({ secretArn: secret.arn, name: secret.name, versionId: expect.any(String), status: 'started' });
    await aws.endpoint.idle(30_000);
    expect((await stagesOf(aws, secret.arn))[report.versionId]).toContain('AWSCURRENT');
  });

  it('with --wait, follows the rotation until the new version is AWSCURRENT', async () => {
    // Prepare
    const secret = await attachedSecret({ alternating: true });

    // Act
    const run = await runKeyroll(aws, ['rotate', secret.arn, '--wait', '--interval', '0.05']);

    // Assess
    expect(run.code).toBe(0);
    const current = await valueOf(aws, secret.arn);
    const version = Object.entries(await stagesOf(aws, secret.arn)).find(([, stages]) => stages.includes('AWSCURRENT'))![0];
    expect(run.stderr).toContain(`rotation of ${secret.name} started: version ${version}`);
    expect(run.stdout).toMatch(new RegExp(`^finished in \\d+\\.\\ds: ${secret.name} version ${version} is AWSCURRENT`, 'm'));
    expect(await logsIn(rotationDeps(aws).db, current)).toBe(true);
  });

  it('with --wait, exits 1 and says where AWSPENDING is stuck when the rotation fails', async () => {
    // Prepare
    const secret = await attachedSecret({ failing: true });

    // Act
    const run = await runKeyroll(aws, ['rotate', secret.arn, '--wait', '--timeout', '1', '--interval', '0.05', '--json']);

    // Assess
    expect(run.code).toBe(1);
    const report = run.json();
    expect(report).toMatchObject({ status: 'timeout', secretArn: secret.arn });
    expect(report.message).toContain(`did not finish within 1.0s: AWSPENDING is still on version ${report.versionId}`);
    expect(run.stderr).toContain(`keyroll doctor ${secret.arn}`);
    expect((await stagesOf(aws, secret.arn))[report.versionId]).toEqual(['AWSPENDING']);
  });

  it('exits 4 with a hint when no rotation function is attached', async () => {
    // Prepare
    const secret = await seedSecret(aws);

    // Act
    const run = await runKeyroll(aws, ['rotate', secret.arn]);

    // Assess
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('No Lambda rotation function ARN is associated with this secret.');
    expect(run.stderr).toContain('hint: attach the rotation function first: keyroll enable');
  });

  it('exits 4 and points to doctor when a previous rotation left AWSPENDING behind', async () => {
    // Prepare
    const secret = await attachedSecret({ failing: true });
    await runKeyroll(aws, ['rotate', secret.arn]);
    await aws.endpoint.idle(10_000);

    // Act
    const run = await runKeyroll(aws, ['rotate', secret.arn]);

    // Assess
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("A previous rotation isn't complete.");
    expect(run.stderr).toContain('hint: a previous rotation left AWSPENDING behind: keyroll doctor <secret>, then keyroll doctor <secret> --fix');
  });

  it('exits 3 for a secret that does not exist', async () => {
    // Act
    const run = await runKeyroll(aws, ['rotate', uniqueName('missing')]);

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/keyroll: secret missing_\w+ does not exist/);
  });

  it('exits 2 for a --timeout that is not a number of seconds', async () => {
    // Act
    const run = await runKeyroll(aws, ['rotate', 'any', '--wait', '--timeout', 'soon']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"soon" is not a number of seconds');
  });

  it('never prints the old or the new password', async () => {
    // Prepare
    const secret = await attachedSecret({ alternating: true });

    // Act
    const run = await runKeyroll(aws, ['rotate', secret.arn, '--wait', '--interval', '0.05', '--verbose']);

    // Assess
    const newPassword = (await valueOf(aws, secret.arn)).password;
    for (const password of [...secret.passwords, newPassword]) expect(run.stdout + run.stderr).not.toContain(password);
  });
});
