/**
 * serverless-offline as a child process of the local stack: the three functions of
 * serverless.yml behind a Lambda invoke API, run the way `serverless offline start` runs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDocument } from 'yaml';
import { KeyrollError } from '../src/errors.js';

/** serverless-offline did not start, or died; the message quotes its last output lines. */
export class ServerlessOfflineError extends KeyrollError {}

/** Options of {@link startServerlessOffline}. */
export interface ServerlessOfflineOptions {
  /** Directory holding serverless.yml and node_modules. */
  serviceDir: string;
  /** Node binary that runs serverless (22+: serverless-offline and the handlers need it). */
  nodePath: string;
  stage: string;
  region: string;
  /** Port of the Lambda invoke API on 127.0.0.1. */
  lambdaPort: number;
  /** Ports serverless-offline would serve HTTP and WebSocket events on (passed so it never takes the defaults). */
  httpPort: number;
  websocketPort: number;
  /** `--param name=value` for serverless.yml's `${param:…}`. */
  params: Record<string, string>;
  /**
   * Environment of the child besides PATH and HOME-like basics. Every inherited `AWS_*`
   * variable is dropped first, so a developer's own AWS settings never reach the handlers.
   */
  env: Record<string, string>;
  /** File receiving everything the child prints (handler logs included); none when absent. */
  logPath?: string;
  /** Bound on bundling + listening, in milliseconds (default 120 s). */
  readyTimeoutMs?: number;
  /** Bound on a clean stop before SIGKILL, in milliseconds (default 10 s). */
  stopTimeoutMs?: number;
}

/** A running serverless-offline. */
export interface ServerlessOffline {
  /** `http://127.0.0.1:<lambdaPort>`: give it to a Lambda client as its endpoint. */
  readonly lambdaUrl: string;
  readonly pid: number;
  /** The last lines the child printed (for error messages). */
  lastOutput(lines?: number): string;
  /** Resolves when the child exits, whatever the reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to its process group, SIGKILL past the bound; resolves once it is gone. */
  stop(): Promise<void>;
}

const TAIL_BYTES = 32_768;

/**
 * Runs serverless as its own child and leads their process group. Its stdin is a pipe from the
 * stack, which the OS closes when the stack dies however it dies (even SIGKILL): then the
 * watchdog kills the group, so no serverless-offline outlives the stack and holds its ports.
 * Stop signals reach the whole group; the watchdog just exits with serverless.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, process.argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
const killGroup = () => { try { process.kill(-process.pid, 'SIGKILL'); } catch { process.exit(1); } };
process.stdin.on('end', killGroup).on('error', killGroup).resume();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (err) => { console.error(String(err)); process.exit(1); });
`;

/**
 * A throwaway service directory for serverless-offline: every entry of the checkout linked in,
 * and serverless.yml copied with serverless-esbuild's file watcher turned off. The watcher
 * rebuilds on any saved .ts file of the checkout and then has serverless-offline terminate
 * every function worker, running ones included, whose invocations then never answer. Its own
 * directory also keeps the bundles (`.esbuild/`) of two stacks from the same checkout apart.
 * @throws ServerlessOfflineError when serverless.yml cannot be read or rewritten.
 */
