import pg from 'pg';
import { redact } from '../errors.js';
import { MAX_ROLE_NAME_LENGTH } from '../secret.js';
import { closeClient, connectClient, describeLogin, type ConnectOptions, type DbCredentials } from './connect.js';
import { DatabaseStatementError, pgFailureOf, RoleNameError } from './errors.js';
import { redactError } from './redactError.js';
import { scramSha256Verifier } from './scramSha256Verifier.js';

/** The name of each statement a session runs: what `beforeStatement` and error messages see (never SQL or values). */
export type StatementLabel =
  | 'current-user'
  | 'session-user'
  | 'role-exists'
  | 'set-password'
  | 'create-clone'
  | 'grant-clone-membership'
  | 'set-clone-password'
  | 'set-clone-role'
  | 'begin'
  | 'commit'
  | 'can-create-role'
  | 'can-manage-role'
  | 'role-standing'
  | 'owned-objects'
  | 'can-reassign-owned'
  | 'reassign-owned'
  | 'ping';

/** See PostgresSession.ownedObjects. */
export interface OwnedObjects {
  /** Up to 50 objects of this database (or shared ones) the role owns, as pg_describe_object names them. */
  here: string[];
  /** How many it owns in this database and among shared objects. */
  hereCount: number;
  /** How many it owns in other databases (REASSIGN OWNED must run in each). */
  elsewhereCount: number;
}

/** See PostgresSession.roleStanding. */
export interface RoleStanding {
  exists: boolean;
  memberOfOriginal: boolean;
  otherAdmins: string[];
}

/** What a session needs besides credentials. */
export interface SessionDeps {
  /**
   * Called before every statement with its label; when it throws, that statement fails as
   * if the server had failed it (DatabaseStatementError, the thrown error in `cause`).
   * Crash-convergence tests use it to fail exactly one statement.
   */
  beforeStatement?: ((label: StatementLabel) => void | Promise<void>) | undefined;
}

/** A logged-in connection with the few operations rotation and doctor need. */
export interface PostgresSession {
  /** `current_user`: the role privileges are checked against (for a clone with its `SET ROLE` default, the original role). */
  currentUser(): Promise<string>;
  /** `session_user`: the role that logged in. */
  sessionUser(): Promise<string>;
  /**
   * Sets a role's password as a SCRAM-SHA-256 verifier: `ALTER ROLE "<role>" WITH PASSWORD
   * '<verifier>'`. The plaintext is never sent. A role may change its own password; for
   * another role the session user needs superuser, or (PostgreSQL 16+) CREATEROLE with
   * ADMIN OPTION on that role (before 16, CREATEROLE alone, for a non-superuser role).
   * @throws RoleNameError, UnsupportedPasswordError before anything is sent; DatabaseStatementError.
   */
  setPassword(role: string, password: string): Promise<void>;
  /** Whether a role of exactly this name exists. @throws DatabaseStatementError */
  roleExists(role: string): Promise<boolean>;
  /**
   * Makes `clone` a login role with `password` that is a member of `original` and, at login,
   * acts as it (`ALTER ROLE clone SET role = 'original'`, so whatever the clone creates is owned
   * by the original and ownership never splits). Missing clone: `CREATE ROLE clone WITH LOGIN
   * PASSWORD '<verifier>' IN ROLE original` (one statement: membership and password together,
   * like AWS's alternating-users template's CREATE ROLE + GRANT). Existing clone (or one
   * created concurrently): membership granted again, LOGIN and password set. Then the
   * `SET role` default, in both cases: a run interrupted anywhere converges when repeated.
   *
   * Grants needed by a non-superuser session user (PostgreSQL 16+): CREATEROLE, and ADMIN
   * OPTION on `original` (`GRANT original TO master WITH ADMIN OPTION`, which may add
   * `, INHERIT FALSE, SET FALSE` so the master does not use the app's privileges); the master
   * gets ADMIN OPTION on a clone it creates automatically. A clone created by another role
   * needs ADMIN OPTION granted on it too. Before 16, CREATEROLE suffices.
   *
   * @returns `created` or `refreshed`.
   * @throws RoleNameError, UnsupportedPasswordError before anything is sent; DatabaseStatementError.
   */
  ensureCloneRole(clone: string, original: string, password: string, options?: { reassignOwned?: boolean }): Promise<'created' | 'refreshed'>;
  /**
   * What `role` owns: in this database (and shared objects), named, and how many elsewhere. A clone
   * that owns objects (made by AWS's multi-user template, which gives it no `SET role`) would lose
   * access to them once it acts as the original.
   * @throws RoleNameError; DatabaseStatementError
   */
  ownedObjects(role: string): Promise<OwnedObjects>;
  /** Whether the session user may `REASSIGN OWNED BY from TO to`: superuser, or the privileges of both roles. @throws DatabaseStatementError */
  canReassignOwned(from: string, to: string): Promise<boolean>;
  /**
   * Where `role` stands relative to `original`: whether it exists, whether it is a direct member
   * of `original`, and which roles other than the session user and superusers hold ADMIN OPTION
   * on it (PostgreSQL 16+ grants it to a role's creator: they could reset its password).
   * @throws RoleNameError; DatabaseStatementError
   */
  roleStanding(role: string, original: string): Promise<RoleStanding>;
  /** Whether the session user may create roles at all (superuser or CREATEROLE). @throws DatabaseStatementError */
  canCreateRole(): Promise<boolean>;
  /**
   * Whether the session user may change `role`'s password and grant membership in it:
   * superuser; or CREATEROLE on a non-superuser role, with ADMIN OPTION on it from
   * PostgreSQL 16. False when the role does not exist. @throws DatabaseStatementError
   */
  canManageRole(role: string): Promise<boolean>;
  /** Runs `SELECT 1`. @throws DatabaseStatementError */
  ping(): Promise<void>;
  /** Ends the connection (bounded, never throws); later calls fail. */
  close(): Promise<void>;
}

