import { resolveCaBundle, type CaBundleSource } from './caBundle.js';
import { checkLogin } from './checkLogin.js';
import type { ConnectOptions, DbCredentials } from './connect.js';
import { openSession, type PostgresSession, type SessionDeps } from './session.js';

export type { DbCredentials } from './connect.js';
export type { PostgresSession } from './session.js';

/** Process-wide database settings, from configuration. */
export interface PostgresGatewayOptions {
  /** `DB_CA_BUNDLE`: path or PEM of the CAs that verify-ca / verify-full trust. */
  caBundle?: string | undefined;
  /** Running on Lambda (`AWS_LAMBDA_FUNCTION_NAME` set): picks the runtime's Amazon CA file by default. */
  onLambda?: boolean | undefined;
  /** `DB_CONNECT_TIMEOUT_MS` (default 5000). */
  connectTimeoutMs?: number | undefined;
  /** Bound on each statement (default 30000). */
  statementTimeoutMs?: number | undefined;
  /** See SessionDeps: fails chosen statements in tests. */
  beforeStatement?: SessionDeps['beforeStatement'];
}

/** What rotation, reconcile and doctor use to reach PostgreSQL. */
export interface PostgresGateway {
  /** The CA source chosen for verifying connections (see resolveCaBundle). */
  readonly caSource: CaBundleSource;
  /**
   * Logs in, runs `work` with the session and always closes it.
   * @throws DatabaseLoginError, DatabaseConnectionError when logging in fails; whatever `work` throws.
   */
  withSession<R>(creds: DbCredentials, work: (session: PostgresSession) => R): Promise<Awaited<R>>;
  /**
   * Whether the credentials log in (false only when the server refuses them).
   * @throws DatabaseConnectionError when that cannot be told (unreachable, TLS, timeout).
   */
  canLogIn(creds: DbCredentials): Promise<boolean>;
  /**
   * Logs in and runs a query, as testSecret requires.
   * @throws DatabaseLoginError, DatabaseConnectionError, DatabaseStatementError.
   */
  testLogin(creds: DbCredentials): Promise<void>;
}

/**
 * Builds the gateway from process settings. The CA source is resolved once here
 * (resolveCaBundle); files are read only when a verifying connection is made.
 */
export function createPostgresGateway(options: PostgresGatewayOptions = {}): PostgresGateway {
  const caSource = resolveCaBundle({ configured: options.caBundle, onLambda: options.onLambda });
  const connect: ConnectOptions = {
    caBundle: caSource,
    connectTimeoutMs: options.connectTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs,
  };
  const deps: SessionDeps = { beforeStatement: options.beforeStatement };

  const withSession = async <R>(creds: DbCredentials, work: (session: PostgresSession) => R): Promise<Awaited<R>> => {
    const session = await openSession(deps, creds, connect);
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  };

  return {
    caSource,
    withSession,
    canLogIn: (creds) => checkLogin(creds, connect),
    testLogin: (creds) => withSession(creds, (s) => s.ping()),
  };
}
