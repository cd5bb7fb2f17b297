import { describe, expect, it } from 'vitest';
import { checkLogin } from '../../src/postgres/checkLogin.js';
import { DatabaseConnectionError } from '../../src/postgres/errors.js';
import { closedPort, createLoginRole, startSilentServer, usePostgres } from '../support/postgres.js';

const options = () => ({ caBundle: usePostgres().caCertPath });

describe('checkLogin', () => {
  it('answers true for credentials that log in', async () => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const ok = await checkLogin(role.credentials('verify-full'), options());

    // Assess
    expect(ok).toBe(true);
  });

  it('answers false for a wrong password', async () => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const ok = await checkLogin({ ...role.credentials('verify-full'), password: 'not-the-password' }, options());

    // Assess
    expect(ok).toBe(false);
  });

  it('throws, rather than answering false, for a role without LOGIN (28000 says nothing about the password)', async () => {
    // Prepare
    const role = await createLoginRole({ attributes: ['NOLOGIN'] });

    // Act
    const err = await checkLogin(role.credentials('verify-full'), options()).catch((e: Error) => e);

    // Assess
    expect(err).toMatchObject({ name: 'DatabaseLoginError', code: '28000' });
  });

  it('throws DatabaseConnectionError, not false, when the server cannot be reached', async () => {
    // Prepare
    const role = await createLoginRole();
    const port = await closedPort();

    // Act
    const check = checkLogin({ ...role.credentials('require'), port }, options());

    // Assess
    await expect(check).rejects.toThrow(DatabaseConnectionError);
  });

  it('throws DatabaseConnectionError, not false, when the connect times out', async () => {
    // Prepare
    const role = await createLoginRole();
    const silent = await startSilentServer();

    // Act
    const check = checkLogin({ ...role.credentials('require'), port: silent.port }, { connectTimeoutMs: 200 });

    // Assess
    try {
      await expect(check).rejects.toMatchObject({ name: 'DatabaseConnectionError', reason: 'timeout' });
    } finally {
      await silent.close();
    }
  });

  it('throws DatabaseConnectionError, not false, when TLS verification fails', async () => {
    // Prepare
    const role = await createLoginRole();

    // Act: Node's default CAs do not trust the test server.
    const check = checkLogin(role.credentials('verify-full'));

    // Assess
    await expect(check).rejects.toMatchObject({ name: 'DatabaseConnectionError', reason: 'tls' });
  });
});
