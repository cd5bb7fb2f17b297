import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/keyroll.mjs, the CLI as a shell runs it. */
export const BIN = fileURLToPath(new URL('../../bin/keyroll.mjs', import.meta.url));

/** Runs the bin as a child process (killed after `timeoutMs`), capturing both streams and the exit code. */
export function spawnBin(
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
