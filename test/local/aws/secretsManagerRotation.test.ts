import { describe, expect, it } from 'vitest';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  RotateSecretCommand,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
  type RotateSecretRequest,
} from '@aws-sdk/client-secrets-manager';
import { useTestAws, type TestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';
import { readVersionStages } from '../../support/awsFixtures.js';

const aws = useTestAws();

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

interface RotationCall {
  SecretId: string;
  ClientRequestToken: string;
  Step: string;
  RotationToken?: string;
}

let counter = 0;
const uniqueName = (label: string) => `rotation-test/${label}-${++counter}`;

/**
 * A rotation function registered on the endpoint that records its calls and does what a
 * real one does with the API: createSecret stores the pending value under the token
 * (keeping one already there), finishSecret moves AWSCURRENT to the token. `failAt` makes
 * a step throw; `holdAt` makes a step wait until `release()` (`holding` resolves once it waits).
 */
function registerRotator(t: TestAws, label: string) {
  const functionName = `rotator-${label}-${++counter}`;
  const calls: RotationCall[] = [];
  let release!: () => void;
  let holdingNow!: () => void;
  const rotator = {
    functionName,
    arn: `arn:aws:lambda:${t.endpoint.region}:${t.endpoint.accountId}:function:${functionName}`,
    calls,
    failAt: undefined as string | undefined,
    holdAt: undefined as string | undefined,
    held: new Promise<void>((resolve) => {
      release = resolve;
    }),
    release: () => release(),
    holding: new Promise<void>((resolve) => {
      holdingNow = resolve;
    }),
  };
  t.endpoint.lambdas.register(functionName, async (event) => {
    const e = event as RotationCall;
    calls.push(e);
    if (rotator.holdAt === e.Step) {
      holdingNow();
      await rotator.held;
    }
    if (rotator.failAt === e.Step) throw new Error(`${e.Step} failed on purpose`);
    if (e.Step === 'createSecret') {
      try {
        await t.sm.send(
          new PutSecretValueCommand({
            SecretId: e.SecretId,
            ClientRequestToken: e.ClientRequestToken,
            SecretString: `rotated-${e.ClientRequestToken}`,
            VersionStages: ['AWSPENDING'],
          }),
        );
      } catch (err) {
        if (!(err instanceof ResourceExistsException)) throw err;
      }
    }
    if (e.Step === 'finishSecret') {
      const stages = await readVersionStages(t, e.SecretId);
      const current = Object.keys(stages).find((v) => stages[v]!.includes('AWSCURRENT'));
      if (current !== e.ClientRequestToken) {
        await t.sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: e.SecretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: e.ClientRequestToken,
            RemoveFromVersionId: current,
          }),
        );
      }
    }
    return {};
  });
  return rotator;
}

async function createSecret(t: TestAws, name: string) {
  return t.sm.send(new CreateSecretCommand({ Name: name, SecretString: 'initial' }));
}

async function rotate(t: TestAws, request: RotateSecretRequest) {
  return t.sm.send(new RotateSecretCommand(request));
}

/** The Secrets Manager events on the bus about one secret, as [detail-type, eventName]. */
function eventsAbout(t: TestAws, arn: string): Array<[string, string]> {
  return t.endpoint.eventBridge.events
    .filter((e) => {
      const d = e.detail as { additionalEventData?: { SecretId?: string }; responseElements?: { arn?: string } | null };
      return e.source === 'aws.secretsmanager' && (d.additionalEventData?.SecretId === arn || d.responseElements?.arn === arn);
    })
    .map((e) => [e['detail-type'], (e.detail as { eventName: string }).eventName]);
}

