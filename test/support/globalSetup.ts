import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../local/postgres.js';

/** The shared test server, as suites receive it through `inject('postgres')` (see test/support/postgres.ts). */
export interface ProvidedPostgres {
  host: string;
  port: number;
  superuser: string;
  superuserPassword: string;
  /** PEM file of the CA that signed the server certificate (SAN localhost, 127.0.0.1). */
  caCertPath: string;
  /** Every statement the server ran (`log_statement=all`), one `LOG:  statement:` line each. */
  statementLogPath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

/** Starts one PostgreSQL with TLS for the whole run, and stops it (removing its files) at teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres({ tls: true });
  if (!server.caCertPath) {
    await server.stop();
    throw new Error('the test PostgreSQL server started without TLS');
  }
  project.provide('postgres', {
    host: server.host,
    port: server.port,
    superuser: server.superuser,
    superuserPassword: server.superuserPassword,
    caCertPath: server.caCertPath,
    statementLogPath: server.statementLogPath,
  });
  return () => server.stop();
}
