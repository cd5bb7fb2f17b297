import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSecretCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../support/endpoint.js';
import { closedPort, newPassword, uniqueName } from '../support/postgres.js';

// issue 13 §2/§3: `npm pack` makes a package whose `keyroll` runs from a clean directory on the
// system Node (20 here) with nothing installed but itself: the CLI bundled into dist/cli/main.mjs
// by the prepack script (scripts/buildCli.mjs), no dependency to fetch.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version: VERSION } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** What the installed CLI may ship: its bin, the bundle and npm's documentation files. */
const ALLOWED_FILES = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'bin/keyroll.mjs', 'dist/cli/main.mjs']);
const TARBALL_MAX_BYTES = 1024 * 1024;
const UNPACKED_MAX_BYTES = 3 * 1024 * 1024;

/** PATH without this project's node_modules/.bin: `node` and `npm` are the system's, as for a user. */
const SYSTEM_PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir && !dir.includes('node_modules'))
  .join(delimiter);

/**
 * The environment of a user's shell: no npm_* variables (inside `npm test` they carry
 * npm_config_local_prefix and friends, which would point npm at this checkout) and the system PATH.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, PATH: SYSTEM_PATH, NO_UPDATE_NOTIFIER: '1', ...extra };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end, bounded by `timeoutMs` (killed past it). */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? null : 1), stdout, stderr, ms: Date.now() - started }));
  });
}

const majorOf = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

/**
 * The system Node a user would run the installed CLI with: the first Node 20 on PATH outside
 * node_modules (every machine of this project ships one, see TOOLCHAIN.md), else this Node.
 */
async function systemNode(): Promise<{ path: string; version: string }> {
  for (const dir of SYSTEM_PATH.split(delimiter)) {
    const bin = join(dir, 'node');
    if (!existsSync(bin)) continue;
    const probe = await run(bin, ['-p', 'process.versions.node'], { cwd: ROOT, timeoutMs: 10_000 });
    if (probe.code === 0 && majorOf(probe.stdout.trim()) === 20) return { path: bin, version: probe.stdout.trim() };
  }
  return { path: process.execPath, version: process.versions.node };
}

interface PackedFile {
  path: string;
  size: number;
}
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackedFile[];
}