describe('RotateSecret', () => {
  it('invokes createSecret, setSecret, testSecret and finishSecret in order with the same token', async () => {
    // Prepare
    const name = uniqueName('steps');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'steps');

    // Act
    const out = await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Assess
    expect(rotator.calls.map((c) => c.Step)).toEqual(STEPS);
    expect(new Set(rotator.calls.map((c) => c.ClientRequestToken))).toEqual(new Set([out.VersionId]));
    expect(new Set(rotator.calls.map((c) => c.SecretId))).toEqual(new Set([created.ARN]));
  });

  it('passes one RotationToken to every step of a rotation', async () => {
    // Prepare
    const name = uniqueName('rotation-token');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'rotation-token');

    // Act
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Assess
    const tokens = new Set(rotator.calls.map((c) => c.RotationToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers with the new version id, which carries AWSPENDING and no value until createSecret stores one', async () => {
    // Prepare
    const name = uniqueName('pending');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'pending');
    rotator.holdAt = 'createSecret';
    const token = `pending-${crypto.randomUUID()}`;

    // Act
    const out = await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn, ClientRequestToken: token });
    const stagesBefore = await readVersionStages(aws, name);
    const readBefore = await captureError(aws.sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' })));
    rotator.release();
    await aws.endpoint.idle();

    // Assess
    expect(out.VersionId).toBe(token);
    expect(stagesBefore[token]).toEqual(['AWSPENDING']);
    expect(readBefore.name).toBe('ResourceNotFoundException');
  });

  it("stores createSecret's PutSecretValue in the version RotateSecret created, then finishSecret makes it current", async () => {
    // Prepare
    const name = uniqueName('filled');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'filled');

    // Act
    const out = await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Assess
    const current = await aws.sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current).toMatchObject({ VersionId: out.VersionId, SecretString: `rotated-${out.VersionId}` });
    expect(await readVersionStages(aws, name)).toEqual({
      [created.VersionId!]: ['AWSPREVIOUS'],
      [out.VersionId!]: ['AWSPENDING', 'AWSCURRENT'],
    });
  });

  it('records the rotation settings and LastRotatedDate once the rotation succeeds', async () => {
    // Prepare
    const name = uniqueName('settings');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'settings');

    // Act
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn, RotationRules: { AutomaticallyAfterDays: 30 } });
    await aws.endpoint.idle();

    // Assess
    const d = await aws.sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(d).toMatchObject({ RotationEnabled: true, RotationLambdaARN: rotator.arn, RotationRules: { AutomaticallyAfterDays: 30 } });
    expect(d.LastRotatedDate).toBeInstanceOf(Date);
    expect(d.NextRotationDate!.getTime() - d.LastRotatedDate!.getTime()).toBe(30 * 86_400_000);
  });

  it('stops at the first step that throws and leaves AWSPENDING on the new version', async () => {
    // Prepare
    const name = uniqueName('fail');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'fail');
    rotator.failAt = 'setSecret';

    // Act
    const out = await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Assess
    expect(rotator.calls.map((c) => c.Step)).toEqual(['createSecret', 'setSecret']);
    expect(await readVersionStages(aws, name)).toEqual({ [created.VersionId!]: ['AWSCURRENT'], [out.VersionId!]: ['AWSPENDING'] });
    expect((await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).LastRotatedDate).toBeUndefined();
  });

  it("refuses a second RotateSecret with another token while AWSPENDING sits on another version, with AWS's message", async () => {
    // Prepare
    const name = uniqueName('refused');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'refused');
    rotator.failAt = 'testSecret';
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Act
    const err = await captureError(rotate(aws, { SecretId: name }));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
    expect(err.message).toBe("A previous rotation isn't complete. That rotation will be reattempted.");
  });

  it('continues a failed rotation when the request names the pending version as its token', async () => {
    // Prepare
    const name = uniqueName('continue');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'continue');
    rotator.failAt = 'testSecret';
    const first = await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();
    rotator.failAt = undefined;
    rotator.calls.length = 0;

    // Act
    const again = await rotate(aws, { SecretId: name, ClientRequestToken: first.VersionId });
    await aws.endpoint.idle();

    // Assess
    expect(again.VersionId).toBe(first.VersionId);
    expect(rotator.calls.map((c) => [c.Step, c.ClientRequestToken])).toEqual(STEPS.map((s) => [s, first.VersionId]));
    const current = await aws.sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(current).toMatchObject({ VersionId: first.VersionId, SecretString: `rotated-${first.VersionId}` });
  });

  it('starts a new rotation when AWSPENDING sits on the AWSCURRENT version', async () => {
    // Prepare
    const name = uniqueName('after-success');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'after-success');
    const first = await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Act
    const second = await rotate(aws, { SecretId: name });
    await aws.endpoint.idle();

    // Assess
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(await readVersionStages(aws, name)).toEqual({
      [first.VersionId!]: ['AWSPREVIOUS'],
      [second.VersionId!]: ['AWSPENDING', 'AWSCURRENT'],
    });
  });

  it('uses the rotation function already recorded when RotationLambdaARN is left out', async () => {
    // Prepare
    const name = uniqueName('stored-lambda');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'stored-lambda');
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();
    rotator.calls.length = 0;

    // Act
    await rotate(aws, { SecretId: name });
    await aws.endpoint.idle();

    // Assess
    expect(rotator.calls.map((c) => c.Step)).toEqual(STEPS);
  });

  it('answers InvalidRequestException for a secret with no rotation function known', async () => {
    // Prepare
    const name = uniqueName('no-lambda');
    await createSecret(aws, name);

    // Act
    const err = await captureError(rotate(aws, { SecretId: name }));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
    expect(await readVersionStages(aws, name)).not.toHaveProperty('AWSPENDING');
  });

  it('answers InvalidParameterException for AutomaticallyAfterDays and ScheduleExpression together', async () => {
    // Prepare
    const name = uniqueName('both-rules');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'both-rules');

    // Act
    const err = await captureError(
      rotate(aws, {
        SecretId: name,
        RotationLambdaARN: rotator.arn,
        RotationRules: { AutomaticallyAfterDays: 7, ScheduleExpression: 'rate(7 days)' },
      }),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
    expect(rotator.calls).toEqual([]);
  });

  it('runs only testSecret when RotateImmediately is false, then takes AWSPENDING off the test version', async () => {
    // Prepare
    const name = uniqueName('not-immediately');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'not-immediately');

    // Act
    const out = await rotate(aws, {
      SecretId: name,
      RotationLambdaARN: rotator.arn,
      RotationRules: { AutomaticallyAfterDays: 10 },
      RotateImmediately: false,
    });
    await aws.endpoint.idle();

    // Assess
    expect(rotator.calls.map((c) => [c.Step, c.ClientRequestToken])).toEqual([['testSecret', out.VersionId]]);
    expect(await readVersionStages(aws, name)).toEqual({ [created.VersionId!]: ['AWSCURRENT'] });
    const d = await aws.sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(d.RotationEnabled).toBe(true);
    expect(d.NextRotationDate).toBeInstanceOf(Date);
    expect(d.LastRotatedDate).toBeUndefined();
  });

  it('answers a retry of a running rotation with its version id and runs the steps once', async () => {
    // Prepare
    const name = uniqueName('retry');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'retry');
    rotator.holdAt = 'setSecret';
    const token = `retry-${crypto.randomUUID()}`;
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn, ClientRequestToken: token });

    // Act
    const again = await rotate(aws, { SecretId: name, ClientRequestToken: token });
    rotator.release();
    await aws.endpoint.idle();

    // Assess
    expect(again.VersionId).toBe(token);
    expect(rotator.calls.map((c) => c.Step)).toEqual(STEPS);
  });
});