async function prepareServiceDir(checkout: string): Promise<string> {
  let yml: string;
  try {
    yml = await readFile(join(checkout, 'serverless.yml'), 'utf8');
  } catch (err) {
    throw new ServerlessOfflineError(`cannot read ${join(checkout, 'serverless.yml')}: ${(err as Error).message}`, { cause: err });
  }
  const doc = parseDocument(yml);
  if (doc.errors.length > 0) throw new ServerlessOfflineError(`serverless.yml is not valid YAML: ${doc.errors[0]!.message}`);
  doc.setIn(['custom', 'esbuild', 'watch', 'pattern'], doc.createNode([]));
  const dir = await mkdtemp(join(tmpdir(), 'keyroll-offline-'));
  try {
    for (const entry of await readdir(checkout)) {
      if (entry.startsWith('.') || entry === 'serverless.yml') continue;
      await symlink(join(checkout, entry), join(dir, entry));
    }
    await writeFile(join(dir, 'serverless.yml'), `# Generated by keyroll's local stack from ${join(checkout, 'serverless.yml')}: file watcher off.\n${String(doc)}`);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new ServerlessOfflineError(`cannot prepare serverless-offline's directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return dir;
}

/**
 * Starts `serverless offline start` with the given stage, ports and params in its own process
 * group (so a stop reaches the workers it spawns too) and resolves once its Lambda port
 * accepts connections. serverless-esbuild bundles the handlers first, as on deploy; the
 * bundles are made once: source changes take effect at the next start.
 * @throws ServerlessOfflineError when serverless cannot be found, exits before listening, or
 *   does not listen within `readyTimeoutMs`; the child is stopped before throwing.
 */
export async function startServerlessOffline(options: ServerlessOfflineOptions): Promise<ServerlessOffline> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const bin = join(options.serviceDir, 'node_modules', 'serverless', 'bin', 'serverless.js');
  const args = [
    bin,
    'offline',
    'start',
    '--stage',
    options.stage,
    '--region',
    options.region,
    '--host',
    '127.0.0.1',
    '--lambdaPort',
    String(options.lambdaPort),
    '--httpPort',
    String(options.httpPort),
    '--websocketPort',
    String(options.websocketPort),
    '--noSponsor',
    ...Object.entries(options.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]),
  ];

  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('AWS_'))) as Record<
    string,
    string
  >;
  let log: WriteStream | undefined;
  if (options.logPath) {
    await mkdir(dirname(options.logPath), { recursive: true });
    log = createWriteStream(options.logPath, { flags: 'w' });
  }

  let tail = '';
  const record = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    log?.write(chunk);
  };

  const serviceDir = await prepareServiceDir(options.serviceDir);
  const child: ChildProcess = spawn(options.nodePath, ['-e', WATCHDOG, ...args], {
    cwd: serviceDir,
    env: { ...inherited, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', ...options.env },
    // Its own process group: Ctrl-C in the terminal reaches the stack only, which stops the
    // child in order; and a stop signal to the group reaches whatever the child spawned.
    detached: true,
    // stdin is the watchdog's lifeline (see WATCHDOG).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', record);
  child.stderr?.on('data', record);
  // Nothing is written to the lifeline; a watchdog gone first must not crash the stack.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      log?.end();
      // The bundles and the generated serverless.yml go with the process.
      void rm(serviceDir, { recursive: true, force: true }).finally(() => resolve({ code, signal }));
    });
  });
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));

  const lastOutput = (lines = 15) =>
    tail
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '')
      .slice(-lines)
      .join('\n');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        // Gone already (or never started): still wait for its directory to be removed.
        await Promise.race([exited, sleep(2_000)]);
        return;
      }
      signalGroup(child.pid, 'SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(stopTimeoutMs).then(() => false)]);
      if (!done) {
        signalGroup(child.pid, 'SIGKILL');
        await Promise.race([exited, sleep(2_000)]);
      }
    })());

  const deadline = Date.now() + readyTimeoutMs;
  let failure: string | undefined;
  for (;;) {
    const outcome = await Promise.race([
      exited.then((e) => `exited (${e.signal ?? `code ${e.code}`}) before listening`),
      spawnFailed.then((e) => `could not be started with ${options.nodePath}: ${e.message}`),
      portAnswers(options.lambdaPort).then((ok) => (ok ? 'ready' : undefined)),
    ]);
    if (outcome === 'ready') break;
    if (outcome !== undefined) {
      failure = outcome;
      break;
    }
    if (Date.now() >= deadline) {
      failure = `did not listen on 127.0.0.1:${options.lambdaPort} within ${Math.round(readyTimeoutMs / 1000)} s`;
      break;
    }
    await sleep(200);
  }
  if (failure) {
    await stop();
    await rm(serviceDir, { recursive: true, force: true });
    const output = lastOutput();
    throw new ServerlessOfflineError(
      `serverless-offline ${failure}.${output ? `\nIts last output:\n${indent(output)}` : ''}${options.logPath ? `\nFull log: ${options.logPath}` : ''}`,
    );
  }

  return {
    lambdaUrl: `http://127.0.0.1:${options.lambdaPort}`,
    pid: child.pid!,
    lastOutput,
    exited,
    stop,
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
