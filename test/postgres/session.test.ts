import { inspect } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkLogin } from '../../src/postgres/checkLogin.js';
import { closeClient, connectClient, type DbCredentials } from '../../src/postgres/connect.js';
import { DatabaseStatementError, RoleNameError } from '../../src/postgres/errors.js';
import { openSession, type PostgresSession, type SessionDeps, type StatementLabel } from '../../src/postgres/session.js';
import {
  createLoginRole,
  newPassword,
  superuserCredentials,
  uniqueName,
  usePostgres,
  waitForStatementLog,
  withAdmin,
  type TestRole,
} from '../support/postgres.js';
import { captureError } from '../support/captureError.js';

const options = () => ({ caBundle: usePostgres().caCertPath });
const logsIn = (creds: DbCredentials) => checkLogin(creds, options());

async function withSessionAs<T>(creds: DbCredentials, work: (s: PostgresSession) => Promise<T>, deps: SessionDeps = {}): Promise<T> {
  const session = await openSession(deps, creds, options());
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

const asSuperuser = <T>(work: (s: PostgresSession) => Promise<T>, deps: SessionDeps = {}) => withSessionAs(superuserCredentials(), work, deps);

/** `session_user` and `current_user` of a fresh login. */
async function identityOf(creds: DbCredentials): Promise<{ sessionUser: string; currentUser: string }> {
  return withSessionAs(creds, async (s) => ({ sessionUser: await s.sessionUser(), currentUser: await s.currentUser() }));
}

/** A non-superuser master as on RDS: CREATEROLE, plus ADMIN OPTION on the app role (PostgreSQL 16+), without using its privileges. */
async function createMasterFor(app: TestRole): Promise<TestRole> {
  const master = await createLoginRole({ prefix: 'kr_master', attributes: ['CREATEROLE'] });
  await withAdmin((admin) =>
    admin.query(`GRANT ${pg.escapeIdentifier(app.name)} TO ${pg.escapeIdentifier(master.name)} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`),
  );
  return master;
}

const cloneCredentials = (app: TestRole, password: string): DbCredentials => ({ ...app.credentials(), username: `${app.name}_clone`, password });

describe('PostgresSession.setPassword', () => {
  it('sets a password the role logs in with, and the old one stops working', async () => {
    // Prepare
    const role = await createLoginRole();
    const password = newPassword();

    // Act
    await asSuperuser((s) => s.setPassword(role.name, password));

    // Assess
    expect({ fresh: await logsIn({ ...role.credentials(), password }), old: await logsIn(role.credentials()) }).toEqual({
      fresh: true,
      old: false,
    });
  });

  it('sends a SCRAM verifier and never the plaintext, as the statement log shows', async () => {
    // Prepare
    const role = await createLoginRole();
    const password = newPassword();

    // Act
    await asSuperuser((s) => s.setPassword(role.name, password));

    // Assess
    const log = await waitForStatementLog(`ALTER ROLE "${role.name}" WITH PASSWORD 'SCRAM-SHA-256$4096:`);
    expect(log).not.toContain(password);
  });

  it("lets a role change its own password (single user)", async () => {
    // Prepare
    const role = await createLoginRole();
    const password = newPassword();

    // Act
    await withSessionAs(role.credentials(), (s) => s.setPassword(role.name, password));

    // Assess
    expect(await logsIn({ ...role.credentials(), password })).toBe(true);
  });

  it('quotes a role name made to break out of the statement', async () => {
    // Prepare
    const sentinel = await createLoginRole({ prefix: 'kr_sentinel' });
    const nasty = await createLoginRole({ name: `we"ird; DROP ROLE ${sentinel.name}` });
    const password = newPassword();

    // Act
    await asSuperuser((s) => s.setPassword(nasty.name, password));

    // Assess
    const sentinelExists = await asSuperuser((s) => s.roleExists(sentinel.name));
    expect({ logsIn: await logsIn({ ...nasty.credentials(), password }), sentinelExists }).toEqual({ logsIn: true, sentinelExists: true });
  });

  it('fails with DatabaseStatementError naming the label, the server, the user and the SQLSTATE', async () => {
    // Prepare
    const server = usePostgres();
    const password = newPassword();

    // Act
    const err = await captureError(asSuperuser((s) => s.setPassword(uniqueName('kr_missing'), password)));

    // Assess
    expect(err).toBeInstanceOf(DatabaseStatementError);
    expect(err).toMatchObject({ label: 'set-password', code: '42704' });
    expect(err.message).toMatch(new RegExp(`^set-password failed on ${server.host}:${server.port} as "postgres": role ".*" does not exist \\(SQLSTATE 42704\\)$`));
    expect(inspect(err, { depth: Infinity })).not.toContain(password);
  });

  it('refuses a role name PostgreSQL would truncate, before sending anything', async () => {
    // Prepare
    const labels: StatementLabel[] = [];

    // Act
    const err = await captureError(asSuperuser((s) => s.setPassword('r'.repeat(64), newPassword()), { beforeStatement: (l) => void labels.push(l) }));

    // Assess
    expect({ error: err.name, labels }).toEqual({ error: 'RoleNameError', labels: [] });
  });
});

describe('PostgresSession.roleExists', () => {
  it.each<[string, (name: string) => string, boolean]>([
    ['the exact name', (n) => n, true],
    ['the name in another case', (n) => n.toUpperCase(), false],
    ['another name', (n) => `${n}_x`, false],
  ])('answers for %s', async (_, variant, expected) => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const exists = await asSuperuser((s) => s.roleExists(variant(role.name)));

    // Assess
    expect(exists).toBe(expected);
  });
});

