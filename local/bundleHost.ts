import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyrollError } from '../src/errors.js';
import { bundleHandler, type HandlerKey } from './handlerBundles.js';
import { functionsFromServerless, type ServerlessFunction } from './serverlessRules.js';

/** A hosted function could not start, or an invocation could not be delivered. */
export class BundleHostError extends KeyrollError {}

/** An invocation the function answered with an error (Lambda's FunctionError). */
export class HostedFunctionError extends KeyrollError {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** One deployed function, running its bundle in a process of its own, as a Lambda container does. */
export interface HostedFunction {
  readonly key: string;
  readonly name: string;
  /** Invocations answered so far (one at a time: a container runs one invocation at once). */
  readonly invocations: number;
  /** Runs one invocation with Lambda's context (remaining time from the function's timeout). */
  invoke(payload: unknown): Promise<unknown>;
  /** The process's peak resident memory so far (`process.resourceUsage().maxRSS`), MiB. */
  peakRssMiB(): Promise<number>;
  /** Every line the function printed (its JSON log lines and EMF metrics), in order. */
  lines(): string[];
}

export interface BundleHost {
  readonly functions: ReadonlyMap<string, HostedFunction>;
  /** Invokes a function by its deployed name (what the local endpoint's lambdaFallback is given). */
  invoke(functionName: string, payload: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export interface BundleHostOptions {
  serviceDir?: string;
  stage?: string;
  params?: Record<string, string>;
  /** Function keys to run (default: every function of serverless.yml). */
  only?: readonly string[];
  /** Added to every function's environment: AWS_ENDPOINT_URL, credentials, overrides. */
  env?: Record<string, string>;
  /** Per function key: environment overrides (win over serverless.yml's). */
  envOf?: Record<string, Record<string, string>>;
  /** Per function key: a timeout other than serverless.yml's, in seconds (time-compressed benchmarks). */
  timeoutSecondsOf?: Record<string, number>;
  region?: string;
  accountId?: string;
}

// The Lambda runtime's part, in plain JavaScript: imports the bundle, answers invocations one at
// a time over IPC with a context like Lambda's, and reports its peak RSS.
const RUNTIME = `
import { pathToFileURL } from 'node:url';
const [bundle, exportName, functionName, timeoutMs, memory, region, account] = process.argv.slice(2);
const mod = await import(pathToFileURL(bundle).href);
const handler = mod[exportName];
process.on('message', async (msg) => {
  if (msg.type === 'rss') return process.send({ id: msg.id, rssKiB: process.resourceUsage().maxRSS });
  const started = Date.now();
  const context = {
    functionName, functionVersion: '$LATEST', memoryLimitInMB: memory, awsRequestId: msg.requestId,
    invokedFunctionArn: 'arn:aws:lambda:' + region + ':' + account + ':function:' + functionName,
    logGroupName: '/aws/lambda/' + functionName, logStreamName: 'local', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, started + Number(timeoutMs) - Date.now()),
  };
  try {
    process.send({ id: msg.id, ok: true, result: (await handler(msg.payload, context)) ?? null });
  } catch (err) {
    process.send({ id: msg.id, ok: false, errorType: (err && err.name) || 'Error', errorMessage: String((err && err.message) || err) });
  }
});
process.send({ type: 'ready' });
`;

const START_TIMEOUT_MS = 30_000;
const MAX_LINES = 200_000;

/**
 * Runs the functions of serverless.yml from the bundles deployed for them (serverless.yml's
 * esbuild settings, source maps linked, `NODE_OPTIONS=--enable-source-maps` from its environment),
 * each in a Node process of its own with its serverless.yml environment, timeout and memory size,
 * invoked one at a time. What benchmarks and the local stack use to run the artifact, not the sources.
 * @throws BundleHostError when a bundle does not build or a function does not start.
 */
export async function startBundleHost(options: BundleHostOptions = {}): Promise<BundleHost> {
  const serviceDir = options.serviceDir ?? process.cwd();
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const yml = await readFile(join(serviceDir, 'serverless.yml'), 'utf8');
  const all = functionsFromServerless(yml, { stage: options.stage ?? 'local', region, accountId, ...(options.params ? { params: options.params } : {}) });
  const wanted = options.only ? all.filter((f) => options.only!.includes(f.key)) : all;
  // Under the checkout, so the externals the Lambda runtime provides (its AWS SDK) resolve from
  // node_modules; not under .esbuild/, which serverless-esbuild clears when it packages (a
  // `serverless package` running meanwhile would delete the bundles of running hosts).
  await mkdir(join(serviceDir, '.keyroll', 'bundle-hosts'), { recursive: true });
  const dir = await mkdtemp(join(serviceDir, '.keyroll', 'bundle-hosts', 'host-'));
  await writeFile(join(dir, 'runtime.mjs'), RUNTIME);
  const started: Array<{ fn: HostedFunction; child: ChildProcess }> = [];
  try {
    const bundles = new Map<string, string>();
    for (const f of wanted) {
      const file = f.handler.split('.')[0]!;
      if (!bundles.has(file)) {
        const key = file.replace(/^src\/handlers\//, '') as HandlerKey;
        const bundle = await bundleHandler(key, serviceDir);
        const out = join(dir, key);
        await mkdir(out, { recursive: true });
        await writeFile(join(out, `${key}.mjs`), bundle.code);
        if (bundle.sourceMap) await writeFile(join(out, `${key}.mjs.map`), bundle.sourceMap);
        bundles.set(file, join(out, `${key}.mjs`));
      }
      started.push(await startFunction(f, bundles.get(file)!, dir, options, region, accountId));
    }
  } catch (err) {
    for (const s of started) s.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err instanceof BundleHostError ? err : new BundleHostError(`cannot host the functions: ${(err as Error).message}`, { cause: err });
  }
  const functions = new Map(started.map((s) => [s.fn.name, s.fn]));
  return {
    functions,
    invoke(functionName, payload) {
      const fn = functions.get(functionName.replace(/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/, '').split(':')[0]!);
      if (!fn) return Promise.reject(new BundleHostError(`no hosted function named ${functionName}`));
      return fn.invoke(payload);
    },
    async stop() {
      for (const s of started) s.child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startFunction(
  f: ServerlessFunction,
  bundlePath: string,
  dir: string,
  options: BundleHostOptions,
  region: string,
  accountId: string,
): Promise<{ fn: HostedFunction; child: ChildProcess }> {
  const timeoutMs = (options.timeoutSecondsOf?.[f.key] ?? f.timeoutSeconds) * 1000;
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: f.deployedName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(f.memoryMiB),
    ...f.environment,
    ...options.env,
    ...options.envOf?.[f.key],
  };
  const exportName = f.handler.split('.')[1] ?? 'handler';
  const child = spawn(process.execPath, [join(dir, 'runtime.mjs'), bundlePath, exportName, f.deployedName, String(timeoutMs), String(f.memoryMiB), region, accountId], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (lines.length < MAX_LINES) lines.push(line);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const waiting = new Map<string, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (msg: any) => {
    if (msg?.type === 'ready') return ready();
    const w = waiting.get(msg?.id);
    if (!w) return;
    waiting.delete(msg.id);
    if ('rssKiB' in msg) w.resolve(msg.rssKiB);
    else if (msg.ok) w.resolve(msg.result);
    else w.reject(new HostedFunctionError(msg.errorType, msg.errorMessage));
  });
  child.on('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new BundleHostError(`${f.deployedName} exited (${signal ?? `code ${code}`})`));
    waiting.clear();
  });
  const send = (msg: Record<string, unknown>, boundMs: number) =>
    new Promise<any>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new BundleHostError(`${f.deployedName}: no answer within ${boundMs} ms`));
      }, boundMs);
      waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      child.send({ ...msg, id, requestId: randomUUID() });
    });
  const startTimer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  await Promise.race([
    isReady,
    new Promise((_, reject) => child.once('exit', () => reject(new BundleHostError(`${f.deployedName} did not start: ${lines.slice(-5).join(' | ')}`)))),
  ]);
  clearTimeout(startTimer);

  let queue: Promise<unknown> = Promise.resolve();
  let invocations = 0;
  const fn: HostedFunction = {
    key: f.key,
    name: f.deployedName,
    get invocations() {
      return invocations;
    },
    invoke(payload) {
      const run = queue.then(async () => {
        invocations += 1;
        return send({ type: 'invoke', payload }, timeoutMs + 5_000);
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async peakRssMiB() {
      return Math.round(((await send({ type: 'rss' }, 5_000)) as number) / 1024);
    },
    lines: () => [...lines, ...(partial ? [partial] : [])],
  };
  return { fn, child };
}
