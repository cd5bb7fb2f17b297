import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type LocalPostgres } from '../../local/postgres.js';
import { closeClient, connectClient, type DbCredentials } from '../../src/postgres/connect.js';
import { DatabaseConnectionError, DatabaseLoginError } from '../../src/postgres/errors.js';
import type { SslMode } from '../../src/secret.js';
import {
  closedPort,
  createLoginRole,
  startCleartextServer,
  startForwarder,
  startSilentServer,
  usePostgres,
  type TestRole,
} from '../support/postgres.js';
import { captureError } from '../support/captureError.js';

/** Whether the session runs over TLS, as the server sees it. */
async function usesTls(client: pg.Client): Promise<boolean> {
  return (await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl as boolean;
}

async function tlsOf(creds: DbCredentials, caBundle?: string): Promise<boolean> {
  const client = await connectClient(creds, { caBundle });
  try {
    return await usesTls(client);
  } finally {
    await closeClient(client);
  }
}

describe('connectClient on a TLS server', () => {
  const server = usePostgres();
  let role: TestRole;
  beforeAll(async () => {
    role = await createLoginRole();
  });

  it.each<[SslMode, boolean]>([
    ['disable', false],
    ['prefer', true],
    ['require', true],
    ['verify-ca', true],
    ['verify-full', true],
  ])('logs in with TLS mode %s (TLS used: %s)', async (mode, tls) => {
    // Act
    const used = await tlsOf(role.credentials(mode), server.caCertPath);

    // Assess
    expect(used).toBe(tls);
  });

  it('verifies the host name localhost under verify-full', async () => {
    // Act
    const used = await tlsOf({ ...role.credentials('verify-full'), host: 'localhost' }, server.caCertPath);

    // Assess
    expect(used).toBe(true);
  });

  it('takes the CA bundle as PEM text as well as a path', async () => {
    // Prepare
    const pem = await readFile(server.caCertPath, 'utf8');

    // Act
    const used = await tlsOf(role.credentials('verify-full'), pem);

    // Assess
    expect(used).toBe(true);
  });

  it('rejects under verify-full a host name the certificate does not name', async () => {
    // Prepare: 127.0.0.2 reaches the same server but is not in its certificate.
    const forwarder = await startForwarder(server.port);

    // Act
    const err = await captureError(tlsOf({ ...role.credentials('verify-full'), host: forwarder.host, port: forwarder.port }, server.caCertPath));
    await forwarder.close();

    // Assess
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect(err).toMatchObject({ reason: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(err.message).toContain(`127.0.0.2:${forwarder.port} as "${role.name}"`);
  });

  it('accepts under verify-ca a host name the certificate does not name', async () => {
    // Prepare
    const forwarder = await startForwarder(server.port);

    // Act
    const used = await tlsOf({ ...role.credentials('verify-ca'), host: forwarder.host, port: forwarder.port }, server.caCertPath);
    await forwarder.close();

    // Assess
    expect(used).toBe(true);
  });

  it.each<SslMode>(['verify-ca', 'verify-full'])('rejects under %s a server whose CA is not trusted', async (mode) => {
    // Act: no bundle, so Node's default CAs, which do not hold the test CA.
    const err = await captureError(tlsOf(role.credentials(mode)));

    // Assess
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect(err).toMatchObject({ reason: 'tls' });
    expect(err.message).toContain("trusted: Node's default CAs");
  });

  it('names the CA bundle it cannot read', async () => {
    // Act
    const err = await captureError(tlsOf(role.credentials('verify-full'), '/nonexistent/ca-bundle.pem'));

    // Assess
    expect(err).toMatchObject({ reason: 'tls', code: 'ENOENT' });
    expect(err.message).toContain('cannot read the CA bundle /nonexistent/ca-bundle.pem');
  });

  it('does not retry in plaintext when a preferred TLS login is refused', async () => {
    // Prepare
    const forwarder = await startForwarder(server.port, '127.0.0.1');

    // Act
    const err = await captureError(connectClient({ ...role.credentials('prefer'), port: forwarder.port, password: 'wrong-password' }));
    const connections = forwarder.connections;
    await forwarder.close();

    // Assess
    expect({ error: err.name, connections }).toEqual({ error: 'DatabaseLoginError', connections: 1 });
  });

  describe('with a wrong password', () => {
    const password = 'Wr0ng-Secret-Value!';
    let err: Error;
    beforeAll(async () => {
      err = (await captureError(connectClient({ ...role.credentials('verify-full'), password }, { caBundle: server.caCertPath }))) as Error;
    });

    it('fails with DatabaseLoginError naming host, port, user and SQLSTATE', () => {
      // Assess
      expect(err).toBeInstanceOf(DatabaseLoginError);
      expect(err.message).toBe(
        `cannot log in to ${server.host}:${server.port} as "${role.name}" (database "postgres"): password authentication failed for user "${role.name}" (SQLSTATE 28P01)`,
      );
    });

    it('keeps the pg error in cause', () => {
      // Assess
      expect(err.cause).toMatchObject({ code: '28P01', severity: 'FATAL' });
    });

    it.each<[string, (e: Error) => string]>([
      ['message', (e) => e.message],
      ['stack', (e) => e.stack ?? ''],
      ['JSON', (e) => JSON.stringify(e)],
      ['util.inspect', (e) => inspect(e, { depth: Infinity, showHidden: true })],
      ['cause', (e) => inspect(e.cause, { depth: Infinity, showHidden: true })],
    ])('keeps the password out of its %s', (_, render) => {
      // Assess
      expect(render(err)).not.toContain(password);
    });
  });

  it('fails with DatabaseLoginError for a role that does not exist', async () => {
    // Act
    const err = await captureError(connectClient({ ...role.credentials('require'), username: 'kr_nobody_here' }));

    // Assess
    expect(err).toBeInstanceOf(DatabaseLoginError);
  });

  it('fails with a server DatabaseConnectionError for a database that does not exist', async () => {
    // Act
    const err = await captureError(connectClient({ ...role.credentials('require'), dbname: 'kr_no_such_db' }));

    // Assess
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect(err).toMatchObject({ reason: 'server', code: '3D000' });
  });
});

describe('connectClient on a server without TLS', () => {
  let plain: LocalPostgres;
  let creds: DbCredentials;
  beforeAll(async () => {
    plain = await startPostgres({ tls: false });
    creds = {
      host: plain.host,
      port: plain.port,
      username: plain.superuser,
      password: plain.superuserPassword,
      dbname: 'postgres',
      sslMode: 'prefer',
    };
  });
  afterAll(async () => {
    await plain?.stop();
  });

  it('falls back to plaintext under prefer', async () => {
    // Act
    const used = await tlsOf(creds);

    // Assess
    expect(used).toBe(false);
  });

  it.each<SslMode>(['require', 'verify-ca', 'verify-full'])('refuses plaintext under %s', async (mode) => {
    // Act
    const err = await captureError(tlsOf({ ...creds, sslMode: mode }));

    // Assess
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect(err).toMatchObject({ reason: 'no-tls' });
    expect(err.message).toContain('the server does not offer TLS');
  });
});

describe('connectClient when the server cannot be used', () => {
  const creds = (port: number, sslMode: SslMode = 'require'): DbCredentials => ({
    host: '127.0.0.1',
    port,
    username: 'app',
    password: 'Secret-Value-123',
    dbname: 'postgres',
    sslMode,
  });

  it('gives up after the connect timeout on a server that never answers', async () => {
    // Prepare
    const silent = await startSilentServer();

    // Act
    const err = await captureError(connectClient(creds(silent.port), { connectTimeoutMs: 300 }));
    await silent.close();

    // Assess
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect(err).toMatchObject({ reason: 'timeout' });
    expect(err.message).toContain('no session within 300 ms');
  });

  it('reports a refused connection as a network failure', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const err = await captureError(connectClient(creds(port)));

    // Assess
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect(err).toMatchObject({ reason: 'network', code: 'ECONNREFUSED' });
  });

  it.each<SslMode>(['disable', 'prefer'])('never sends the password to a server asking for it in cleartext (%s)', async (mode) => {
    // Prepare
    const fake = await startCleartextServer();

    // Act
    const err = await captureError(connectClient(creds(fake.port, mode)));
    const received = fake.received().toString('latin1');
    await fake.close();

    // Assess
    expect(err).toMatchObject({ name: 'DatabaseConnectionError', reason: 'auth-method' });
    expect(received).toContain('app');
    expect(received).not.toContain('Secret-Value-123');
  });
});