describe('CancelRotateSecret', () => {
  it('turns rotation off, leaves AWSPENDING where it is and names its version', async () => {
    // Prepare
    const name = uniqueName('cancel');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'cancel');
    rotator.failAt = 'createSecret';
    const started = await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Act
    const out = await aws.sm.send(new CancelRotateSecretCommand({ SecretId: name }));

    // Assess
    expect(out.VersionId).toBe(started.VersionId);
    const d = await aws.sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(d.RotationEnabled).toBe(false);
    expect(d.VersionIdsToStages).toEqual({ [created.VersionId!]: ['AWSCURRENT'], [started.VersionId!]: ['AWSPENDING'] });
  });

  it('stops a running rotation before its next step', async () => {
    // Prepare
    const name = uniqueName('cancel-running');
    await createSecret(aws, name);
    const rotator = registerRotator(aws, 'cancel-running');
    rotator.holdAt = 'setSecret';
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await rotator.holding;

    // Act
    await aws.sm.send(new CancelRotateSecretCommand({ SecretId: name }));
    rotator.release();
    await aws.endpoint.idle();

    // Assess
    expect(rotator.calls.map((c) => c.Step)).toEqual(['createSecret', 'setSecret']);
  });

  it('answers InvalidRequestException for a secret never configured for rotation', async () => {
    // Prepare
    const name = uniqueName('cancel-none');
    await createSecret(aws, name);

    // Act
    const err = await captureError(aws.sm.send(new CancelRotateSecretCommand({ SecretId: name })));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
  });
});

