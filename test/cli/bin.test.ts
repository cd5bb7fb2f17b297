import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { seedSecret } from '../support/rotation.js';
import { spawnBin } from './spawnBin.js';

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

  it('--profile takes the credentials and the region from the shared files, over the environment\'s, as the AWS CLI does', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'keyroll-profile-'));
    try {
      await writeFile(join(dir, 'config'), '[profile ops]\nregion = eu-west-2\n');
      await writeFile(join(dir, 'credentials'), '[ops]\naws_access_key_id = AKIAOPSPROFILE0001\naws_secret_access_key = ops-secret\n');
      const before = aws.endpoint.requestLog.length;

      // Act
      const { AWS_REGION: _region, AWS_DEFAULT_REGION: _defaultRegion, AWS_PROFILE: _profile, ...inherited } = process.env;
      const run = await spawnBin(['--profile', 'ops', 'status', '--json', '--endpoint-url', aws.endpoint.url], {
        env: {
        ...inherited,
        AWS_CONFIG_FILE: join(dir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
        AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENT0001',
        AWS_SECRET_ACCESS_KEY: 'env-secret',
        },
      });

      // Assess
      expect(run.code, run.stderr).toBe(0);
      const signers = aws.endpoint.requestLog.slice(before).map((r) => r.signer);
      expect(signers.length).toBeGreaterThan(0);
      for (const s of signers) expect(s).toEqual({ accessKeyId: 'AKIAOPSPROFILE0001', region: 'eu-west-2' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
