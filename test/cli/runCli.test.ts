import { describe, expect, it } from 'vitest';
import { closedPort } from '../support/postgres.js';
import { runKeyroll } from './runKeyroll.js';

describe('runCli', () => {
  it('prints the help and exits 0 with --help', async () => {
    // Act
    const run = await runKeyroll(undefined, ['--help']);

    // Assess
    expect(run.code).toBe(0);
    for (const command of ['status', 'plan', 'rotate', 'enable', 'sync', 'redeploy', 'doctor']) expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('shows the global options in a command\'s help', async () => {
    // Act
    const run = await runKeyroll(undefined, ['doctor', '--help']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--fix');
    expect(run.stdout).toContain('--endpoint-url <url>');
  });

  it.each([
    ['an unknown command', ['rotat', 'x'], "unknown command 'rotat'"],
    ['an unknown option', ['status', '--colour'], "unknown option '--colour'"],
    ['a missing argument', ['plan'], "missing required argument 'secret'"],
    ['an endpoint that is not a URL', ['--endpoint-url', 'localhost:4566', 'status'], '"localhost:4566" is not an http(s) URL'],
    ['no command at all', [], 'Usage: keyroll'],
  ])('exits 2 for %s', async (_case, args, message) => {
    // Act
    const run = await runKeyroll(undefined, args);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr + run.stdout).toContain(message);
  });

  it('exits 2 and names the variable when the environment is invalid', async () => {
    // Act
    const run = await runKeyroll(undefined, ['status', '--region', 'us-east-1'], { env: { SSM_PUT_TPS: 'fast' } });

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid configuration: SSM_PUT_TPS: must be a number');
  });

  it('still prints exactly one JSON document on stdout when --json meets a usage error', async () => {
    // Act
    const run = await runKeyroll(undefined, ['status', '--json', '--bogus']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.json()).toEqual({ error: { name: 'UsageError', message: "error: unknown option '--bogus'", exitCode: 2 } });
  });

  it('prints the stack and every cause with --verbose', async () => {
    // Prepare
    const port = await closedPort();

    // Act
    const run = await runKeyroll(undefined, ['sync', 'app/db', '--endpoint-url', `http://127.0.0.1:${port}`, '--region', 'us-east-1', '--verbose'], {
      env: { AWS_MAX_ATTEMPTS: '1' },
    });

    // Assess
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^keyroll: sync: cannot describe secret app\/db: .*ECONNREFUSED/m);
    expect(run.stderr).toMatch(/^ParameterSyncError: sync: cannot describe secret/m);
    expect(run.stderr).toMatch(/^caused by: .*ECONNREFUSED/m);
  });
});
