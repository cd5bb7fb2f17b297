import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSecretCommand, DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createStackClients, type StackClients } from '../../local/stackClients.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TSX_CLI = new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname;

interface Running {
  child: ChildProcess;
  /** stdout and stderr interleaved. */
  output: () => string;
  /** stderr alone. */
  errors: () => string;
  exited: Promise<number | null>;
}

/** Starts `npm run aws`'s entry (tsx local/aws/main.ts) with `args`; the process group is its own. */
function startMain(args: string[]): Running {
  const child = spawn(process.execPath, [TSX_CLI, 'local/aws/main.ts', ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => {
    output += c.toString('utf8');
    errors += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, errors: () => errors, exited };
}

/** The URL it prints once listening (bounded). */
async function urlOf(running: Running): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /Local AWS endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(running.output());
    if (m) return m[1]!;
    if (running.child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`npm run aws did not start:\n${running.output()}`);
}

function killGroup(running: Running | undefined): void {
  try {
    if (running?.child.pid) process.kill(-running.child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Resolves once `condition` holds, polling for at most `timeoutMs`. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

interface FakeLambda {
  url: string;
  /** Every invocation, in order: the function name from the path and the payload. */
  calls: Array<{ functionName: string; payload: { Step?: string; SecretId?: string } }>;
  close(): Promise<void>;
}

/**
 * A Lambda invoke API on loopback (POST /2015-03-31/functions/<name>/invocations) whose
 * function `failing` answers a function error "boom" and every other one `null`.
 */
async function startFakeLambda(): Promise<FakeLambda> {
  const calls: FakeLambda['calls'] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const functionName = decodeURIComponent(/^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '')?.[1] ?? '');
      calls.push({ functionName, payload: JSON.parse(body || 'null') });
      if (functionName === 'failing') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
        res.end(JSON.stringify({ errorType: 'Error', errorMessage: 'boom' }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('null');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (taken, then freed). */
async function closedPort(): Promise<number> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
  const port = (holder.address() as { port: number }).port;
  await new Promise((resolve) => holder.close(resolve));
  return port;
}

const rotationArn = (functionName: string) => `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`;

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('npm run aws', () => {
  let running: Running | undefined;
  let url: string;
  let clients: StackClients;

  beforeAll(async () => {
    running = startMain(['--port', '0', '--kms-key', 'alias/team-a', '--serverless', '--stage', 'local']);
    url = await urlOf(running);
    clients = createStackClients(url, 'us-east-1');
  }, 60_000);

  afterAll(() => killGroup(running));

  it('serves Secrets Manager on the URL it prints', async () => {
    // Act
    const created = await clients.sm.send(new CreateSecretCommand({ Name: 'main/served', SecretString: '{"a":1}' }));
    const described = await clients.sm.send(new DescribeSecretCommand({ SecretId: created.ARN! }));
    // Assess
    expect(described.Name).toBe('main/served');
  });

  it('accepts a SecureString under a KMS key given with --kms-key', async () => {
    // Act
    const out = await clients.ssm.send(new PutParameterCommand({ Name: '/main/kms', Value: 'v', Type: 'SecureString', KeyId: 'alias/team-a' }));
    // Assess
    expect(out.Version).toBe(1);
  });

  it('routes by the eventBridge events of serverless.yml to the functions serverless deploys for the stage', async () => {
    // Act
    const rules = await clients.events.send(new ListRulesCommand({ NamePrefix: 'keyroll-local-sync-rule-1' }));
    const targets = await clients.events.send(new ListTargetsByRuleCommand({ Rule: 'keyroll-local-sync-rule-1' }));
    // Assess
    expect({
      pattern: JSON.parse(rules.Rules?.[0]?.EventPattern ?? '{}'),
      target: targets.Targets?.[0]?.Arn,
    }).toEqual({
      pattern: { source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'], detail: { labelUpdated: ['AWSCURRENT'] } },
      target: 'arn:aws:lambda:us-east-1:000000000000:function:keyroll-local-sync',
    });
  });

  it('prints how to point the AWS CLI at it', () => {
    // Assess
    expect(running!.output()).toContain(`export AWS_ENDPOINT_URL=${url} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`);
  });
});

describe('npm run aws, stopping', () => {
  it('stops on SIGINT with exit code 0 and frees its port', async () => {
    // Prepare
    const running = startMain(['--port', '0']);
    try {
      const port = Number(new URL(await urlOf(running)).port);
      // Act
      process.kill(running.child.pid!, 'SIGINT');
      const code = await Promise.race([running.exited, sleep(20_000).then(() => 'still running')]);
      // Assess
      expect({ code, accepts: await accepts(port) }).toEqual({ code: 0, accepts: false });
    } finally {
      killGroup(running);
    }
  }, 40_000);

  it('refuses a port in use with a message naming it, and exits 1', async () => {
    // Prepare
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const port = (holder.address() as { port: number }).port;
    const running = startMain(['--port', String(port)]);
    try {
      // Act
      const code = await Promise.race([running.exited, sleep(20_000).then(() => 'still running')]);
      // Assess
      expect({ code, output: running.output() }).toEqual({ code: 1, output: expect.stringContaining(`port ${port} on 127.0.0.1 is already in use`) });
    } finally {
      killGroup(running);
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 40_000);
});

describe('npm run aws -- --lambda-url', () => {
  let lambda: FakeLambda;
  let running: Running | undefined;
  let clients: StackClients;

  beforeAll(async () => {
    lambda = await startFakeLambda();
    running = startMain(['--port', '0', '--lambda-url', lambda.url]);
    clients = createStackClients(await urlOf(running), 'us-east-1');
  }, 60_000);

  afterAll(async () => {
    killGroup(running);
    await lambda?.close();
  });

  it('invokes the rotation function RotateSecret names through that URL, without --serverless', async () => {
    // Prepare
    const secret = await clients.sm.send(new CreateSecretCommand({ Name: 'main/rotated', SecretString: 'v1' }));

    // Act
    await clients.sm.send(new RotateSecretCommand({ SecretId: secret.ARN!, RotationLambdaARN: rotationArn('rotator') }));
    const rotatorCalls = () => lambda.calls.filter((c) => c.functionName === 'rotator');
    await waitFor(() => rotatorCalls().length === 4, 'the four rotation steps');

    // Assess
    expect(rotatorCalls().map((c) => [c.payload.Step, c.payload.SecretId])).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => [step, secret.ARN]),
    );
  });

  it('reports a function error on stderr, naming the function and its error', async () => {
    // Prepare
    const secret = await clients.sm.send(new CreateSecretCommand({ Name: 'main/failing', SecretString: 'v1' }));

    // Act
    await clients.sm.send(new RotateSecretCommand({ SecretId: secret.ARN!, RotationLambdaARN: rotationArn('failing') }));
    await waitFor(() => running!.errors().includes('failing'), 'the failure on stderr');

    // Assess
    expect(running!.errors()).toContain(`✘ Lambda function failing (through ${lambda.url}): boom`);
  });
});

describe('npm run aws, a Lambda URL that answers nothing', () => {
  it('reports the impossible invocation on stderr, naming the function and the refused connection', async () => {
    // Prepare
    const port = await closedPort();
    const running = startMain(['--port', '0', '--lambda-url', `http://127.0.0.1:${port}`]);
    try {
      const clients = createStackClients(await urlOf(running), 'us-east-1');
      const secret = await clients.sm.send(new CreateSecretCommand({ Name: 'main/unreachable', SecretString: 'v1' }));

      // Act
      await clients.sm.send(new RotateSecretCommand({ SecretId: secret.ARN!, RotationLambdaARN: rotationArn('rotator') }));
      await waitFor(() => running.errors().includes('rotator'), 'the failure on stderr');

      // Assess
      expect(running.errors()).toMatch(new RegExp(`✘ Lambda function rotator \\(through http://127\\.0\\.0\\.1:${port}\\): .*ECONNREFUSED`));
    } finally {
      killGroup(running);
    }
  }, 60_000);
});
