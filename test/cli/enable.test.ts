import { describe, expect, it } from 'vitest';
import { DescribeSecretCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { formatTested, TAG_TESTED } from '../../src/tags.js';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { seedSecret, stagesOf, valueOf } from '../support/rotation.js';
import { runKeyroll } from './runKeyroll.js';

const RECORDER = 'keyroll-rotate-recorder';

describe('keyroll enable', () => {
  const aws = useTestAws();
  const steps: string[] = [];
  const functionArn = () => `arn:aws:lambda:${aws.endpoint.region}:${aws.endpoint.accountId}:function:${RECORDER}`;
  // Records the steps it is asked for and, as keyroll's rotate function does, that the configuration test passed.
  const recordSteps = () =>
    aws.endpoint.lambdas.register(RECORDER, async (event) => {
      const e = event as { Step: string; SecretId: string; ClientRequestToken: string };
      steps.push(e.Step);
      await aws.sm.send(new TagResourceCommand({ SecretId: e.SecretId, Tags: [{ Key: TAG_TESTED, Value: formatTested(new Date(), e.ClientRequestToken) }] }));
      return {};
    });

  it('turns rotation on with the schedule, window and function, without rotating now', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    recordSteps();
    steps.length = 0;
    const before = await valueOf(aws, secret.arn);

    // Act
    const run = await runKeyroll(aws, ['enable', secret.arn, '--schedule', 'rate(30 days)', '--duration', '2h', '--function', functionArn(), '--json']);
    await aws.endpoint.idle(10_000);

    // Assess
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({
      secretArn: secret.arn,
      name: secret.name,
      rotationEnabled: true,
      rotationFunction: functionArn(),
      schedule: 'rate(30 days)',
      duration: '2h',
      nextRotation: expect.any(String),
      test: { status: 'passed' },
    });
    const meta = await aws.sm.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    expect(meta.RotationRules).toMatchObject({ ScheduleExpression: 'rate(30 days)', Duration: '2h' });
    expect(steps).toEqual(['testSecret']);
    expect((await valueOf(aws, secret.arn)).password).toBe(before.password);
    expect(Object.values(await stagesOf(aws, secret.arn)).flat()).not.toContain('AWSPENDING');
  });

  it('takes the function from KEYROLL_ROTATE_FUNCTION_ARN when --function is absent', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    recordSteps();

    // Act
    const run = await runKeyroll(aws, ['enable', secret.arn, '--schedule', 'cron(0 4 ? * SUN *)'], { env: { KEYROLL_ROTATE_FUNCTION_ARN: functionArn() } });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`function ${functionArn()}`);
    const meta = await aws.sm.send(new DescribeSecretCommand({ SecretId: secret.arn }));
    expect(meta.RotationLambdaARN).toBe(functionArn());
  });

  it.each([
    ['a schedule that is neither rate() nor cron()', ['--schedule', 'every month'], '--schedule "every month" is not a schedule'],
    ['a rate under four hours', ['--schedule', 'rate(2 hours)'], 'Secrets Manager rotates at most every 4 hours'],
    ['a cron with five fields', ['--schedule', 'cron(0 4 * * ?)'], 'a cron expression has six fields'],
    ['a window over 24 hours', ['--schedule', 'rate(1 day)', '--duration', '25h'], '--duration "25h" is not a rotation window: use 1h to 24h'],
    ['a window longer than the interval', ['--schedule', 'rate(6 hours)', '--duration', '8h'], 'longer than the 6 hours between rotations'],
    ['a window past the end of the UTC day', ['--schedule', 'cron(0 20 * * ? *)', '--duration', '6h'], 'would run past the end of the UTC day'],
    ['a function that is not a Lambda ARN', ['--schedule', 'rate(30 days)', '--function', 'keyroll-rotate'], '--function "keyroll-rotate" is not a Lambda function ARN'],
  ])('exits 2 before calling AWS for %s', async (_case, options, message) => {
    // Prepare
    const secret = await seedSecret(aws);
    aws.endpoint.resetLog();

    // Act
    const run = await runKeyroll(aws, ['enable', secret.arn, ...options]);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(aws.endpoint.count('secretsmanager.RotateSecret')).toBe(0);
  });

  it('takes a configuration test that ends with no recorded outcome for a failure, exit 1, and turns rotation off again', async () => {
    // Prepare: a function that answers but records nothing (not keyroll's rotate).
    const silent = `${RECORDER}-silent`;
    aws.endpoint.lambdas.register(silent, async () => ({}));
    const secret = await seedSecret(aws);

    // Act
    const run = await runKeyroll(aws, ['enable', secret.arn, '--schedule', 'rate(30 days)', '--function', functionArn().replace(RECORDER, silent), '--json']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.json().test).toEqual({ status: 'unrecorded', message: expect.stringMatching(/recorded no outcome.*is it keyroll's rotate function\?.*rotation turned off again/) });
    expect((await aws.sm.send(new DescribeSecretCommand({ SecretId: secret.arn }))).RotationEnabled).toBe(false);
  });

  it('exits 2 when --schedule is missing', async () => {
    // Act
    const run = await runKeyroll(aws, ['enable', 'any']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--schedule <expression>' not specified");
  });

  it('exits 3 for a secret that does not exist', async () => {
    // Act
    const run = await runKeyroll(aws, ['enable', uniqueName('missing'), '--schedule', 'rate(30 days)', '--function', functionArn()]);

    // Assess
    expect(run.code).toBe(3);
  });
});
