import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { redact } from '../errors.js';
import type { SslMode } from '../secret.js';
import { describeCaBundle, loadCaCertificates, type CaBundleSource } from './caBundle.js';
import { DatabaseConnectionError, DatabaseLoginError, pgFailureOf, PostgresError, type ConnectionFailure } from './errors.js';
import { redactError } from './redactError.js';

/** Who logs in where: the connection part of a secret (see `credentialsOf` in rotation). */
export interface DbCredentials {
  host: string;
  port: number;
  username: string;
  password: string;
  dbname: string;
  /** TLS mode, as `sslModeOf` derives it from the secret. */
  sslMode: SslMode;
}

/** How to connect, beyond the credentials. */
export interface ConnectOptions {
  /**
   * CAs for `verify-ca` / `verify-full`: a bundle (file path or PEM text, trusted alone) or a
   * source from `resolveCaBundle`. Default: Node's default store.
   */
  caBundle?: string | CaBundleSource | undefined;
  /** Bound on TCP connect + TLS + authentication, in milliseconds (default 5000). */
  connectTimeoutMs?: number | undefined;
  /** Bound on each statement, server side and client side, in milliseconds (default 30000). */
  statementTimeoutMs?: number | undefined;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** `host:port as "user"`, the way every message of this module names a connection. */
export const describeLogin = (creds: Pick<DbCredentials, 'host' | 'port' | 'username'>): string =>
  `${creds.host}:${creds.port} as "${creds.username}"`;

/**
 * Opens a pg client in the credentials' TLS mode:
 * - `disable`: plaintext;
 * - `prefer`: TLS without verification, and plaintext only when the server answers that it
 *   has no TLS (any other failure is reported, never retried in plaintext);
 * - `require`: TLS without verification, never plaintext;
 * - `verify-ca`: TLS, the chain checked against the CA bundle;
 * - `verify-full`: as verify-ca, and the certificate must name the host (SAN DNS or IP).
 *
 * The password is answered only to SCRAM or MD5 challenges, or to a cleartext request over
 * verified TLS: a server (or a man in the middle of unverified TLS) asking for the
 * cleartext password gets nothing.
 *
 * The caller owns the client and must `closeClient` it. Only this module talks to pg;
 * rotation uses sessions (openSession) and checkLogin.
 *
 * @throws DatabaseLoginError when the server refuses the credentials (SQLSTATE 28P01, 28000).
 * @throws DatabaseConnectionError for anything else that keeps a session from starting
 *   (`reason` says which: timeout, no-tls, tls, auth-method, network, server).
 */
export async function connectClient(creds: DbCredentials, options: ConnectOptions = {}): Promise<pg.Client> {
  if (creds.sslMode !== 'prefer') return attempt(creds, creds.sslMode, options);
  try {
    return await attempt(creds, 'prefer', options);
  } catch (err) {
    if (err instanceof DatabaseConnectionError && err.reason === 'no-tls') return attempt(creds, 'disable', options);
    throw err;
  }
}

/** Ends a client, bounded: a dead socket is destroyed rather than awaited. Never throws. */
export async function closeClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.connection?.stream?.destroy();
      resolve();
    }, 2_000);
  });
  await Promise.race([client.end().catch(() => undefined), forced]);
  clearTimeout(timer);
}