describe('PostgresSession.ensureCloneRole', () => {
  it('creates a clone that logs in and acts as the original role', async () => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const password = newPassword();

    // Act
    const outcome = await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, password));

    // Assess
    expect({ outcome, identity: await identityOf(cloneCredentials(app, password)) }).toEqual({
      outcome: 'created',
      identity: { sessionUser: `${app.name}_clone`, currentUser: app.name },
    });
  });

  it('makes what the clone creates belong to the original role', async () => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const schema = uniqueName('kr_schema');
    await withAdmin((admin) => admin.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${app.name}`));
    const password = newPassword();
    await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, password));

    // Act
    const client = await connectClient(cloneCredentials(app, password), options());
    await client.query(`CREATE TABLE ${schema}.made_by_clone (id int)`);
    await closeClient(client);

    // Assess
    const owner = await withAdmin(
      async (admin) => (await admin.query('SELECT tableowner FROM pg_tables WHERE schemaname = $1', [schema])).rows[0].tableowner,
    );
    expect(owner).toBe(app.name);
  });

  it('refreshes an existing clone: new password, membership and role kept', async () => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const first = newPassword();
    const second = newPassword();
    await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, first));

    // Act
    const outcome = await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, second));

    // Assess
    expect({
      outcome,
      old: await logsIn(cloneCredentials(app, first)),
      identity: await identityOf(cloneCredentials(app, second)),
    }).toEqual({ outcome: 'refreshed', old: false, identity: { sessionUser: `${app.name}_clone`, currentUser: app.name } });
  });

  it.each<[string, StatementLabel[]]>([
    ['a missing clone', ['role-exists', 'begin', 'create-clone', 'set-clone-role', 'commit']],
    ['an existing clone', ['role-exists', 'begin', 'grant-clone-membership', 'set-clone-password', 'set-clone-role', 'commit']],
  ])('runs labelled statements for %s', async (which, expected) => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    if (which === 'an existing clone') await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, newPassword()));
    const labels: StatementLabel[] = [];

    // Act
    await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, newPassword()), { beforeStatement: (l) => void labels.push(l) });

    // Assess
    expect(labels).toEqual(expected);
  });

  it.each<StatementLabel>(['role-exists', 'begin', 'create-clone', 'set-clone-role', 'commit'])(
    'converges when run again after %s failed',
    async (failing) => {
      // Prepare
      const app = await createLoginRole({ prefix: 'kr_app' });
      const password = newPassword();
      const failOnce: SessionDeps = {
        beforeStatement: (label) => {
          if (label === failing) throw new Error(`injected failure of ${label}`);
        },
      };
      const err = await captureError(asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, password), failOnce));

      // Act
      await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, password));

      // Assess
      expect(err).toMatchObject({ name: 'DatabaseStatementError', label: failing });
      expect(await identityOf(cloneCredentials(app, password))).toEqual({ sessionUser: `${app.name}_clone`, currentUser: app.name });
    },
  );

  it('leaves no clone behind when a statement after its creation fails (one transaction)', async () => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const password = newPassword();
    const failRole: SessionDeps = {
      beforeStatement: (label) => {
        if (label === 'set-clone-role') throw new Error('injected failure of set-clone-role');
      },
    };
    // Act
    await captureError(asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, password), failRole));
    // Assess
    expect(await logsIn(cloneCredentials(app, password))).toBe(false);
  });

  it('refreshes instead when the clone appears between its check and its creation', async () => {
    // Prepare: a concurrent run creates the clone just before this one's CREATE ROLE.
    const app = await createLoginRole({ prefix: 'kr_app' });
    const password = newPassword();
    const raceOnCreate: SessionDeps = {
      beforeStatement: async (label) => {
        if (label === 'create-clone') await createLoginRole({ name: `${app.name}_clone` });
      },
    };

    // Act
    const outcome = await asSuperuser((s) => s.ensureCloneRole(`${app.name}_clone`, app.name, password), raceOnCreate);

    // Assess
    expect({ outcome, identity: await identityOf(cloneCredentials(app, password)) }).toEqual({
      outcome: 'refreshed',
      identity: { sessionUser: `${app.name}_clone`, currentUser: app.name },
    });
  });

  it('works for a non-superuser master with CREATEROLE and ADMIN OPTION on the original', async () => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const master = await createMasterFor(app);
    const first = newPassword();
    const second = newPassword();

    // Act
    const outcomes = await withSessionAs(master.credentials(), async (s) => [
      await s.ensureCloneRole(`${app.name}_clone`, app.name, first),
      await s.ensureCloneRole(`${app.name}_clone`, app.name, second),
    ]);

    // Assess
    expect({ outcomes, identity: await identityOf(cloneCredentials(app, second)) }).toEqual({
      outcomes: ['created', 'refreshed'],
      identity: { sessionUser: `${app.name}_clone`, currentUser: app.name },
    });
  });

  it("lets that master set the original role's password", async () => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const master = await createMasterFor(app);
    const password = newPassword();

    // Act
    await withSessionAs(master.credentials(), (s) => s.setPassword(app.name, password));

    // Assess
    expect(await logsIn({ ...app.credentials(), password })).toBe(true);
  });

  it('fails for a CREATEROLE master without ADMIN OPTION on the original (PostgreSQL 16+)', async () => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const master = await createLoginRole({ prefix: 'kr_master', attributes: ['CREATEROLE'] });

    // Act
    const err = await captureError(withSessionAs(master.credentials(), (s) => s.ensureCloneRole(`${app.name}_clone`, app.name, newPassword())));

    // Assess
    expect(err).toMatchObject({ name: 'DatabaseStatementError', label: 'create-clone', code: '42501' });
  });

  it('refuses a clone named as the original', async () => {
    // Act
    const err = await captureError(asSuperuser((s) => s.ensureCloneRole('kr_same', 'kr_same', newPassword())));

    // Assess
    expect(err).toBeInstanceOf(RoleNameError);
  });
});

describe('PostgresSession privilege checks', () => {
  it.each<[string, string[], boolean]>([
    ['a plain role', [], false],
    ['a CREATEROLE role', ['CREATEROLE'], true],
    ['a superuser', ['SUPERUSER'], true],
  ])('canCreateRole answers for %s', async (_, attributes, expected) => {
    // Prepare
    const role = await createLoginRole({ attributes });

    // Act
    const can = await withSessionAs(role.credentials(), (s) => s.canCreateRole());

    // Assess
    expect(can).toBe(expected);
  });

  it.each<[string, 'admin' | 'createrole' | 'superuser', boolean]>([
    ['a CREATEROLE master with ADMIN OPTION', 'admin', true],
    ['a CREATEROLE master without ADMIN OPTION', 'createrole', false],
    ['a superuser', 'superuser', true],
  ])('canManageRole answers for %s', async (_, kind, expected) => {
    // Prepare
    const app = await createLoginRole({ prefix: 'kr_app' });
    const master =
      kind === 'admin'
        ? await createMasterFor(app)
        : await createLoginRole({ prefix: 'kr_master', attributes: [kind === 'superuser' ? 'SUPERUSER' : 'CREATEROLE'] });

    // Act
    const can = await withSessionAs(master.credentials(), (s) => s.canManageRole(app.name));

    // Assess
    expect(can).toBe(expected);
  });

  it('canManageRole answers false for a role that does not exist', async () => {
    // Act
    const can = await asSuperuser((s) => s.canManageRole(uniqueName('kr_missing')));

    // Assess
    expect(can).toBe(false);
  });
});

describe('PostgresSession.close', () => {
  it('makes later statements fail with DatabaseStatementError', async () => {
    // Prepare
    const session = await openSession({}, superuserCredentials(), options());
    await session.close();

    // Act
    const err = await captureError(session.ping());

    // Assess
    expect(err).toMatchObject({ name: 'DatabaseStatementError', label: 'ping' });
  });
});
