import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { useTestAws } from '../support/endpoint.js';
import { createLoginRole, newPassword, usePostgres } from '../support/postgres.js';
import { logsIn, rotationDeps, stagesOf } from '../support/rotation.js';

/**
 * `serverless invoke local` (osls, serverless-esbuild and local/invokeLocalPlugin.cjs) of every
 * function with every sample in events/, against the local AWS endpoint and the shared
 * PostgreSQL, each command a child process with a hard timeout. Each runs in a temporary service
 * directory linking the repository's files: its `.esbuild` folder is its own, so a `serverless
 * package` of the repository at the same time (serverlessPackage.test.ts) neither races with it
 * nor sees its files.
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SERVERLESS = join(REPO, 'node_modules/serverless/bin/serverless.js');
/** Past this a command is killed and its test fails: osls starts in about 2 s and each handler runs in milliseconds. */
const HARD_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = HARD_TIMEOUT_MS + 10_000;

// What the samples name, reproduced on the endpoint (their account, names, tokens and version
// ids) except the random suffix of a secret ARN: copies of those samples name the seeded ARN.
const ACCOUNT = '123456789012';
const sampleSecretArn = (nameAndSuffix: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${nameAndSuffix}`;
const EMAIL_WORKER = 'email-worker/prod/db';
const EMAIL_WORKER_SAMPLE_ARNS = [sampleSecretArn('email-worker/prod/db-Kq3xZ9'), sampleSecretArn('email-worker/prod/db-Ab12Cd')];
/** The rotation's token (rotate-*.json, redeploy-secret-synced.json), which RotateSecret is given. */
const TOKEN = '0b6f3a52-91c4-4e2d-8f7a-5c3e1d9b2a40';
/** The version the sync samples say AWSCURRENT moved to: the rotation's, so the copies name TOKEN. */
const SYNC_SAMPLE_VERSION = '0b6f3f2e-58a1-4c9b-9d57-3e2f1a7c8d90';
/** email-worker's version before the rotation (the sync samples' previous version). */
const EMAIL_WORKER_FIRST_VERSION = 'e1c2d3b4-a5f6-4789-8abc-def012345678';
const BILLING = 'billing/prod/db';
const BILLING_SAMPLE_ARN = sampleSecretArn('billing/prod/db-Tr7mW2');
/** redeploy-secret-rotated.json's versions of billing/prod/db. */
const BILLING_VERSIONS = { previous: '7f2e8d1c-0a9b-4c3e-b6d5-4a1f0e2c9b87', current: 'e3a9c1f0-6b2d-4d7e-a8f5-1c0b9e7d3a62' };
const STRIPE_PARAMETER = '/billing/prod/stripe-api-key';
const CLUSTER = 'prod';
const PAUSED_FUNCTION = 'keyroll-test-paused-rotation';
/** The command of the issue: the sample as is. */
const ISSUE_COMMAND = 'rotate -p events/rotate-createSecret.json';
/** Samples whose command needs no other command's effect: run in the background. */
const IN_BACKGROUND = new Set(['redeploy-secret-rotated.json', 'redeploy-parameter-store-change.json', 'services-redeployed.json']);

interface Invocation {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
  /** What osls printed last as an indented JSON block: the handler's result, or its error `{errorMessage, errorType, …}`. */
  result: any;
}

/** The last indented JSON block of osls's output (log lines are one-line JSON). */
function printedResult(stdout: string): unknown {
  const lines = stdout.split('\n');
  const start = lines.lastIndexOf('{');
  const end = lines.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  try {
    return JSON.parse(lines.slice(start, end + 1).join('\n'));
  } catch {
    return undefined;
  }
}

/** Runs `serverless <args>` in `cwd` (Node 22, as the tests), killing its process group past HARD_TIMEOUT_MS. */
function runServerless(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Invocation> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SERVERLESS, ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, HARD_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, timedOut, ms: Date.now() - started, stdout, stderr, result: printedResult(stdout) });
    });
  });
}

/** A service directory of its own: the repository's `links`, and `files` written (osls takes no linked serverless.yml). */
async function serviceDir(dir: string, links: string[], files: Record<string, string>): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const name of links) await symlink(join(REPO, name), join(dir, name));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** What every invocation must do: end by itself, load its handler, print a result or a named error. */
function expectEnded(run: Invocation, label: string): void {
  const text = `${run.stdout}\n${run.stderr}`;
  expect(run.timedOut, `${label}: killed after ${HARD_TIMEOUT_MS} ms:\n${text}`).toBe(false);
  expect(text).not.toContain('Cannot find module');
  expect(text).not.toContain('Exception encountered when loading');
  expect(run.result, `${label} printed no result:\n${text}`).toBeDefined();
  if (run.code !== 0) {
    expect(run.code, `${label}:\n${text}`).toBe(1);
    expect(run.result).toMatchObject({ errorType: expect.stringMatching(/^[A-Z][\w.]+$/), errorMessage: expect.any(String) });
  }
}

/**
 * Commands started ahead of their tests, one after another beside the sequential ones: osls
 * spends about 2 s of CPU starting, so two commands at a time use both cores. Each runs in a
 * service directory no sequential command uses (concurrent builds would overwrite the bundle
 * another command is loading).
 */
const background = new Map<string, Promise<Invocation>>();
let backgroundChain: Promise<unknown> = Promise.resolve();
function startInBackground(key: string, command: () => Promise<Invocation>): void {
  const run = backgroundChain.then(command);
  run.catch(() => undefined); // awaited by its test
  backgroundChain = run.catch(() => undefined);
  background.set(key, run);
}
function backgroundRun(key: string): Promise<Invocation> {
  const run = background.get(key);
  if (!run) throw new Error(`${key} was never started (did a beforeAll fail?)`);
  return run;
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'keyroll-invoke-local-'));
  await startProbes();
});
afterAll(async () => {
  await Promise.allSettled(background.values());
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const baseEnv = (endpointUrl?: string): NodeJS.ProcessEnv => ({
  ...process.env,
  ...(endpointUrl ? { AWS_ENDPOINT_URL: endpointUrl } : {}),
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
  AWS_MAX_ATTEMPTS: '2',
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
});

describe('serverless invoke local of every function with every sample, against the local endpoint', () => {
  const aws = useTestAws({ accountId: ACCOUNT, ecs: { rolloutMs: 0 } }, 2);
  /** Where the rotation's chain of commands runs; `aside`, where the background ones do. */
  let service: string;
  let aside: string;
  let params: string[];
  /** Every secret value seeded or generated so far: no command may print one. */
  const secrets: string[] = [];
  const outputs: Array<{ label: string; text: string }> = [];
  let emailWorkerArn: string;
  let billingArn: string;
  /** The password createSecret generated. */
  let rotatedPassword: string;

  /** A sample as is, or a copy naming the seeded ARNs (and versions) where it names ones the endpoint cannot reproduce. */
  async function sampleFor(file: string): Promise<string> {
    const original = await readFile(join(REPO, 'events', file), 'utf8');
    let text = original;
    for (const arn of EMAIL_WORKER_SAMPLE_ARNS) text = text.replaceAll(arn, emailWorkerArn);
    text = text.replaceAll(BILLING_SAMPLE_ARN, billingArn).replaceAll(SYNC_SAMPLE_VERSION, TOKEN);
    if (text === original) return `events/${file}`;
    const copy = join(tmp, 'events', file);
    await writeFile(copy, text);
    return copy;
  }

  /** `serverless invoke local -f fn -p file` in `cwd`, its output kept for the secret check. */
  async function invoke(cwd: string, fn: string, file: string): Promise<Invocation> {
    const run = await runServerless(cwd, ['invoke', 'local', '-f', fn, '-p', file, ...params], baseEnv(aws.endpoint.url));
    outputs.push({ label: `${fn} -p ${file}`, text: `${run.stdout}\n${run.stderr}` });
    return run;
  }

  /** Checked as every invocation must be, and for the secret values known by now. */
  function expectClean(run: Invocation, label: string): void {
    expectEnded(run, label);
    const text = `${run.stdout}\n${run.stderr}`;
    for (const secret of secrets) expect(text.includes(secret), `${label} printed a secret value`).toBe(false);
  }

  const restartedBy = (run: Invocation) => run.result.result.restarted.map((r: { cluster: string; service: string }) => `${r.cluster}/${r.service}`);
  const syncedSecret = (status: string) => (run: Invocation) => {
    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({ kind: 'secret', result: { secretArn: emailWorkerArn, versionId: TOKEN, status } });
  };

  /** Which function consumes each sample (serverless.yml's event rules) and what it does with it, in the order of a rotation. */
  const SAMPLES: Array<[file: string, fn: string, check: (run: Invocation) => Promise<void> | void]> = [
    [
      'rotate-createSecret.json',
      'rotate',
      async (run) => {
        expect(run.code).toBe(0);
        expect(run.result).toEqual({ secretArn: emailWorkerArn, step: 'createSecret', token: TOKEN, result: 'created' });
        const pending = JSON.parse((await aws.sm.send(new GetSecretValueCommand({ SecretId: emailWorkerArn, VersionId: TOKEN, VersionStage: 'AWSPENDING' }))).SecretString!);
        rotatedPassword = pending.password;
        secrets.push(rotatedPassword);
        expect(rotatedPassword).not.toBe(secrets[0]);
      },
    ],
    [
      'rotate-setSecret.json',
      'rotate',
      async (run) => {
        expect(run.code).toBe(0);
        expect(run.result).toMatchObject({ step: 'setSecret', token: TOKEN, result: 'set' });
        const pending = JSON.parse((await aws.sm.send(new GetSecretValueCommand({ SecretId: emailWorkerArn, VersionStage: 'AWSPENDING' }))).SecretString!);
        expect(await logsIn(rotationDeps(aws).db, pending)).toBe(true);
      },
    ],
    ['rotate-testSecret.json', 'rotate', (run) => expect(run.result).toMatchObject({ step: 'testSecret', token: TOKEN, result: 'tested' })],
    [
      'rotate-finishSecret.json',
      'rotate',
      async (run) => {
        expect(run.result).toMatchObject({ step: 'finishSecret', token: TOKEN, result: 'finished' });
        expect(await stagesOf(aws, emailWorkerArn)).toEqual({ [TOKEN]: ['AWSCURRENT'], [EMAIL_WORKER_FIRST_VERSION]: ['AWSPREVIOUS'] });
      },
    ],
    [
      'sync-secret-label-updated.json',
      'sync',
      async (run) => {
        syncedSecret('repaired')(run);
        const mirrored = await aws.ssm.send(new GetParameterCommand({ Name: `/${EMAIL_WORKER}/password`, WithDecryption: true }));
        expect(mirrored.Parameter?.Value).toBe(rotatedPassword);
      },
    ],
    ['sync-rotation-succeeded.json', 'sync', syncedSecret('in-sync')],
    ['sync-put-secret-value.json', 'sync', syncedSecret('in-sync')],
    ['sync-update-secret-version-stage.json', 'sync', syncedSecret('in-sync')],
    ['sync-secret-rotated.json', 'sync', syncedSecret('in-sync')],
    [
      'sync-schedule.json',
      'reconcile',
      (run) => expect(run.result).toMatchObject({ kind: 'reconcile', report: { secrets: [{ secretArn: emailWorkerArn, status: 'in-sync' }], failed: 0 }, continuedWith: 0 }),
    ],
    [
      'reconcile-continued.json',
      'reconcile',
      (run) => expect(run.result).toMatchObject({ kind: 'reconcile', report: { secrets: [{ secretArn: emailWorkerArn, status: 'in-sync' }], failed: 0 } }),
    ],
    [
      'redeploy-secret-synced.json',
      'redeploy',
      (run) => {
        expect(run.result).toMatchObject({ outcome: 'redeployed', change: { secretArn: emailWorkerArn, versionId: TOKEN } });
        expect(restartedBy(run)).toEqual([`${CLUSTER}/email-worker`]);
      },
    ],
    [
      'redeploy-secret-rotated.json',
      'redeploy',
      (run) => {
        expect(run.result).toMatchObject({ outcome: 'redeployed', change: { secretArn: billingArn, versionId: BILLING_VERSIONS.current } });
        expect(restartedBy(run)).toEqual([`${CLUSTER}/billing-api`]);
      },
    ],
    [
      'redeploy-parameter-store-change.json',
      'redeploy',
      (run) => {
        expect(run.result).toMatchObject({ outcome: 'redeployed', change: { parameterNames: [STRIPE_PARAMETER] } });
        expect(restartedBy(run)).toEqual([`${CLUSTER}/billing-payments`]);
      },
    ],
    // What redeploy publishes, which no rule routes back to a function: refused by name.
    [
      'services-redeployed.json',
      'redeploy',
      (run) => {
        expect(run.code).toBe(1);
        expect(run.result).toMatchObject({ errorType: 'EventShapeError', errorMessage: expect.stringContaining('unsupported event') });
      },
    ],
  ];

  beforeAll(async () => {
    // Prepare: a service directory on the repository's serverless.yml, and the samples' world.
    await mkdir(join(tmp, 'events'));
    const files = { 'serverless.yml': await readFile(join(REPO, 'serverless.yml'), 'utf8') };
    const links = ['package.json', 'tsconfig.json', 'src', 'local', 'node_modules', 'events'];
    service = await serviceDir(join(tmp, 'service'), links, files);
    aside = await serviceDir(join(tmp, 'aside'), links, files);
    const pgInfo = usePostgres();
    params = ['--param', `dbCaBundle=${pgInfo.caCertPath}`, '--param', `ecsClusters=${CLUSTER}`, '--param', 'ssmPathPrefixes=/billing/'];

    // email-worker/prod/db: a login on the shared PostgreSQL, mirrored to /email-worker/prod/db.
    const role = await createLoginRole({ prefix: 'email', databaseGrants: ['CONNECT'] });
    secrets.push(role.password);
    const value = { engine: 'postgres', host: pgInfo.host, port: pgInfo.port, dbname: 'postgres', sslmode: 'verify-full', username: role.name, password: role.password };
    emailWorkerArn = (
      await aws.sm.send(
        new CreateSecretCommand({
          Name: EMAIL_WORKER,
          ClientRequestToken: EMAIL_WORKER_FIRST_VERSION,
          SecretString: JSON.stringify(value),
          Tags: [{ Key: 'keyroll:ssm-path', Value: `/${EMAIL_WORKER}` }],
        }),
      )
    ).ARN!;
    // billing/prod/db: not mirrored. The Stripe key: a parameter keyroll does not write.
    const billingPasswords = [newPassword(), newPassword()];
    const stripeKeys = [`sk_live_${newPassword()}`, `sk_live_${newPassword()}`];
    secrets.push(...billingPasswords, ...stripeKeys);
    const billingValue = (password: string) => JSON.stringify({ engine: 'postgres', host: 'billing-db.internal', username: 'billing', password });
    billingArn = (await aws.sm.send(new CreateSecretCommand({ Name: BILLING, ClientRequestToken: BILLING_VERSIONS.previous, SecretString: billingValue(billingPasswords[0]!) }))).ARN!;
    await aws.ssm.send(new PutParameterCommand({ Name: STRIPE_PARAMETER, Type: 'SecureString', Value: stripeKeys[0], Description: 'Stripe API key for the billing service' }));

    // One service of cluster prod per secret or parameter, running before the changes.
    await aws.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    for (const [serviceName, valueFrom] of [
      ['email-worker', emailWorkerArn],
      ['billing-api', billingArn],
      ['billing-payments', `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter${STRIPE_PARAMETER}`],
    ] as const) {
      const td = await aws.ecs.send(
        new RegisterTaskDefinitionCommand({ family: serviceName, containerDefinitions: [{ name: 'app', image: 'app:1', memory: 128, secrets: [{ name: 'SECRET', valueFrom }] }] }),
      );
      await aws.ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName, taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: 1 }));
    }
    await sleep(10);

    // The changes the samples announce: billing's new version, the Stripe key's update, and a
    // rotation of email-worker under the samples' token, paused after RotateSecret's value-less
    // AWSPENDING so that invoke local runs its four steps.
    await aws.sm.send(new PutSecretValueCommand({ SecretId: billingArn, ClientRequestToken: BILLING_VERSIONS.current, SecretString: billingValue(billingPasswords[1]!) }));
    await aws.ssm.send(new PutParameterCommand({ Name: STRIPE_PARAMETER, Type: 'SecureString', Value: stripeKeys[1], Overwrite: true }));
    aws.endpoint.lambdas.register(PAUSED_FUNCTION, async () => {
      throw new Error('paused by the test: serverless invoke local runs the steps');
    });
    await aws.sm.send(
      new RotateSecretCommand({
        SecretId: emailWorkerArn,
        ClientRequestToken: TOKEN,
        RotationLambdaARN: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${PAUSED_FUNCTION}`,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    await aws.endpoint.idle(10_000);

    // Commands no other one depends on, in the background.
    startInBackground(ISSUE_COMMAND, () => invoke(aside, 'rotate', 'events/rotate-createSecret.json'));
    for (const [file, fn] of SAMPLES) {
      if (IN_BACKGROUND.has(file)) {
        const sample = await sampleFor(file);
        startInBackground(file, () => invoke(aside, fn, sample));
      }
    }
  });

  it('covers every file in events/', async () => {
    expect((await readdir(join(REPO, 'events'))).sort()).toEqual(SAMPLES.map(([file]) => file).sort());
  });

  it.each(SAMPLES)('%s through %s', { timeout: TEST_TIMEOUT_MS }, async (file, fn, check) => {
    // Act
    const run = IN_BACKGROUND.has(file) ? await backgroundRun(file) : await invoke(service, fn, await sampleFor(file));
    // Assess
    expectClean(run, `${fn} -p ${file}`);
    await check(run);
  });

  it('answers the command of the issue, on a sample naming a secret the endpoint does not hold, with a named error', { timeout: TEST_TIMEOUT_MS }, async () => {
    // Act
    const run = await backgroundRun(ISSUE_COMMAND);
    // Assess
    expectClean(run, ISSUE_COMMAND);
    expect(run.code).toBe(1);
    expect(run.result).toMatchObject({ errorType: 'RotationStateError', errorMessage: expect.stringContaining(`cannot describe secret ${EMAIL_WORKER_SAMPLE_ARNS[0]}`) });
  });

  it('printed no secret value, including the passwords the rotation generated after a command ran', async () => {
    await Promise.allSettled(background.values());
    expect(outputs.length).toBe(SAMPLES.length + 1);
    for (const { label, text } of outputs) for (const secret of secrets) expect(text.includes(secret), `${label} printed a secret value`).toBe(false);
  });

  it("left no shim behind, and none in serverless-esbuild's build folder, which `serverless package` zips", async () => {
    await Promise.allSettled(background.values());
    for (const dir of [service, aside]) {
      const work = join(dir, '.esbuild');
      expect((await readdir(work)).filter((name) => name.startsWith('invoke-local'))).toEqual([]);
      expect((await filesUnder(join(work, '.build'))).filter((f) => !/\.mjs(\.map)?$/.test(f))).toEqual([]);
    }
  });
});

