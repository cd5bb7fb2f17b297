import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createStackClients, type StackClients } from '../../local/stackClients.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TSX_CLI = new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url).pathname;

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `npm run aws`'s entry (tsx local/aws/main.ts) with `args`; the process group is its own. */
function startMain(args: string[]): Running {
  const child = spawn(process.execPath, [TSX_CLI, 'local/aws/main.ts', ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
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
      pattern: { source: ['keyroll'], 'detail-type': ['Secret Rotated'] },
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
