import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { createPostgresGateway } from '../../src/postgres/gateway.js';
import { runDemo, type DemoReport } from '../../local/demo.js';
import { DEMO_CLUSTER, DEMO_KMS_KEY } from '../../local/demoSeed.js';
import { assertNode22, startDevStack, type DevStack } from '../../local/devStack.js';
import { PortsInUseError } from '../../local/stackPorts.js';

const SERVICE_DIR = new URL('../..', import.meta.url).pathname;

/** Ports free on 127.0.0.1 right now (all held at once, so they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
    servers.push(s);
    ports.push((s.address() as { port: number }).port);
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const stackPorts = async () => {
  const [awsPort, lambdaPort, httpPort, websocketPort] = await freePorts(4);
  return { awsPort: awsPort!, lambdaPort: lambdaPort!, httpPort: httpPort!, websocketPort: websocketPort! };
};

interface SecretValue {
  username: string;
  password: string;
  host: string;
  port: number;
  dbname: string;
  sslmode: string;
}

// One stack and one demo run for the file: starting serverless-offline bundles the handlers,
// which takes most of the time. Both run through serverless-offline as a child process.
describe('startDevStack with the demo', () => {
  let stack: DevStack | undefined;
  let report: DemoReport;
  const printed: string[] = [];
  const progress: string[] = [];
  const logPath = join(tmpdir(), `keyroll-stack-test-${process.pid}.log`);

  beforeAll(async () => {
    stack = await startDevStack({
      serviceDir: SERVICE_DIR,
      ...(await stackPorts()),
      kmsKeys: [DEMO_KMS_KEY],
      offlineLogPath: logPath,
      onProgress: (m) => progress.push(m),
    });
    report = await runDemo(stack, { print: (line) => printed.push(line), timeoutMs: 120_000 });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await rm(logPath, { force: true });
  }, 60_000);

  const secretNamed = (name: string) => report.demo.secrets.find((s) => s.name === name)!;
  const valueOf = async (secretArn: string, stage = 'AWSCURRENT') => {
    const out = await stack!.clients.sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }));
    return { value: JSON.parse(out.SecretString!) as SecretValue, createdAt: out.CreatedDate! };
  };

  it('passes every check it prints', () => {
    // Assess
    expect({ ok: report.ok, failed: report.checks.filter((c) => !c.ok) }).toEqual({ ok: true, failed: [] });
  });

  it.each(['email-worker/local/db', 'billing/local/db'])('rotates %s so that its new AWSCURRENT logs in to PostgreSQL', async (name) => {
    // Prepare
    const secret = secretNamed(name);
    const db = createPostgresGateway({ caBundle: stack!.postgres.caCertPath });
    // Act
    const current = (await valueOf(secret.arn)).value;
    const previous = (await valueOf(secret.arn, 'AWSPREVIOUS')).value;
    const logsIn = await db.canLogIn({ ...current, sslMode: 'verify-full' });
    // Assess
    expect({ logsIn, passwordChanged: current.password !== previous.password }).toEqual({ logsIn: true, passwordChanged: true });
  });

  it('switches the alternating-users secret to the clone role', async () => {
    // Act
    const current = (await valueOf(secretNamed('billing/local/db').arn)).value;
    // Assess
    expect(current.username).toBe('billing_clone');
  });

  it.each(['email-worker/local/db', 'billing/local/db'])('mirrors the AWSCURRENT of %s into Parameter Store', async (name) => {
    // Prepare
    const secret = secretNamed(name);
    const { value } = await valueOf(secret.arn);
    // Act
    const out = await stack!.clients.ssm.send(
      new GetParametersCommand({ Names: ['username', 'password', 'url'].map((k) => `${secret.ssmPath}/${k}`), WithDecryption: true }),
    );
    // Assess
    const byName = Object.fromEntries((out.Parameters ?? []).map((p) => [p.Name, p.Value]));
    expect(byName).toEqual({
      [`${secret.ssmPath}/username`]: value.username,
      [`${secret.ssmPath}/password`]: value.password,
      [`${secret.ssmPath}/url`]:
        `postgresql://${value.username}:${encodeURIComponent(value.password)}@${value.host}:${value.port}/${value.dbname}?sslmode=${value.sslmode}`,
    });
  });

  it('gives a new deployment, after the rotation, exactly to the running services that read a rotated secret', async () => {
    // Prepare
    const rotatedAt = new Map<string, Date>();
    for (const s of report.demo.secrets) rotatedAt.set(s.name, (await valueOf(s.arn)).createdAt);
    // Act
    const out = await stack!.clients.ecs.send(new DescribeServicesCommand({ cluster: DEMO_CLUSTER, services: report.demo.services.map((s) => s.arn) }));
    // Assess
    const redeployed = Object.fromEntries(
      report.demo.services.map((svc) => {
        const primary = out.services?.find((s) => s.serviceArn === svc.arn)?.deployments?.find((d) => d.status === 'PRIMARY');
        const since = svc.secretName ? rotatedAt.get(svc.secretName)! : report.demo.secrets.map((s) => rotatedAt.get(s.name)!).sort()[0]!;
        return [svc.name, primary!.createdAt! > since];
      }),
    );
    expect(redeployed).toEqual({
      'email-worker': true,
      'email-digest': true,
      'email-backfill': false,
      'billing-api': true,
      'billing-worker': true,
      storefront: false,
    });
  });

  it('has Secrets Manager invoke the rotate function through serverless-offline, whose log shows all three functions run', async () => {
    // Act
    const log = await readFile(stack!.offlineLogPath, 'utf8');
    // Assess
    const functions = ['rotate', 'sync', 'redeploy'].map((f) => log.includes(`"function_name":"keyroll-local-${f}"`));
    const rotateSteps = stack!.endpoint.lambdas.invocations.filter((i) => i.functionName === 'keyroll-local-rotate' && i.ok).length;
    expect({ functions, rotateSteps }).toEqual({ functions: [true, true, true], rotateSteps: 8 });
  });

  it('prints each rotation step, the parameters written and the services restarted or skipped', () => {
    // Act
    const text = printed.join('\n');
    // Assess
    expect([
      /email-worker\/local\/db\s+rotate createSecret\s+✔ \d+ ms/.test(text),
      /billing\/local\/db\s+rotate finishSecret\s+✔ \d+ ms/.test(text),
      text.includes('⇢ Secret Synced: wrote 6 parameters /email-worker/local/db/{username, password, host, port, dbname, url}'),
      text.includes('↻ restarted keyroll-demo/billing-api'),
      text.includes('– skipped keyroll-demo/email-backfill: no desired tasks'),
    ]).toEqual([true, true, true, true, true]);
  });

  it('never prints a password, neither in its own output nor in the functions\' logs', async () => {
    // Prepare
    const passwords: string[] = [];
    for (const s of report.demo.secrets) {
      for (const stage of ['AWSCURRENT', 'AWSPREVIOUS']) passwords.push((await valueOf(s.arn, stage)).value.password);
      if (s.master) passwords.push((await valueOf(s.master.arn)).value.password);
    }
    // Act
    const output = [...progress, ...printed, await readFile(stack!.offlineLogPath, 'utf8')].join('\n');
    // Assess
    expect({ count: passwords.length, leaked: passwords.filter((p) => output.includes(p) || output.includes(encodeURIComponent(p))) }).toEqual({
      count: 5,
      leaked: [],
    });
  });
});

describe('npm start -- --once', () => {
  it('exits 0 after the demo when every check passes', async () => {
    // Prepare
    const ports = await stackPorts();
    const child = spawn(
      'npm',
      [
        'start',
        '--silent',
        '--',
        '--once',
        '--aws-port',
        String(ports.awsPort),
        '--lambda-port',
        String(ports.lambdaPort),
        '--http-port',
        String(ports.httpPort),
        '--websocket-port',
        String(ports.websocketPort),
      ],
      { cwd: SERVICE_DIR, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Act
      const code = await Promise.race([exited, sleep(150_000).then(() => 'timed out')]);
      // Assess
      expect({ code, passed: output.includes('✔ every check passed'), failedLines: output.split('\n').filter((l) => l.includes('✘')) }).toEqual({
        code: 0,
        passed: true,
        failedLines: [],
      });
    } finally {
      // Whatever happened, nothing of that stack outlives the test: a clean stop first, then force.
      const signal = (s: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, s);
        } catch {
          // Already gone.
        }
      };
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGTERM');
        await Promise.race([exited, sleep(40_000)]);
      }
      signal('SIGKILL');
    }
  }, 200_000);
});

describe('startDevStack preflight', () => {
  it('refuses to start when a port it needs is in use, naming the port and the option that moves it', async () => {
    // Prepare
    const ports = await stackPorts();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(ports.lambdaPort, '127.0.0.1', () => resolve()));
    try {
      // Act
      const failure = await startDevStack({ serviceDir: SERVICE_DIR, ...ports }).catch((err: unknown) => err);
      // Assess
      expect(failure).toBeInstanceOf(PortsInUseError);
      expect((failure as Error).message).toContain(`port ${ports.lambdaPort} on 127.0.0.1 (serverless-offline's Lambda API) is in use`);
      expect((failure as Error).message).toContain('--lambda-port <port>');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it.each(['20.19.0', '18.20.4'])('refuses Node %s with a message saying how to get Node 22', (version) => {
    // Act
    const act = () => assertNode22(version);
    // Assess
    expect(act).toThrow(/needs Node\.js 22 or newer .* this is Node .*\n.*npm ci/s);
  });
});
