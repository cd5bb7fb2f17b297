import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, LocalPostgresError, type LocalPostgres } from '../../local/postgres.js';

async function query(server: LocalPostgres, sql: string, options: { host?: string; ssl?: pg.ClientConfig['ssl'] } = {}) {
  const client = new pg.Client({
    host: options.host ?? server.host,
    port: server.port,
    user: server.superuser,
    password: server.superuserPassword,
    database: 'postgres',
    ssl: options.ssl ?? false,
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function waitFor(path: string, needle: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = await readFile(path, 'utf8');
    if (text.includes(needle) || Date.now() > deadline) return text;
    await sleep(25);
  }
}

describe('startPostgres with TLS', () => {
  let server: LocalPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(['127.0.0.1', 'localhost'])('serves a verify-full TLS session to %s with the CA it made', async (host) => {
    // Prepare
    const ca = await readFile(server.caCertPath!, 'utf8');

    // Act
    const rows = await query(server, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', { host, ssl: { ca } });

    // Assess
    expect(rows).toEqual([{ ssl: true }]);
  });

  it('refuses the superuser with a wrong password (SCRAM authentication)', async () => {
    // Act
    const login = query({ ...server, superuserPassword: 'not-the-password' }, 'SELECT 1', { ssl: { rejectUnauthorized: false } });

    // Assess
    await expect(login).rejects.toMatchObject({ code: '28P01' });
  });

  it('writes every statement to the statement log', async () => {
    // Prepare
    const marker = `marker_${Date.now()}`;

    // Act
    await query(server, `SELECT '${marker}'`, { ssl: { rejectUnauthorized: false } });

    // Assess
    expect(await waitFor(server.statementLogPath, marker)).toMatch(new RegExp(`postgres@postgres LOG:  statement: SELECT '${marker}'`));
  });

  it('listens on 127.0.0.1 only', async () => {
    // Act
    const elsewhere = query(server, 'SELECT 1', { host: '127.0.0.2' });

    // Assess
    await expect(elsewhere).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('startPostgres without TLS', () => {
  let server: LocalPostgres;
  beforeAll(async () => {
    server = await startPostgres({ tls: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves plaintext sessions and has no CA', async () => {
    // Act
    const rows = await query(server, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');

    // Assess
    expect({ rows, caCertPath: server.caCertPath }).toEqual({ rows: [{ ssl: false }], caCertPath: undefined });
  });

  it('answers a TLS request with "no TLS"', async () => {
    // Act
    const tls = query(server, 'SELECT 1', { ssl: { rejectUnauthorized: false } });

    // Assess
    await expect(tls).rejects.toThrow('The server does not support SSL connections');
  });
});

describe('startPostgres lifecycle', () => {
  it('names the cause when the port is in use', async () => {
    // Prepare
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;

    // Act
    const start = startPostgres({ port, tls: false });

    // Assess
    try {
      await expect(start).rejects.toThrow(LocalPostgresError);
      await expect(start).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port}: port in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('removes its directory and frees its port on stop', async () => {
    // Prepare
    const server = await startPostgres({ tls: false });

    // Act
    await server.stop();

    // Assess
    const reconnect = query(server, 'SELECT 1');
    await expect(reconnect).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(existsSync(server.dataDir)).toBe(false);
  });
});
