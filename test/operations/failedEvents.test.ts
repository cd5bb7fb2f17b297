import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameOf, startBenchStack, waitFor, type BenchStack } from '../../bench/benchStack.js';
import { runCli } from '../../src/cli/runCli.js';
import { collectStream } from '../cli/runKeyroll.js';

// An event the sync function fails on lands, after Lambda's retries, in the failed-events queue
// serverless.yml declares, as Lambda's invocation record; `keyroll replay-failed --redrive`
// runs it again through the deployed bundle once the cause is gone, and the queue is empty.

const QUEUE = `keyroll-bench-failed-events`;

let stack: BenchStack;
beforeAll(async () => {
  stack = await startBenchStack({ only: ['sync', 'redeploy'], env: { SSM_PUT_TPS: '100', AWS_MAX_ATTEMPTS: '1' }, endpoint: { asyncRetries: 2 } });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

async function keyroll(args: string[]) {
  const stdout = collectStream();
  const stderr = collectStream();
  const code = await runCli(['--endpoint-url', stack.endpoint.url, '--region', 'us-east-1', ...args], { stdout, stderr, env: { AWS_MAX_ATTEMPTS: '1' } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('the failed-events queue', () => {
  it('receives what sync failed on after two retries, and replay-failed --redrive mirrors it once the cause is gone', async () => {
    // Prepare: a mirrored secret; SSM refuses every write for now.
    const created = await stack.clients.sm.send(
      new CreateSecretCommand({ Name: 'failing/app/db', SecretString: JSON.stringify({ engine: 'postgres', username: 'app', password: 'First-Pw-1!', host: '127.0.0.1', port: 5432, dbname: 'app' }), Tags: [{ Key: 'keyroll:ssm-path', Value: '/failing/app/db' }] }),
    );
    stack.endpoint.injectFault({ operation: 'ssm.PutParameter', forMs: 60_000, errorType: 'InternalServerError', status: 500 });

    // Act: the new value's AWSCURRENT move (Secret Label Updated) routes to sync, which fails three times.
    await stack.clients.sm.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: JSON.stringify({ engine: 'postgres', username: 'app', password: 'Second-Pw-2!', host: '127.0.0.1', port: 5432, dbname: 'app' }) }));
    await waitFor('a record in the failed-events queue', () => stack.endpoint.sqs.messagesOf(QUEUE).length === 1, 60_000);
    await stack.endpoint.idle(30_000);

    // Assess the record: Lambda's shape, the function, the attempts, the event, the error.
    const record = JSON.parse(stack.endpoint.sqs.messagesOf(QUEUE)[0]!.body);
    expect(record.requestContext).toMatchObject({ functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${nameOf('sync')}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    expect(record.requestPayload).toMatchObject({ source: 'aws.secretsmanager', 'detail-type': 'Secret Label Updated', resources: [created.ARN] });
    expect(record.responsePayload.errorMessage).toMatch(/InternalServerError/);
    expect(JSON.stringify(record)).not.toContain('Second-Pw-2!');

    const listed = await keyroll(['replay-failed', '--queue', QUEUE]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${nameOf('sync')} +3 +Secret Label Updated ${created.ARN!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // The cause goes away; the redrive runs the deployed sync again with the same event.
    stack.endpoint.clearFaults();
    const redriven = await keyroll(['replay-failed', '--queue', QUEUE, '--redrive', '--json']);
    expect(redriven.code, redriven.stderr).toBe(0);
    expect(JSON.parse(redriven.stdout)).toMatchObject({ replayed: 1, failed: 0 });
    // The replayed sync published its "Secret Synced", which redeploy handled (no service uses it).
    await stack.endpoint.idle(30_000);
    expect(stack.endpoint.sqs.messagesOf(QUEUE)).toHaveLength(0);
    const password = await stack.clients.ssm.send(new GetParameterCommand({ Name: '/failing/app/db/password', WithDecryption: true }));
    expect(password.Parameter?.Value).toBe('Second-Pw-2!');
    expect(redriven.stdout + redriven.stderr + listed.stdout + listed.stderr).not.toContain('Second-Pw-2!');
  }, 120_000);
});
