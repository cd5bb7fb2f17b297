import { createHash, createHmac } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkLogin } from '../../src/postgres/checkLogin.js';
import { UnsupportedPasswordError } from '../../src/postgres/errors.js';
import { scramSha256Verifier } from '../../src/postgres/scramSha256Verifier.js';
import { createLoginRole, usePostgres, withAdmin } from '../support/postgres.js';

const parse = (verifier: string) => {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  if (!match) throw new Error(`not a SCRAM-SHA-256 verifier: ${verifier}`);
  return {
    iterations: Number(match[1]),
    salt: Buffer.from(match[2]!, 'base64'),
    storedKey: Buffer.from(match[3]!, 'base64'),
    serverKey: Buffer.from(match[4]!, 'base64'),
  };
};

describe('scramSha256Verifier', () => {
  it("agrees with RFC 7677's example exchange (user, pencil)", () => {
    // Prepare: the RFC's messages; the server side of SCRAM needs only StoredKey and ServerKey.
    const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const clientFinalWithoutProof = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const clientProof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');

    // Act
    const verifier = parse(scramSha256Verifier('pencil', { salt: Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64') }));

    // Assess: the server signature matches, and the client proof recovers a ClientKey whose hash is StoredKey.
    const serverSignature = createHmac('sha256', verifier.serverKey).update(authMessage).digest('base64');
    const clientSignature = createHmac('sha256', verifier.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(clientProof.map((b, i) => b ^ clientSignature[i]!));
    expect({
      serverSignature,
      storedKeyMatches: createHash('sha256').update(clientKey).digest().equals(verifier.storedKey),
    }).toEqual({ serverSignature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', storedKeyMatches: true });
  });

  it('computes exactly what PostgreSQL stores for the same password and salt', async () => {
    // Prepare: let the server hash a plaintext password (test only), then read its secret.
    const password = 'Aa1!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ tab\there';
    const role = await createLoginRole({ password });
    const stored = await withAdmin(
      async (admin) => (await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role.name])).rows[0].rolpassword as string,
    );
    const { iterations, salt } = parse(stored);

    // Act
    const verifier = scramSha256Verifier(password, { iterations, salt });

    // Assess
    expect(verifier).toBe(stored);
  });

  it('makes a verifier the server accepts for logging in', async () => {
    // Prepare
    const role = await createLoginRole();
    const password = 'fresh-Passw0rd!';
    await withAdmin((admin) => admin.query(`ALTER ROLE ${pg.escapeIdentifier(role.name)} PASSWORD ${pg.escapeLiteral(scramSha256Verifier(password))}`));

    // Act
    const logsIn = await checkLogin({ ...role.credentials('verify-full'), password }, { caBundle: usePostgres().caCertPath });

    // Assess
    expect(logsIn).toBe(true);
  });

  it('honours a custom iteration count', async () => {
    // Prepare
    const role = await createLoginRole();
    const password = 'iterations-Passw0rd!';
    const verifier = scramSha256Verifier(password, { iterations: 5000 });
    await withAdmin((admin) => admin.query(`ALTER ROLE ${pg.escapeIdentifier(role.name)} PASSWORD ${pg.escapeLiteral(verifier)}`));

    // Act
    const logsIn = await checkLogin({ ...role.credentials('verify-full'), password }, { caBundle: usePostgres().caCertPath });

    // Assess
    expect({ prefix: verifier.slice(0, 19), logsIn }).toEqual({ prefix: 'SCRAM-SHA-256$5000:', logsIn: true });
  });

  it("uses PostgreSQL's defaults: 4096 iterations and a fresh 16-byte salt", () => {
    // Act
    const first = parse(scramSha256Verifier('same-password'));
    const second = parse(scramSha256Verifier('same-password'));

    // Assess
    expect({ iterations: first.iterations, saltBytes: first.salt.length, sameSalt: first.salt.equals(second.salt) }).toEqual({
      iterations: 4096,
      saltBytes: 16,
      sameSalt: false,
    });
  });

  it.each([
    ['an empty password', '', {}],
    ['a non-ASCII password', 'pässword', {}],
    ['a password over 1024 bytes', 'a'.repeat(1025), {}],
    ['zero iterations', 'password', { iterations: 0 }],
  ])('refuses %s', (_, password, options) => {
    // Act
    const make = () => scramSha256Verifier(password, options);

    // Assess
    expect(make).toThrow(UnsupportedPasswordError);
  });

  it('never puts the password in its refusal', () => {
    // Act
    let message = '';
    try {
      scramSha256Verifier('sécret-value');
    } catch (err) {
      message = (err as Error).message;
    }

    // Assess
    expect(message).not.toContain('sécret-value');
  });
});
