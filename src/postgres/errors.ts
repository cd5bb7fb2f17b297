import { KeyrollError } from '../errors.js';

/**
 * Why a connection failed, for callers that act on it (`prefer` falls back to plaintext
 * only on `no-tls`; doctor prints advice per reason).
 * - `timeout`: no ready session within the connect timeout;
 * - `no-tls`: the server answered that it does not offer TLS;
 * - `tls`: the TLS handshake or the certificate check failed;
 * - `auth-method`: the server asked for something keyroll will not answer (a cleartext password over unverified transport);
 * - `network`: refused, unreachable, reset, name not found;
 * - `server`: the server refused the session for another reason (database missing, too many connections…).
 */
export type ConnectionFailure = 'timeout' | 'no-tls' | 'tls' | 'auth-method' | 'network' | 'server';

/** Base of the errors of the PostgreSQL module. `code` is the SQLSTATE or the Node/OpenSSL error code, when known. */
export class PostgresError extends KeyrollError {
  readonly code: string | undefined;
  constructor(message: string, options?: ErrorOptions & { code?: string | undefined }) {
    super(message, options);
    this.code = options?.code;
  }
}

/** The server could not be reached, TLS failed, the connect timed out, or it refused the session before authentication. */
export class DatabaseConnectionError extends PostgresError {
  readonly reason: ConnectionFailure;
  constructor(message: string, options: ErrorOptions & { code?: string | undefined; reason: ConnectionFailure }) {
    super(message, options);
    this.reason = options.reason;
  }
}

/** The server refused the credentials: wrong password, unknown role, no LOGIN, no pg_hba entry (SQLSTATE 28P01 / 28000). */
export class DatabaseLoginError extends PostgresError {}

/** A statement failed (or the `beforeStatement` hook failed it); `label` names which, never with values. */
export class DatabaseStatementError extends PostgresError {
  readonly label: string;
  constructor(message: string, options: ErrorOptions & { code?: string | undefined; label: string }) {
    super(message, options);
    this.label = options.label;
  }
}

/**
 * The text and codes of a pg, net or tls failure: `sqlstate` only when the server sent it
 * (five characters and a severity), `code` also for Node/OpenSSL codes.
 */
export function pgFailureOf(err: unknown): { message: string; code: string | undefined; sqlstate: string | undefined } {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; severity?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const sqlstate = code && e.severity && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  return { message, code, sqlstate };
}

/** A password keyroll cannot turn into a SCRAM verifier PostgreSQL would agree with (see scramSha256Verifier). */
export class UnsupportedPasswordError extends KeyrollError {}

/** A role name PostgreSQL would not take as given: empty, NUL, or over 63 bytes (it would silently truncate it). */
export class RoleNameError extends KeyrollError {}