/** Handlers that misbehave, built with the repository's plugins and esbuild settings, run in the background. */
async function startProbes(): Promise<void> {
  const repo = parse(await readFile(join(REPO, 'serverless.yml'), 'utf8'));
  const config = {
    service: 'keyroll-invoke-local-probe',
    frameworkVersion: repo.frameworkVersion,
    plugins: repo.plugins,
    provider: { name: 'aws', runtime: repo.provider.runtime, region: 'us-east-1' },
    custom: { esbuild: repo.custom.esbuild },
    functions: {
      lingering: { handler: 'probe/lingering.handler' },
      lingeringFailure: { handler: 'probe/lingering.failing' },
      stuck: { handler: 'probe/stuck.handler', timeout: 1 },
      broken: { handler: 'probe/broken.handler' },
    },
  };
  const probe = await serviceDir(join(tmp, 'probe'), ['package.json', 'tsconfig.json', 'local', 'node_modules'], {
    'serverless.yml': stringify(config),
    // Leaves a listening server and an interval behind, as a handler's clients might.
    'probe/lingering.ts': `import { createServer } from 'node:net';
class ProbeError extends Error { override name = 'ProbeError'; }
const leave = () => { createServer().listen(0, '127.0.0.1'); setInterval(() => undefined, 1_000); };
export const handler = async () => { leave(); return { lingering: true }; };
export const failing = async () => { leave(); throw new ProbeError('failed, leaving a server open'); };
`,
    'probe/stuck.ts': 'export const handler = () => new Promise(() => setInterval(() => undefined, 1_000));\n',
    'probe/broken.ts': 'export const handler = async ( => 1;\n',
    'event.json': '{}',
  });
  for (const fn of Object.keys(config.functions)) {
    startInBackground(`probe ${fn}`, () => runServerless(probe, ['invoke', 'local', '-f', fn, '-p', 'event.json'], baseEnv()));
  }
}

describe('serverless invoke local always ends', () => {
  it('exits with the result once the handler returned, though it left a server and a timer open', { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await backgroundRun('probe lingering');
    expectEnded(run, 'lingering');
    expect({ code: run.code, result: run.result }).toEqual({ code: 0, result: { lingering: true } });
  });

  it("exits 1 with the handler's named error, though it left a server and a timer open", { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await backgroundRun('probe lingeringFailure');
    expectEnded(run, 'lingeringFailure');
    expect(run.code).toBe(1);
    expect(run.result).toMatchObject({ errorType: 'ProbeError', errorMessage: 'failed, leaving a server open' });
  });

  it("stops a handler still running at the function's timeout, as Lambda does", { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await backgroundRun('probe stuck');
    expectEnded(run, 'stuck');
    expect({ code: run.code, result: run.result }).toEqual({ code: 1, result: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds' } });
  });

  it("exits with an error when the bundle does not build (serverless-esbuild's esbuild service kept it alive)", { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await backgroundRun('probe broken');
    expect(run.timedOut, `${run.stdout}\n${run.stderr}`).toBe(false);
    expect(run.code).toBe(1);
    expect(`${run.stdout}\n${run.stderr}`).toMatch(/Build failed|ERROR/);
  });
});
