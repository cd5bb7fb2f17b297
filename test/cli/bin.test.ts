import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { seedSecret } from '../support/rotation.js';

const BIN = fileURLToPath(new URL('../../bin/keyroll.mjs', import.meta.url));

/** Runs the bin as a child process (bounded by `timeoutMs`), as a shell would. */
function spawnBin(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bin/keyroll.mjs', () => {
  const aws = useTestAws();

  it('runs the TypeScript CLI as a process: status --json against the endpoint exits 0 with one document', async () => {
    // Prepare
    const path = `/${uniqueName('bin')}/db`;
    const secret = await seedSecret(aws, { tags: [{ Key: 'keyroll:ssm-path', Value: path }] });

    // Act
    const run = await spawnBin(['status', '--json', '--endpoint-url', aws.endpoint.url, '--region', aws.endpoint.region]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.secrets.map((s: { secretArn: string }) => s.secretArn)).toContain(secret.arn);
    expect(run.stdout).not.toContain(secret.role.password);
  });
});
