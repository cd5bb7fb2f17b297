import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createTestSqsClient, useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { runKeyroll } from './runKeyroll.js';

// `keyroll replay-failed` against the local endpoint's SQS (AWS JSON 1.0) and Lambda Invoke API:
// the queue holds records in the shape Lambda sends to an on-failure destination.

const ACCOUNT = '000000000000';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}:$LATEST`;

function invocationRecord(functionName: string, payload: unknown, error = { errorType: 'RedeployDiscoveryError', errorMessage: 'redeploy: ECS ListServices throttled' }) {
  return JSON.stringify({
    version: '1.0',
    timestamp: '2026-12-03T03:12:44.120Z',
    requestContext: { requestId: crypto.randomUUID(), functionArn: fnArn(functionName), condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload: payload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: error,
  });
}

const syncedEvent = (secretArn: string) => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': 'Secret Synced',
  source: 'keyroll',
  account: ACCOUNT,
  time: '2026-12-03T03:12:40Z',
  region: 'us-east-1',
  resources: [secretArn],
  detail: { secretArn, versionId: crypto.randomUUID(), parameters: ['/app/db/password'] },
});

describe('keyroll replay-failed', () => {
  const aws = useTestAws();
  const sqs = () => createTestSqsClient(aws.endpoint);

  // A stack of its own per test: <stack>-failed-events holds the records of <stack>-sync, -reconcile, -redeploy.
  const newStack = () => uniqueName('kr').replaceAll('_', '-');
  async function seedQueue(bodies: string[], stack = newStack()): Promise<{ name: string; url: string }> {
    const name = `${stack}-failed-events`;
    const { QueueUrl } = await sqs().send(new CreateQueueCommand({ QueueName: name }));
    for (const MessageBody of bodies) await sqs().send(new SendMessageCommand({ QueueUrl, MessageBody }));
    return { name, url: QueueUrl! };
  }
  const visibleCount = async (url: string) => {
    const got = await sqs().send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    return (got.Messages ?? []).length;
  };

  it('lists what failed (function, attempts, event, error) and leaves every message in the queue, visible', async () => {
    // Prepare
    const stack = newStack();
    const healthy = `${stack}-redeploy`;
    const queue = await seedQueue([invocationRecord(healthy, syncedEvent('arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbCdEf')), 'not json at all'], stack);

    // Act
    const run = await runKeyroll(aws, ['replay-failed', '--queue', queue.name, '--json']);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const report = run.json();
    expect(report.queueUrl).toBe(queue.url);
    expect(report.events).toHaveLength(2);
    const record = report.events.find((e: { function: string | null }) => e.function === healthy);
    expect(record).toMatchObject({
      condition: 'RetriesExhausted',
      attempts: 3,
      failedAt: '2026-12-03T03:12:44.120Z',
      event: 'Secret Synced arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-AbCdEf',
      error: 'RedeployDiscoveryError: redeploy: ECS ListServices throttled',
    });
    expect(report.events.find((e: { function: string | null }) => e.function === null).error).toMatch(/not a Lambda invocation record/);
    expect(await visibleCount(queue.url)).toBe(2);
  });

  it('--redrive invokes each function with its event, deletes what now succeeds, keeps what fails again with the new error, exits 1', async () => {
    // Prepare
    const stack = newStack();
    const good = `${stack}-redeploy`;
    const bad = `${stack}-sync`;
    const received: unknown[] = [];
    aws.endpoint.lambdas.register(good, async (event) => {
      received.push(event);
      return { outcome: 'redeployed' };
    });
    aws.endpoint.lambdas.register(bad, async () => {
      throw Object.assign(new Error('redeploy: cluster prod-a does not exist'), { name: 'ClusterNotFoundError' });
    });
    const goodEvent = syncedEvent('arn:aws:secretsmanager:us-east-1:000000000000:secret:good/db-AbCdEf');
    const queue = await seedQueue([invocationRecord(good, goodEvent), invocationRecord(bad, syncedEvent('arn:aws:secretsmanager:us-east-1:000000000000:secret:bad/db-AbCdEf')), '{}'], stack);

    // Act
    const run = await runKeyroll(aws, ['replay-failed', '--queue', queue.url, '--redrive', '--json']);

    // Assess
    expect(run.code).toBe(1);
    const report = run.json();
    expect(received).toEqual([goodEvent]);
    expect(report).toMatchObject({ replayed: 1, failed: 1, deleted: 0 });
    const byFunction = (name: string | null) => report.events.find((e: { function: string | null }) => e.function === name);
    expect(byFunction(good).action).toBe('replayed');
    expect(byFunction(bad)).toMatchObject({ action: 'failed', replayError: 'ClusterNotFoundError: redeploy: cluster prod-a does not exist' });
    expect(byFunction(null).action).toBe('skipped');
    expect(await visibleCount(queue.url)).toBe(2);
  });

  it('--delete --function drops only that function\'s events, unreplayed', async () => {
    const stack = newStack();
    const a = `${stack}-sync`;
    const b = `${stack}-redeploy`;
    let invoked = 0;
    aws.endpoint.lambdas.register(a, async () => void invoked++);
    const queue = await seedQueue([invocationRecord(a, syncedEvent('arn:aws:secretsmanager:us-east-1:000000000000:secret:a-AbCdEf')), invocationRecord(b, syncedEvent('arn:aws:secretsmanager:us-east-1:000000000000:secret:b-AbCdEf'))], stack);

    const run = await runKeyroll(aws, ['replay-failed', '--queue', queue.name, '--delete', '--function', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${a}`]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 deleted/);
    expect(invoked).toBe(0);
    expect(await visibleCount(queue.url)).toBe(1);
  });

  it('--redrive never invokes a function the record names outside the stack: rotate, another stack, another account', async () => {
    // Prepare: anyone who may send to the queue can write a record; these point at what must never run.
    const stack = newStack();
    const invoked: string[] = [];
    for (const name of [`${stack}-rotate`, `${newStack()}-redeploy`, `${stack}-redeploy`]) aws.endpoint.lambdas.register(name, async () => void invoked.push(name));
    const foreignAccount = invocationRecord(`${stack}-redeploy`, syncedEvent('arn:aws:secretsmanager:us-east-1:000000000000:secret:x-AbCdEf')).replace(`:${ACCOUNT}:function:`, ':999999999999:function:');
    const rotateStep = { SecretId: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:victim-AbCdEf', ClientRequestToken: crypto.randomUUID(), Step: 'finishSecret' };
    const queue = await seedQueue([invocationRecord(`${stack}-rotate`, rotateStep), invocationRecord(`${newStack()}-redeploy`, syncedEvent('arn:aws:secretsmanager:us-east-1:000000000000:secret:y-AbCdEf')), foreignAccount], stack);

    // Act
    const run = await runKeyroll(aws, ['replay-failed', '--queue', queue.name, '--redrive', '--json']);

    // Assess
    expect(invoked).toEqual([]);
    const report = run.json();
    expect(report.events.map((e: { action: string }) => e.action)).toEqual(['skipped', 'skipped', 'skipped']);
    for (const e of report.events) expect(e.replayError).toMatch(/is not one of this stack's event-driven functions/);
    expect(await visibleCount(queue.url)).toBe(3);
  });

  it('names what is wrong: no queue (2), --redrive with --delete (2), a queue that does not exist (3)', async () => {
    const none = await runKeyroll(aws, ['replay-failed']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--queue <name or URL>.*KEYROLL_FAILED_QUEUE/);
    const both = await runKeyroll(aws, ['replay-failed', '--queue', 'q', '--redrive', '--delete']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--redrive and --delete exclude each other/);
    const missing = await runKeyroll(aws, ['replay-failed', '--queue', 'keyroll-nowhere-failed-events']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/queue keyroll-nowhere-failed-events does not exist/);
  });

  it('reads the queue from KEYROLL_FAILED_QUEUE', async () => {
    const queue = await seedQueue([]);
    const run = await runKeyroll(aws, ['replay-failed'], { env: { KEYROLL_FAILED_QUEUE: queue.name } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no failed events in/);
  });
});
