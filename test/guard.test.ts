import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { nodeVersionProblem } from '../scripts/require-node22.mjs';

const run = promisify(execFile);
const guard = resolve('scripts/require-node22.mjs');

/** Node binaries on PATH outside this project's node_modules (the system Node). */
async function systemNodes(): Promise<Array<{ path: string; version: string }>> {
  const found = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'node');
    if (!dir || dir.includes('node_modules') || !existsSync(bin)) continue;
    const { stdout } = await run(bin, ['-p', 'process.versions.node']);
    found.push({ path: bin, version: stdout.trim() });
  }
  return found;
}

describe('the Node 22 guard of npm test and npm start', () => {
  it.each([
    ['20.20.2', true],
    ['21.7.3', true],
    ['22.0.0', false],
    ['24.1.0', false],
  ])('judges Node %s too old: %s', (version, tooOld) => {
    expect(nodeVersionProblem(version) !== undefined).toBe(tooOld);
  });

  it('passes on the Node that runs the npm scripts', async () => {
    await expect(run(process.execPath, [guard])).resolves.toBeDefined();
  });

  it('stops an older system Node with a message that says what to do', async () => {
    const old = (await systemNodes()).find((n) => Number(n.version.split('.')[0]) < 22);
    // Every machine of this project ships Node 20 system-wide (see ../shared/TOOLCHAIN.md).
    expect(old, 'a system Node older than 22 on PATH').toBeDefined();
    const err = await run(old!.path, [guard]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain(`this is Node ${old!.version}`);
    expect(err?.stderr).toContain('npm ci');
  });
});
