import { describe, expect, it } from 'vitest';
import { DatabaseLoginError } from '../../src/postgres/errors.js';
import { createPostgresGateway } from '../../src/postgres/gateway.js';
import type { StatementLabel } from '../../src/postgres/session.js';
import { createLoginRole, newPassword, sessionsOf, superuserCredentials, usePostgres } from '../support/postgres.js';

const gatewayWith = (extra: Parameters<typeof createPostgresGateway>[0] = {}) =>
  createPostgresGateway({ caBundle: usePostgres().caCertPath, connectTimeoutMs: 5_000, ...extra });

describe('createPostgresGateway', () => {
  it('trusts the configured CA bundle', () => {
    // Act
    const gateway = gatewayWith({ onLambda: true });

    // Assess
    expect(gateway.caSource).toEqual({ kind: 'configured', bundle: usePostgres().caCertPath });
  });

  it('withSession returns what the work returns and closes the session', async () => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const user = await gatewayWith().withSession(role.credentials(), (s) => s.sessionUser());

    // Assess
    expect({ user, sessionsLeft: await sessionsOf(role.name) }).toEqual({ user: role.name, sessionsLeft: 0 });
  });

  it('withSession closes the session when the work fails', async () => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const run = gatewayWith().withSession(role.credentials(), async () => {
      throw new Error('work failed');
    });

    // Assess
    await expect(run).rejects.toThrow('work failed');
    expect(await sessionsOf(role.name)).toBe(0);
  });

  it('withSession passes statements through the beforeStatement hook', async () => {
    // Prepare
    const role = await createLoginRole();
    const labels: StatementLabel[] = [];
    const gateway = gatewayWith({ beforeStatement: (label) => void labels.push(label) });

    // Act
    await gateway.withSession(superuserCredentials(), (s) => s.setPassword(role.name, newPassword()));

    // Assess
    expect(labels).toEqual(['set-password']);
  });

  it.each([
    ['the password', (p: string) => p, true],
    ['another password', () => 'not-the-password', false],
  ])('canLogIn answers for %s', async (_, pick, expected) => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const ok = await gatewayWith().canLogIn({ ...role.credentials(), password: pick(role.password) });

    // Assess
    expect(ok).toBe(expected);
  });

  it('testLogin succeeds for credentials that log in and query', async () => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const test = gatewayWith().testLogin(role.credentials());

    // Assess
    await expect(test).resolves.toBeUndefined();
  });

  it('testLogin fails with DatabaseLoginError for a wrong password', async () => {
    // Prepare
    const role = await createLoginRole();

    // Act
    const test = gatewayWith().testLogin({ ...role.credentials(), password: 'not-the-password' });

    // Assess
    await expect(test).rejects.toThrow(DatabaseLoginError);
  });

  it('testLogin fails with DatabaseStatementError when its query fails', async () => {
    // Prepare
    const role = await createLoginRole();
    const gateway = gatewayWith({
      beforeStatement: () => {
        throw new Error('injected');
      },
    });

    // Act
    const test = gateway.testLogin(role.credentials());

    // Assess
    await expect(test).rejects.toMatchObject({ name: 'DatabaseStatementError', label: 'ping' });
  });
});
