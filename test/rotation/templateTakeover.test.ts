import { CreateSecretCommand, PutSecretValueCommand, TagResourceCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestAws, type TestAws } from '../support/endpoint.js';
import { createLoginRole, credentialsFor, uniqueName, usePostgres, withAdmin } from '../support/postgres.js';
import { logsIn, registerRotation, rotateAndWait, rotationDeps, stagesOf, valueOf } from '../support/rotation.js';
import { createPostgresGateway } from '../../src/postgres/gateway.js';

// A team switching from AWS's PostgreSQL rotation functions: keyroll takes their secrets over as
// the templates leave them, and the applications keep working.

const connect = async (user: string, password: string) => {
  const info = usePostgres();
  const client = new pg.Client({ host: info.host, port: info.port, user, password, database: 'postgres', ssl: { rejectUnauthorized: false } });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};

/**
 * A secret as AWS's multi-user template leaves it after two rotations: AWSCURRENT names `app_clone`
 * (created by the master with `CREATE ROLE … LOGIN PASSWORD` and `GRANT app TO app_clone`, no `SET
 * role`), AWSPREVIOUS `app`, AWSPENDING still on the current version; and the application, logged
 * in as `app_clone`, created a table of its own.
 */
async function templateLeftSecret(aws: TestAws, master: { username: string; password: string }) {
  const info = usePostgres();
  const app = await createLoginRole({ prefix: 'tplapp', databaseGrants: ['CONNECT'] });
  const clone = `${app.name}_clone`;
  const clonePassword = 'Template-Clone-1!';
  const table = `${app.name}_orders`;
  await withAdmin(async (admin) => {
    await admin.query(`GRANT CREATE ON SCHEMA public TO ${pg.escapeIdentifier(app.name)}`);
    await admin.query(`CREATE ROLE ${pg.escapeIdentifier(clone)} WITH LOGIN PASSWORD ${pg.escapeLiteral(clonePassword)}`);
    await admin.query(`GRANT ${pg.escapeIdentifier(app.name)} TO ${pg.escapeIdentifier(clone)}`);
  });
  const asClone = await connect(clone, clonePassword);
  await asClone.query(`CREATE TABLE ${pg.escapeIdentifier(table)} (id int)`);
  await asClone.query(`INSERT INTO ${pg.escapeIdentifier(table)} VALUES (1)`);
  await asClone.end();

  const masterArn = (
    await aws.sm.send(
      new CreateSecretCommand({
        Name: uniqueName('tplmaster'),
        SecretString: JSON.stringify({ engine: 'postgres', host: info.host, port: info.port, username: master.username, password: master.password }),
        Tags: [{ Key: 'keyroll:master', Value: 'true' }],
      }),
    )
  ).ARN!;
  const base = { engine: 'postgres', host: info.host, port: String(info.port), dbname: 'postgres', ssl: 'True', masterarn: masterArn };
  const arn = (await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('tpl'), SecretString: JSON.stringify({ ...base, username: app.name, password: app.password }) }))).ARN!;
  const put = await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ ...base, username: clone, password: clonePassword }) }));
  await aws.sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSPENDING', MoveToVersionId: put.VersionId }));
  return { arn, app, clone, table };
}

