import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { inject } from 'vitest';
import type { SslMode } from '../../src/secret.js';
import type { DbCredentials } from '../../src/postgres/connect.js';
import type { ProvidedPostgres } from './globalSetup.js';

export type { ProvidedPostgres } from './globalSetup.js';

/** The shared server started by the global setup (TLS on, CA at `caCertPath`). */
export function usePostgres(): ProvidedPostgres {
  return inject('postgres');
}

/** A name no other test uses: `<prefix>_<12 hex>`, lower case so it needs no quoting. */
export const uniqueName = (prefix = 'kr'): string => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** An ASCII password as keyroll would generate (letters, digits, punctuation), unique per call. */
export const newPassword = (): string => `Pw!${randomBytes(15).toString('base64url')}#9`;

/** Credentials for the shared server, verify-full against its CA by default. */
export function credentialsFor(username: string, password: string, sslMode: SslMode = 'verify-full', dbname = 'postgres'): DbCredentials {
  const pgInfo = usePostgres();
  return { host: pgInfo.host, port: pgInfo.port, username, password, dbname, sslMode };
}

/** The superuser's credentials on the shared server. */
export function superuserCredentials(sslMode: SslMode = 'verify-full'): DbCredentials {
  const pgInfo = usePostgres();
  return credentialsFor(pgInfo.superuser, pgInfo.superuserPassword, sslMode);
}

/**
 * Runs `work` with a superuser pg client (TLS verified with the server's CA), always
 * closing it. Test setup only: the code under test never gets this client.
 */
export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const info = usePostgres();
  const client = new pg.Client({
    host: info.host,
    port: info.port,
    user: info.superuser,
    password: info.superuserPassword,
    database: 'postgres',
    ssl: { ca: await readFile(info.caCertPath, 'utf8') },
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface LoginRoleOptions {
  /** Name prefix (default `kr`); the name is unique per call unless `name` is given. */
  prefix?: string;
  /** Exact name (quoted as needed). */
  name?: string;
  password?: string;
  /** Role attributes, e.g. `['CREATEROLE']`; LOGIN unless `NOLOGIN` is among them. */
  attributes?: string[];
  /** Privileges on the `postgres` database, e.g. `['CONNECT', 'CREATE']`. */
  databaseGrants?: string[];
}

export interface TestRole {
  name: string;
  password: string;
  credentials(sslMode?: SslMode): DbCredentials;
}

/**
 * Creates a login role with a password (sent in plaintext by this test helper: the server
 * hashes it) and the given attributes and database privileges.
 */
export async function createLoginRole(options: LoginRoleOptions = {}): Promise<TestRole> {
  const name = options.name ?? uniqueName(options.prefix);
  const password = options.password ?? newPassword();
  const id = pg.escapeIdentifier(name);
  await withAdmin(async (admin) => {
    const attributes = options.attributes ?? [];
    const login = attributes.includes('NOLOGIN') ? '' : 'LOGIN';
    await admin.query(`CREATE ROLE ${id} WITH ${login} ${attributes.join(' ')} PASSWORD ${pg.escapeLiteral(password)}`);
    if (options.databaseGrants?.length) {
      // Concurrent GRANTs on one database from two workers fail with "tuple concurrently updated": serialise them.
      await admin.query('BEGIN');
      try {
        await admin.query('SELECT pg_advisory_xact_lock(4242)');
        await admin.query(`GRANT ${options.databaseGrants.join(', ')} ON DATABASE postgres TO ${id}`);
        await admin.query('COMMIT');
      } catch (err) {
        await admin.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
  });
  return { name, password, credentials: (sslMode) => credentialsFor(name, password, sslMode) };
}

/** The statement log of the shared server, as written so far. */
export async function readStatementLog(): Promise<string> {
  return readFile(usePostgres().statementLogPath, 'utf8');
}

/**
 * The statement log once it contains `needle`. The server writes a statement's line before
 * running it, but the line reaches the file through the setup process, so it may lag a
 * little: polls, bounded by `timeoutMs`.
 * @throws Error when the needle does not appear in time.
 */
export async function waitForStatementLog(needle: string, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = await readStatementLog();
    if (log.includes(needle)) return log;
    if (Date.now() >= deadline) throw new Error(`the statement log has no line with ${JSON.stringify(needle)} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** A TCP listener for connection-level tests; `connections` counts accepted sockets. */
export interface TestListener {
  host: string;
  port: number;
  connections: number;
  close(): Promise<void>;
}

function listen(server: Server, host: string, sockets: Set<Socket>, counter: { connections: number }): Promise<TestListener> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const listener: TestListener = {
        host,
        port,
        get connections() {
          return counter.connections;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      };
      resolve(listener);
    });
  });
}

/**
 * Forwards TCP from `host` (a loopback address, e.g. 127.0.0.2, which is not in the
 * server certificate) to a port on 127.0.0.1, counting connections.
 */
export function startForwarder(targetPort: number, host = '127.0.0.2'): Promise<TestListener> {
  const sockets = new Set<Socket>();
  const counter = { connections: 0 };
  const server = createServer((inbound) => {
    counter.connections++;
    const outbound = connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  return listen(server, host, sockets, counter);
}

/** Accepts connections and never answers: for connect timeouts. */
export function startSilentServer(): Promise<TestListener> {
  const sockets = new Set<Socket>();
  const counter = { connections: 0 };
  const server = createServer((socket) => {
    counter.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return listen(server, '127.0.0.1', sockets, counter);
}

/**
 * A fake PostgreSQL that declines TLS ('N') and asks for the password in cleartext
 * (AuthenticationCleartextPassword), recording every byte it receives.
 */
export async function startCleartextServer(): Promise<TestListener & { received(): Buffer }> {
  const sockets = new Set<Socket>();
  const counter = { connections: 0 };
  const chunks: Buffer[] = [];
  const SSL_REQUEST = 80877103;
  const server = createServer((socket) => {
    counter.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on('data', (data) => {
      chunks.push(data);
      if (started) return;
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 8 && pending.length >= pending.readInt32BE(0)) {
        const length = pending.readInt32BE(0);
        const code = pending.readInt32BE(4);
        pending = pending.subarray(length);
        if (code === SSL_REQUEST) {
          socket.write('N');
          continue;
        }
        // StartupMessage: answer AuthenticationCleartextPassword ('R', length 8, code 3).
        started = true;
        const auth = Buffer.alloc(9);
        auth.write('R', 0);
        auth.writeInt32BE(8, 1);
        auth.writeInt32BE(3, 5);
        socket.write(auth);
        break;
      }
    });
  });
  const listener = await listen(server, '127.0.0.1', sockets, counter);
  return Object.assign(listener, { received: () => Buffer.concat(chunks) });
}

/** A port on 127.0.0.1 with nothing listening (free when checked). */
export async function closedPort(): Promise<number> {
  const listener = await startSilentServer();
  await listener.close();
  return listener.port;
}

/** Waits until the role has no backend left (sessions end asynchronously after the client closes). */
export async function sessionsOf(role: string, timeoutMs = 5_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await withAdmin(async (admin) =>
      Number((await admin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1', [role])).rows[0].n),
    );
    if (count === 0 || Date.now() >= deadline) return count;
    await sleep(25);
  }
}