describe('Secrets Manager CloudTrail events', () => {
  it('publishes RotateSecret, RotationStarted and RotationSucceeded for a rotation that succeeds', async () => {
    // Prepare
    const name = uniqueName('events-ok');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'events-ok');

    // Act
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Assess
    expect(eventsAbout(aws, created.ARN!)).toEqual([
      ['AWS API Call via CloudTrail', 'CreateSecret'],
      ['AWS API Call via CloudTrail', 'RotateSecret'],
      ['AWS Service Event via CloudTrail', 'RotationStarted'],
      ['AWS API Call via CloudTrail', 'PutSecretValue'],
      ['AWS API Call via CloudTrail', 'UpdateSecretVersionStage'],
      ['AWS Service Event via CloudTrail', 'RotationSucceeded'],
    ]);
  });

  it('publishes RotationFailed when a step throws', async () => {
    // Prepare
    const name = uniqueName('events-failed');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'events-failed');
    rotator.failAt = 'createSecret';

    // Act
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Assess
    expect(eventsAbout(aws, created.ARN!).slice(-2)).toEqual([
      ['AWS Service Event via CloudTrail', 'RotationStarted'],
      ['AWS Service Event via CloudTrail', 'RotationFailed'],
    ]);
  });

  it('shapes a rotation outcome as a CloudTrail service event about the secret ARN', async () => {
    // Prepare
    const name = uniqueName('events-shape');
    const created = await createSecret(aws, name);
    const rotator = registerRotator(aws, 'events-shape');

    // Act
    await rotate(aws, { SecretId: name, RotationLambdaARN: rotator.arn });
    await aws.endpoint.idle();

    // Assess
    const event = aws.endpoint.eventBridge.events.find(
      (e) => (e.detail as { eventName?: string }).eventName === 'RotationSucceeded' &&
        (e.detail as { additionalEventData?: { SecretId?: string } }).additionalEventData?.SecretId === created.ARN,
    );
    expect(event).toMatchObject({
      source: 'aws.secretsmanager',
      'detail-type': 'AWS Service Event via CloudTrail',
      account: '000000000000',
      region: 'us-east-1',
      detail: {
        eventSource: 'secretsmanager.amazonaws.com',
        eventName: 'RotationSucceeded',
        eventType: 'AwsServiceEvent',
        additionalEventData: { SecretId: created.ARN },
      },
    });
  });

  it('records PutSecretValue with the secret id, token, arn and version id but never the value', async () => {
    // Prepare
    const name = uniqueName('events-put');
    const created = await createSecret(aws, name);
    const token = `put-${crypto.randomUUID()}`;

    // Act
    await aws.sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'hunter2-secret-value', ClientRequestToken: token }),
    );

    // Assess
    const event = aws.endpoint.eventBridge.events.find(
      (e) => (e.detail as { eventName?: string; requestParameters?: { clientRequestToken?: string } }).eventName === 'PutSecretValue' &&
        (e.detail as { requestParameters: { clientRequestToken?: string } }).requestParameters.clientRequestToken === token,
    );
    expect(event).toMatchObject({
      source: 'aws.secretsmanager',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventSource: 'secretsmanager.amazonaws.com',
        eventType: 'AwsApiCall',
        requestParameters: { secretId: name, clientRequestToken: token },
        responseElements: { arn: created.ARN, versionId: token },
      },
    });
    expect(JSON.stringify(event)).not.toContain('hunter2');
  });

  it.each([
    ['TagResource', (t: TestAws, name: string) => t.sm.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'k', Value: 'v' }] }))],
    ['DeleteSecret', (t: TestAws, name: string) => t.sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }))],
  ])('publishes %s as an AWS API Call via CloudTrail event', async (eventName, call) => {
    // Prepare
    const name = uniqueName(`events-${eventName}`);
    await createSecret(aws, name);

    // Act
    await call(aws, name);

    // Assess
    const found = aws.endpoint.eventBridge.events.some(
      (e) =>
        e['detail-type'] === 'AWS API Call via CloudTrail' &&
        (e.detail as { eventName: string }).eventName === eventName &&
        (e.detail as { requestParameters: { secretId?: string } }).requestParameters.secretId === name,
    );
    expect(found).toBe(true);
  });
});

describe('rotation schedule', () => {
  const fixed = new Date('2026-03-10T08:30:00Z');
  const t = useTestAws({ clock: () => fixed });

  it.each([
    ['rate(10 days)', '2026-03-20T08:30:00.000Z', 10],
    ['rate(6 hours)', '2026-03-10T14:30:00.000Z', undefined],
    ['cron(0 16 1,15 * ? *)', '2026-03-15T16:00:00.000Z', undefined],
    ['cron(0 4 ? * MON *)', '2026-03-16T04:00:00.000Z', undefined],
    ['cron(0 0 L * ? *)', '2026-03-31T00:00:00.000Z', undefined],
  ])('sets NextRotationDate from ScheduleExpression %s', async (expression, next, days) => {
    // Prepare
    const name = uniqueName('schedule');
    await createSecret(t, name);
    const rotator = registerRotator(t, 'schedule');

    // Act
    await rotate(t, { SecretId: name, RotationLambdaARN: rotator.arn, RotationRules: { ScheduleExpression: expression } });
    await t.endpoint.idle();

    // Assess
    const d = await t.sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(d.NextRotationDate?.toISOString()).toBe(next);
    expect(d.RotationRules?.AutomaticallyAfterDays).toBe(days);
  });

  it('answers InvalidParameterException for a rate under four hours', async () => {
    // Prepare
    const name = uniqueName('schedule-short');
    await createSecret(t, name);
    const rotator = registerRotator(t, 'schedule-short');

    // Act
    const err = await captureError(
      rotate(t, { SecretId: name, RotationLambdaARN: rotator.arn, RotationRules: { ScheduleExpression: 'rate(2 hours)' } }),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
  });
});

