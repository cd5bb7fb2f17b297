import { describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { waitForStatementLog } from '../support/postgres.js';
import { TAG_STRATEGY } from '../../src/tags.js';
import { registerRotation, rotateAndWait, rotationDeps, seedSecret, valueOf } from '../support/rotation.js';

// Every statement that sets a password sends a SCRAM-SHA-256 verifier, never the plaintext: the
// server's statement log (log_statement=all) holds no password a rotation generated.
const VERIFIER = "'SCRAM-SHA-256$4096:";

describe('statements that set a password', () => {
  const aws = useTestAws();

  it('send a verifier when a single user sets its own password', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    registerRotation(aws, rotationDeps(aws));

    // Act
    await rotateAndWait(aws, secret.arn);

    // Assess
    const { password } = await valueOf(aws, secret.arn);
    const log = await waitForStatementLog(`ALTER ROLE "${secret.role.name}" WITH PASSWORD ${VERIFIER}`);
    expect(log).not.toContain(password);
  });

  it('send a verifier when the master sets a single user password', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true, tags: [{ Key: TAG_STRATEGY, Value: 'single-user' }] });
    registerRotation(aws, rotationDeps(aws));

    // Act
    await rotateAndWait(aws, secret.arn);

    // Assess
    const value = await valueOf(aws, secret.arn);
    expect(value.username).toBe(secret.role.name);
    const log = await waitForStatementLog(`${secret.master!.role.name}@postgres LOG:  statement: ALTER ROLE "${secret.role.name}" WITH PASSWORD ${VERIFIER}`);
    expect(log).not.toContain(value.password);
  });

  it('send a verifier when the master creates the clone, sets the original back and refreshes the clone', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });
    registerRotation(aws, rotationDeps(aws));
    const clone = `${secret.role.name}_clone`;

    // Act: clone created, then the original's turn, then the existing clone refreshed.
    await rotateAndWait(aws, secret.arn);
    const created = await valueOf(aws, secret.arn);
    await rotateAndWait(aws, secret.arn);
    const original = await valueOf(aws, secret.arn);
    await rotateAndWait(aws, secret.arn);
    const refreshed = await valueOf(aws, secret.arn);

    // Assess
    expect([created.username, original.username, refreshed.username]).toEqual([clone, secret.role.name, clone]);
    await waitForStatementLog(`CREATE ROLE "${clone}" WITH LOGIN PASSWORD ${VERIFIER}`);
    await waitForStatementLog(`${secret.master!.role.name}@postgres LOG:  statement: ALTER ROLE "${secret.role.name}" WITH PASSWORD ${VERIFIER}`);
    const log = await waitForStatementLog(`ALTER ROLE "${clone}" WITH LOGIN PASSWORD ${VERIFIER}`);
    for (const { password } of [created, original, refreshed]) expect(log).not.toContain(password);
  });
});