/**
 * Logs in and returns a session. Every statement goes through one runner that calls
 * `deps.beforeStatement(label)` first; identifiers are quoted with pg's escapeIdentifier
 * and verifiers passed as literals (ALTER/CREATE ROLE take no bind parameters).
 * @throws DatabaseLoginError, DatabaseConnectionError (see connectClient).
 */
export async function openSession(deps: SessionDeps, creds: DbCredentials, options: ConnectOptions = {}): Promise<PostgresSession> {
  const client = await connectClient(creds, options);
  // Passwords this session was handed: scrubbed from any error text as a last defence.
  const secrets: string[] = [creds.password];

  const run = async (label: StatementLabel, sql: string, params: unknown[] = []): Promise<pg.QueryResult> => {
    try {
      await deps.beforeStatement?.(label);
      return await client.query(sql, params);
    } catch (err) {
      throw statementFailure(label, err, creds, secrets);
    }
  };
  const single = async <T>(label: StatementLabel, sql: string, params: unknown[] = []): Promise<T> => {
    const result = await run(label, sql, params);
    return (result.rows[0] as Record<string, T> | undefined)?.value as T;
  };
  const inTransaction = async (work: () => Promise<void>): Promise<void> => {
    await run('begin', 'BEGIN');
    try {
      await work();
      await run('commit', 'COMMIT');
    } catch (err) {
      // Bounded like every query; a failed ROLLBACK leaves nothing applied either (the session closes).
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  };
  const verifierFor = (password: string) => {
    secrets.push(password);
    return scramSha256Verifier(password);
  };

  const session: PostgresSession = {
    currentUser: () => single<string>('current-user', 'SELECT current_user AS value'),
    sessionUser: () => single<string>('session-user', 'SELECT session_user AS value'),

    async setPassword(role, password) {
      checkRoleName(role);
      const verifier = verifierFor(password);
      await run('set-password', `ALTER ROLE ${pg.escapeIdentifier(role)} WITH PASSWORD ${pg.escapeLiteral(verifier)}`);
    },

    async roleExists(role) {
      checkRoleName(role);
      return (await run('role-exists', 'SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role])).rowCount === 1;
    },

    async ensureCloneRole(clone, original, password, options = {}) {
      checkRoleName(clone);
      checkRoleName(original);
      if (clone === original) throw new RoleNameError(`the clone role must differ from the original role "${original}"`);
      const verifier = verifierFor(password);
      const cloneId = pg.escapeIdentifier(clone);
      const originalId = pg.escapeIdentifier(original);
      // One transaction (role DDL is transactional): a clone that can log in always has its
      // `SET role` default, so "the pending user logs in" keeps meaning "setSecret is done".
      const apply = (exists: boolean) =>
        inTransaction(async () => {
          if (!exists) {
            await run('create-clone', `CREATE ROLE ${cloneId} WITH LOGIN PASSWORD ${pg.escapeLiteral(verifier)} IN ROLE ${originalId}`);
          } else {
            await run('grant-clone-membership', `GRANT ${originalId} TO ${cloneId}`);
            await run('set-clone-password', `ALTER ROLE ${cloneId} WITH LOGIN PASSWORD ${pg.escapeLiteral(verifier)}`);
            // Before the clone acts as the original: what it owns becomes the original's, so it keeps access.
            if (options.reassignOwned) await run('reassign-owned', `REASSIGN OWNED BY ${cloneId} TO ${originalId}`);
          }
          await run('set-clone-role', `ALTER ROLE ${cloneId} SET role = ${pg.escapeLiteral(original)}`);
        });
      const exists = await session.roleExists(clone);
      try {
        await apply(exists);
        return exists ? 'refreshed' : 'created';
      } catch (err) {
        // Created meanwhile by a concurrent run: 42710 duplicate_object, or 23505 unique_violation when
        // both inserts reached pg_authid's index at once. Refresh it instead.
        if (exists || !(err instanceof DatabaseStatementError && (err.code === '42710' || err.code === '23505'))) throw err;
        await apply(true);
        return 'refreshed';
      }
    },

    async roleStanding(role, original) {
      checkRoleName(role);
      checkRoleName(original);
      const result = await run(
        'role-standing',
        `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1) AS exists,
                EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                          JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                          JOIN pg_catalog.pg_roles u ON u.oid = m.member
                         WHERE g.rolname = $2 AND u.rolname = $1) AS member,
                ARRAY(SELECT u.rolname::text FROM pg_catalog.pg_auth_members m
                        JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                        JOIN pg_catalog.pg_roles u ON u.oid = m.member
                       WHERE g.rolname = $1 AND m.admin_option AND NOT u.rolsuper AND u.rolname <> session_user
                       ORDER BY 1) AS admins`,
        [role, original],
      );
      const row = result.rows[0] as { exists: boolean; member: boolean; admins: string[] };
      return { exists: row.exists, memberOfOriginal: row.member, otherAdmins: row.admins };
    },

    async ownedObjects(role) {
      checkRoleName(role);
      const result = await run(
        'owned-objects',
        `WITH owned AS (
           SELECT d.classid, d.objid, d.objsubid, d.dbid IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())) AS here
             FROM pg_catalog.pg_shdepend d JOIN pg_catalog.pg_roles r ON r.oid = d.refobjid
            WHERE r.rolname = $1 AND d.deptype = 'o' AND d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass)
         SELECT (SELECT count(*) FROM owned WHERE here)::int AS here_count,
                (SELECT count(*) FROM owned WHERE NOT here)::int AS elsewhere_count,
                ARRAY(SELECT pg_catalog.pg_describe_object(classid, objid, objsubid) FROM owned WHERE here ORDER BY 1 LIMIT 50) AS here`,
        [role],
      );
      const row = result.rows[0] as { here_count: number; elsewhere_count: number; here: string[] };
      return { here: row.here, hereCount: row.here_count, elsewhereCount: row.elsewhere_count };
    },

    async canReassignOwned(from, to) {
      checkRoleName(from);
      checkRoleName(to);
      const can = await single<boolean | undefined>(
        'can-reassign-owned',
        `SELECT me.rolsuper OR (pg_catalog.pg_has_role(me.oid, $1::text, 'USAGE') AND pg_catalog.pg_has_role(me.oid, $2::text, 'USAGE')) AS value
           FROM pg_catalog.pg_roles me WHERE me.rolname = session_user`,
        [from, to],
      );
      return can === true;
    },

    async canCreateRole() {
      const can = await single<boolean | undefined>(
        'can-create-role',
        'SELECT rolsuper OR rolcreaterole AS value FROM pg_catalog.pg_roles WHERE rolname = current_user',
      );
      return can === true;
    },

    async canManageRole(role) {
      checkRoleName(role);
      const can = await single<boolean | undefined>(
        'can-manage-role',
        `SELECT me.rolsuper
             OR (me.rolcreaterole AND NOT target.rolsuper
                 AND (current_setting('server_version_num')::int < 160000
                      OR pg_catalog.pg_has_role(me.oid, target.oid, 'MEMBER WITH ADMIN OPTION'))) AS value
           FROM pg_catalog.pg_roles me, pg_catalog.pg_roles target
          WHERE me.rolname = current_user AND target.rolname = $1`,
        [role],
      );
      return can === true;
    },

    async ping() {
      await run('ping', 'SELECT 1');
    },

    close: () => closeClient(client),
  };
  return session;
}

/** PostgreSQL truncates identifiers over 63 bytes with only a NOTICE: refuse rather than act on another role. */
function checkRoleName(role: string): void {
  const bytes = Buffer.byteLength(role, 'utf8');
  if (bytes === 0) throw new RoleNameError('a role name cannot be empty');
  if (role.includes('\0')) throw new RoleNameError('a role name cannot contain NUL');
  if (bytes > MAX_ROLE_NAME_LENGTH) throw new RoleNameError(`role name of ${bytes} bytes is over PostgreSQL's ${MAX_ROLE_NAME_LENGTH}`);
}

function statementFailure(label: StatementLabel, err: unknown, creds: DbCredentials, secrets: string[]): DatabaseStatementError {
  const cause = redactError(err, secrets);
  const { message, code, sqlstate } = pgFailureOf(cause);
  return new DatabaseStatementError(
    redact(`${label} failed on ${describeLogin(creds)}: ${message}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}`, secrets),
    { cause, code: sqlstate ?? code, label },
  );
}