describe('taking over a secret from AWS\'s multi-user rotation function', () => {
  const aws = useTestAws();

  it('rotates it twice and the clone still reads and writes the tables it created under the template', async () => {
    // Prepare
    const info = usePostgres();
    const secret = await templateLeftSecret(aws, { username: info.superuser, password: info.superuserPassword });
    registerRotation(aws, rotationDeps(aws));

    // Act: the template's clone is current; keyroll flips to app, then back to the clone.
    await rotateAndWait(aws, secret.arn);
    const first = await valueOf(aws, secret.arn);
    await rotateAndWait(aws, secret.arn);
    const second = await valueOf(aws, secret.arn);

    // Assess
    expect([first.username, second.username]).toEqual([secret.app.name, secret.clone]);
    const asClone = await connect(second.username, second.password);
    try {
      await asClone.query(`INSERT INTO ${pg.escapeIdentifier(secret.table)} VALUES (2)`);
      const rows = (await asClone.query(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(secret.table)}`)).rows;
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await asClone.end();
    }
    const owner = await withAdmin((a) => a.query('SELECT tableowner FROM pg_tables WHERE tablename = $1', [secret.table]));
    expect(owner.rows).toEqual([{ tableowner: secret.app.name }]);
  });

  it('stops before changing anything, naming the objects and the command, when the master may not reassign them', async () => {
    // Prepare: a CREATEROLE master with ADMIN on app (PostgreSQL 16+ rules), no privileges of the clone.
    const masterRole = await createLoginRole({ prefix: 'tplm', attributes: ['CREATEROLE'], databaseGrants: ['CONNECT'] });
    const secret = await templateLeftSecret(aws, { username: masterRole.name, password: masterRole.password });
    await withAdmin(async (admin) => {
      await admin.query(`GRANT ${pg.escapeIdentifier(secret.app.name)} TO ${pg.escapeIdentifier(masterRole.name)} WITH ADMIN OPTION`);
      await admin.query(`GRANT ${pg.escapeIdentifier(secret.clone)} TO ${pg.escapeIdentifier(masterRole.name)} WITH ADMIN OPTION, INHERIT FALSE`);
    });
    const deps = rotationDeps(aws);
    registerRotation(aws, deps);
    await rotateAndWait(aws, secret.arn);
    const before = await valueOf(aws, secret.arn);

    // Act
    await rotateAndWait(aws, secret.arn);

    // Assess: the rotation stopped (AWSPENDING left), AWSCURRENT still logs in, the clone is untouched.
    const failure = aws.endpoint.lambdas.invocations.filter((i) => !i.ok).at(-1)?.error ?? '';
    expect(failure).toContain(`role "${secret.clone}" owns 1 object(s) (table ${secret.table})`);
    expect(failure).toContain(`run REASSIGN OWNED BY "${secret.clone}" TO "${secret.app.name}" as a role with the privileges of both`);
    expect(await valueOf(aws, secret.arn)).toEqual(before);
    expect(await logsIn(deps.db, before)).toBe(true);
    const config = await withAdmin((a) => a.query('SELECT rolconfig FROM pg_roles WHERE rolname = $1', [secret.clone]));
    expect(config.rows[0].rolconfig).toBeNull();
  });
});

describe('secrets the templates accept', () => {
  const aws = useTestAws();

  it('rotates "engine": "aurora-postgresql", a string port and "ssl": "True" (verified TLS)', async () => {
    // Prepare
    const info = usePostgres();
    const role = await createLoginRole({ prefix: 'aurora', databaseGrants: ['CONNECT'] });
    const arn = (
      await aws.sm.send(
        new CreateSecretCommand({
          Name: uniqueName('aurora'),
          SecretString: JSON.stringify({ engine: 'aurora-postgresql', host: 'localhost', port: String(info.port), username: role.name, password: role.password, ssl: 'True', dbname: null }),
        }),
      )
    ).ARN!;
    registerRotation(aws, rotationDeps(aws));

    // Act
    await rotateAndWait(aws, arn);

    // Assess
    const current = await valueOf(aws, arn);
    expect(current.password).not.toBe(role.password);
    expect(await rotationDeps(aws).db.canLogIn(credentialsFor(role.name, current.password as string, 'verify-full'))).toBe(true);
  });

  it('refuses "ssl": true against a server whose certificate it cannot verify, as the templates do', async () => {
    // Prepare: a function that trusts only Node's public CAs, not the test server's.
    const role = await createLoginRole({ prefix: 'untrusted', databaseGrants: ['CONNECT'] });
    const arn = (
      await aws.sm.send(
        new CreateSecretCommand({
          Name: uniqueName('untrusted'),
          SecretString: JSON.stringify({ engine: 'postgres', host: 'localhost', port: usePostgres().port, username: role.name, password: role.password, ssl: true }),
        }),
      )
    ).ARN!;
    registerRotation(aws, { ...rotationDeps(aws), db: createPostgresGateway({ connectTimeoutMs: 5_000 }) });

    // Act
    await rotateAndWait(aws, arn);

    // Assess
    expect(aws.endpoint.lambdas.invocations.filter((i) => !i.ok).at(-1)?.error).toMatch(/TLS verify-full.*TLS failed/);
    expect((await valueOf(aws, arn)).password).toBe(role.password);
  });

  it('rotates alternating users through an RDS-managed master ({username, password} only, host from RDS)', async () => {
    // Prepare: an RDS instance answering at the test server, its master password managed by RDS.
    const info = usePostgres();
    const seeded = aws.endpoint.rds.addInstance({
      dbInstanceIdentifier: uniqueName('db').replaceAll('_', '-'),
      endpoint: { address: info.host, port: info.port },
      masterUsername: info.superuser,
      manageMasterUserPassword: { password: info.superuserPassword },
    });
    await aws.sm.send(new TagResourceCommand({ SecretId: seeded.masterUserSecretArn, Tags: [{ Key: 'keyroll:master', Value: 'true' }] }));
    const role = await createLoginRole({ prefix: 'rdsapp', databaseGrants: ['CONNECT'] });
    const arn = (
      await aws.sm.send(
        new CreateSecretCommand({
          Name: uniqueName('rdsapp'),
          SecretString: JSON.stringify({ engine: 'postgres', host: info.host, port: info.port, username: role.name, password: role.password, sslmode: 'verify-full', masterarn: seeded.masterUserSecretArn }),
        }),
      )
    ).ARN!;
    registerRotation(aws, rotationDeps(aws));

    // Act
    await rotateAndWait(aws, arn);

    // Assess
    const current = await valueOf(aws, arn);
    expect(current.username).toBe(`${role.name}_clone`);
    expect(await logsIn(rotationDeps(aws).db, current)).toBe(true);
    expect(aws.endpoint.requestLog.some((r) => r.service === 'rds' && r.operation === 'DescribeDBInstances')).toBe(true);
  });

  it('finishes the rotation when "Secret Rotated" cannot be published: AWSCURRENT moved, no AWSPENDING, the step succeeded', async () => {
    // Prepare
    const role = await createLoginRole({ prefix: 'nopub', databaseGrants: ['CONNECT'] });
    const info = usePostgres();
    const arn = (
      await aws.sm.send(
        new CreateSecretCommand({ Name: uniqueName('nopub'), SecretString: JSON.stringify({ engine: 'postgres', host: info.host, port: info.port, username: role.name, password: role.password, sslmode: 'verify-full' }) }),
      )
    ).ARN!;
    registerRotation(aws, rotationDeps(aws));
    const before = aws.endpoint.lambdas.invocations.length;
    aws.endpoint.injectFault({ operation: 'events.PutEvents', forMs: 60_000, errorType: 'AccessDeniedException' });

    // Act
    const token = await rotateAndWait(aws, arn);
    aws.endpoint.clearFaults();

    // Assess
    expect(await stagesOf(aws, arn)).toMatchObject({ [token]: ['AWSCURRENT'] });
    expect(aws.endpoint.lambdas.invocations.slice(before).filter((i) => !i.ok)).toEqual([]);
    expect(aws.endpoint.requestLog.some((r) => r.operation === 'PutEvents' && r.outcome === 'AccessDeniedException')).toBe(true);
    expect(await logsIn(rotationDeps(aws).db, await valueOf(aws, arn))).toBe(true);
  });

  it('keeps the database\'s own reason when a single user can no longer log in', async () => {
    // Prepare: the role lost LOGIN (SQLSTATE 28000).
    const role = await createLoginRole({ prefix: 'nologin', databaseGrants: ['CONNECT'] });
    await withAdmin((a) => a.query(`ALTER ROLE ${pg.escapeIdentifier(role.name)} NOLOGIN`));
    const info = usePostgres();
    const arn = (
      await aws.sm.send(
        new CreateSecretCommand({ Name: uniqueName('nologin'), SecretString: JSON.stringify({ engine: 'postgres', host: info.host, port: info.port, username: role.name, password: role.password, sslmode: 'verify-full' }) }),
      )
    ).ARN!;
    registerRotation(aws, rotationDeps(aws));

    // Act
    await rotateAndWait(aws, arn);

    // Assess
    const failure = aws.endpoint.lambdas.invocations.filter((i) => !i.ok).at(-1)?.error ?? '';
    expect(failure).toMatch(/not permitted to log in.*SQLSTATE 28000/);
    expect(failure).toContain('there is no usable AWSPREVIOUS');
  });
});