async function attempt(creds: DbCredentials, mode: SslMode, options: ConnectOptions): Promise<pg.Client> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const verified = mode === 'verify-ca' || mode === 'verify-full';
  const caSource = typeof options.caBundle === 'string' ? ({ kind: 'configured', bundle: options.caBundle } as const) : options.caBundle;

  let ssl: ConnectionOptions | false = false;
  if (mode !== 'disable') {
    ssl = { rejectUnauthorized: verified };
    if (verified && caSource) {
      let ca: string[] | undefined;
      try {
        ca = await loadCaCertificates(caSource);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new DatabaseConnectionError(
          `cannot connect to ${describeLogin(creds)} (TLS ${mode}): cannot read ${describeCaBundle(caSource)}: ${code ?? 'error'}`,
          { cause: err, reason: 'tls', code },
        );
      }
      if (ca) ssl.ca = ca;
    }
    // verify-ca trusts any host name the CA vouched for.
    if (mode === 'verify-ca') ssl.checkServerIdentity = () => undefined;
  }

  let askedCleartext = false;
  const client = new pg.Client({
    host: creds.host,
    port: creds.port,
    user: creds.username,
    database: creds.dbname,
    // A function, so the password is handed over only after seeing what the server asked for.
    password: async () => {
      if (askedCleartext && !verified) throw new CleartextRefused();
      return creds.password;
    },
    ssl,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
    application_name: 'keyroll',
  });
  // Registered before pg's own handler (attached in connect()), so it runs first.
  client.connection.on('authenticationCleartextPassword', () => {
    askedCleartext = true;
  });
  // A session the server drops later must not crash the process; the next query fails instead.
  client.on('error', () => undefined);

  const started = Date.now();
  try {
    await client.connect();
    return client;
  } catch (err) {
    await closeClient(client);
    throw connectFailure(err, creds, mode, { connectTimeoutMs, elapsedMs: Date.now() - started, caSource, verified });
  }
}

class CleartextRefused extends Error {
  constructor() {
    super('the server asked for the password in cleartext over a connection whose server is not verified; not sent');
  }
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_|_SIGNATURE/;
const LOGIN_SQLSTATES = new Set(['28P01', '28000']);

/** Maps a pg/net/tls failure to keyroll's errors; the password is scrubbed from everything exposed. */
function connectFailure(
  err: unknown,
  creds: DbCredentials,
  mode: SslMode,
  context: { connectTimeoutMs: number; elapsedMs: number; caSource: CaBundleSource | undefined; verified: boolean },
): PostgresError {
  const cause = redactError(err, [creds.password]);
  const { message, code, sqlstate } = pgFailureOf(cause);
  const safe = (text: string) => redact(text, [creds.password]);

  if (sqlstate && LOGIN_SQLSTATES.has(sqlstate)) {
    return new DatabaseLoginError(
      safe(`cannot log in to ${describeLogin(creds)} (database "${creds.dbname}"): ${message} (SQLSTATE ${sqlstate})`),
      { cause, code: sqlstate },
    );
  }

  let reason: ConnectionFailure;
  let detail: string;
  if (sqlstate) {
    reason = 'server';
    detail = `${message} (SQLSTATE ${sqlstate})`;
  } else if (message === 'The server does not support SSL connections') {
    reason = 'no-tls';
    detail = 'the server does not offer TLS';
  } else if (cause instanceof CleartextRefused) {
    reason = 'auth-method';
    detail = cause.message;
  } else if (/timeout expired|connection timeout/i.test(message) || context.elapsedMs >= context.connectTimeoutMs) {
    reason = 'timeout';
    detail = `no session within ${context.connectTimeoutMs} ms (connect timeout)`;
  } else if ((code && TLS_CODE.test(code)) || /SSL|TLS|certificate/i.test(message)) {
    reason = 'tls';
    const trusted = context.verified ? `; trusted: ${describeCaBundle(context.caSource ?? { kind: 'node-default' })}` : '';
    detail = `TLS failed: ${message}${code ? ` (${code})` : ''}${trusted}`;
  } else {
    // Refused, unreachable, reset, unknown name… (AggregateError when several addresses were tried).
    reason = 'network';
    const errors = (cause as { errors?: unknown } | null | undefined)?.errors;
    const inner = Array.isArray(errors) ? errors.map((x) => (x as { code?: string })?.code).filter(Boolean) : [];
    const codes = code ?? (inner.length ? inner.join(', ') : undefined);
    detail = `${message || 'connection failed'}${codes ? ` (${codes})` : ''}`;
  }
  return new DatabaseConnectionError(
    safe(`cannot connect to ${describeLogin(creds)} (database "${creds.dbname}", TLS ${mode}): ${detail}`),
    { cause, code: sqlstate ?? code, reason },
  );
}