describe('npm pack: the keyroll package, installed from its tarball', () => {
  const aws = useTestAws();
  let work: string;
  let app: string;
  let node: { path: string; version: string };
  let packed: Packed;
  let install: Run;
  /** Runs the installed `keyroll` with the system Node from the clean directory. */
  const keyroll = (args: string[], timeoutMs = 30_000) =>
    run(node.path, [join(app, 'node_modules', '.bin', 'keyroll'), ...args], { cwd: app, env: userEnv({ AWS_MAX_ATTEMPTS: '2' }), timeoutMs });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'keyroll-pack-'));
    node = await systemNode();
    // One build: prepack bundles the CLI (scripts/buildCli.mjs) on the way into the tarball.
    const pack = await run('npm', ['pack', '--json', '--ignore-scripts=false', '--pack-destination', work], { cwd: ROOT, timeoutMs: 120_000 });
    if (pack.code !== 0) throw new Error(`npm pack exited ${pack.code}:\n${pack.stderr}`);
    const [first] = JSON.parse(pack.stdout) as Packed[];
    if (!first) throw new Error(`npm pack reported no package:\n${pack.stdout}`);
    packed = first;
    app = join(work, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'keyroll-pack-test', private: true }));
    // --offline: a package that needed anything from the registry could not install here.
    install = await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(work, packed.filename)], { cwd: app, timeoutMs: 60_000 });
    console.log(
      `keyroll package: ${packed.filename}, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ` +
        `${packed.entryCount} files (npm pack ${pack.ms} ms); installed in ${install.ms} ms; CLI run with Node ${node.version} (${node.path})`,
    );
  }, 180_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds only what the installed CLI needs, within the size bound', () => {
    // Assess
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths.filter((p) => !ALLOWED_FILES.has(p))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/keyroll.mjs', 'dist/cli/main.mjs']));
    expect(paths.filter((p) => /^(src|test|local|scripts|bench|node_modules)\//.test(p) || p.includes('node_modules'))).toEqual([]);
    expect(packed.size).toBeLessThan(TARBALL_MAX_BYTES);
    expect(packed.unpackedSize).toBeLessThan(UNPACKED_MAX_BYTES);
  });

  it('bundles every library into the CLI: the package declares no dependency, runs on Node 20, and installs nothing else', async () => {
    // Prepare
    const manifest = JSON.parse(await readFile(join(app, 'node_modules', 'keyroll', 'package.json'), 'utf8'));
    const bundle = await readFile(join(app, 'node_modules', 'keyroll', 'dist', 'cli', 'main.mjs'), 'utf8');

    // Assess
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toContain('EBADENGINE');
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.optionalDependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    expect(manifest.engines).toEqual({ node: '>=20' });
    expect((await readdir(join(app, 'node_modules'))).filter((e) => !e.startsWith('.'))).toEqual(['keyroll']);
    // The RDS client (loaded lazily by src/aws.ts) is inside the file, not imported from outside it.
    expect(bundle).toContain('DescribeDBInstancesCommand');
    expect(bundle).not.toMatch(/(from\s*|import\s*\(\s*)["']@aws-sdk\//);
  });

  it('prints --version and --help with the system Node from a clean directory', async () => {
    // Act
    const versionRun = await keyroll(['--version']);
    const help = await keyroll(['--help']);

    // Assess
    expect(versionRun).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/^Usage: keyroll \[options\] \[command\]/);
    for (const command of ['status', 'plan', 'rotate', 'enable', 'sync', 'redeploy', 'doctor']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('reports a managed secret with status --json against the endpoint', async () => {
    // Prepare: a single-user secret to mirror, never synced.
    const path = `/${uniqueName('pack')}/db`;
    const password = newPassword();
    const created = await aws.sm.send(
      new CreateSecretCommand({
        Name: path.slice(1),
        SecretString: JSON.stringify({ engine: 'postgres', host: '127.0.0.1', port: 5432, username: 'app', password, dbname: 'postgres' }),
        Tags: [{ Key: 'keyroll:ssm-path', Value: path }],
      }),
    );

    // Act
    const status = await keyroll(['status', '--endpoint-url', aws.endpoint.url, '--region', 'us-east-1', '--json']);

    // Assess
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const entry = JSON.parse(status.stdout).secrets.find((s: { secretArn: string }) => s.secretArn === created.ARN);
    expect(entry).toMatchObject({ name: path.slice(1), ssmPath: path, strategy: 'single-user', rotationEnabled: false, pending: { status: 'none' }, errors: [] });
    expect(entry.ssm.status).not.toBe('in-sync');
    expect(status.stdout).not.toContain(password);
  });

  it('reads an RDS-managed master endpoint through the bundled RDS client (doctor --json)', async () => {
    // Prepare: an instance whose master password RDS manages (secret {username, password} only),
    // listening on a closed port, and an alternating-users secret using that master.
    const port = await closedPort();
    const instance = aws.endpoint.rds.addInstance({
      dbInstanceIdentifier: `pack-${uniqueName('db').replace(/_/g, '-')}`,
      masterUsername: 'admin',
      manageMasterUserPassword: true,
      endpoint: { address: '127.0.0.1', port },
    });
    await aws.sm.send(new TagResourceCommand({ SecretId: instance.masterUserSecretArn!, Tags: [{ Key: 'keyroll:master', Value: 'true' }] }));
    const secret = await aws.sm.send(
      new CreateSecretCommand({
        Name: uniqueName('pack_app'),
        SecretString: JSON.stringify({
          engine: 'postgres',
          host: '127.0.0.1',
          port,
          username: 'app',
          password: newPassword(),
          dbname: 'postgres',
          sslmode: 'disable',
          masterarn: instance.masterUserSecretArn,
        }),
      }),
    );
    aws.endpoint.resetLog();

    // Act
    const doctor = await keyroll(['doctor', secret.ARN!, '--endpoint-url', aws.endpoint.url, '--region', 'us-east-1', '--json']);

    // Assess: the master's endpoint came from RDS and matched the secret's; its login then fails (closed port).
    expect(doctor.stderr).toBe('');
    expect(aws.endpoint.count('rds.DescribeDBInstances')).toBeGreaterThan(0);
    const checks = JSON.parse(doctor.stdout).checks as Array<{ name: string; status: string; message: string }>;
    expect(checks.find((c) => c.name === 'master-secret')).toMatchObject({ status: 'pass' });
    expect(checks.find((c) => c.name === 'master-login')?.message).toContain(`127.0.0.1:${port} as "admin"`);
    expect(doctor.code).toBe(1);
  });
});

describe('the keyroll bin in the checkout, on the system Node', () => {
  let cache: string;
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'keyroll-npx-cache-'));
  });
  afterAll(async () => {
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  it('runs `npx keyroll --version` with no EBADENGINE warning, on a first run too', async () => {
    // Prepare: a fresh npm cache, as on a first `npx keyroll`: npx then links the checkout into
    // its own cache (<cache>/_npx) and checks the engines of keyroll and its dependencies, which
    // a cache that already holds that link skips.

    // Act
    const npx = await run('npx', ['keyroll', '--version'], { cwd: ROOT, env: userEnv({ npm_config_cache: cache }), timeoutMs: 60_000 });

    // Assess
    expect(npx.stderr).not.toContain('EBADENGINE');
    expect(npx).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it('runs the TypeScript sources with the system Node (bin/keyroll.mjs directly)', async () => {
    // Prepare
    const node = await systemNode();

    // Act
    const direct = await run(node.path, [join(ROOT, 'bin', 'keyroll.mjs'), '--version'], { cwd: ROOT, timeoutMs: 60_000 });

    // Assess
    expect(direct).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});
