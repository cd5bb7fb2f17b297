import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { resolveStalePending } from '../../src/rotation/resolveStalePending.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { logsIn, rotateAndWait, registerRotation, rotationDeps, seedSecret, stagesOf, startPausedRotation, valueOf } from '../support/rotation.js';

describe('resolveStalePending', () => {
  const aws = useTestAws();

  it('does nothing when no version other than AWSCURRENT is AWSPENDING', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    registerRotation(aws, rotationDeps(aws));
    await rotateAndWait(aws, secret.arn);
    const before = await stagesOf(aws, secret.arn);
    // Act
    const report = await resolveStalePending(rotationDeps(aws), secret.arn);
    // Assess
    expect(report.action).toBe('none');
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });

  it('finishes the rotation when the database already took the pending password', async () => {
    // Prepare: a single-user rotation that stopped after setSecret (current no longer logs in).
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    for (const Step of ['createSecret', 'setSecret'] as const) await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step });
    // Act
    const report = await resolveStalePending(deps, secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'finished', versionId: token });
    const stages = await stagesOf(aws, secret.arn);
    expect(stages[token]).toEqual(['AWSCURRENT']);
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('drops the label when the current credentials still log in', async () => {
    // Prepare: a rotation that stopped after createSecret.
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    // Act
    const report = await resolveStalePending(deps, secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'dropped', versionId: token, reason: 'the current credentials still log in' });
    expect(Object.values(await stagesOf(aws, secret.arn)).flat()).not.toContain('AWSPENDING');
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('drops a label whose version never received a value', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);
    // Act
    const report = await resolveStalePending(rotationDeps(aws), secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'dropped', versionId: token });
    expect((await stagesOf(aws, secret.arn))[token] ?? []).not.toContain('AWSPENDING');
  });

  it('reports without changing anything in a dry run', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await aws.sm.send(
      new PutSecretValueCommand({ SecretId: secret.arn, ClientRequestToken: token, SecretString: JSON.stringify(await valueOf(aws, secret.arn)), VersionStages: ['AWSPENDING'] }),
    );
    const before = await stagesOf(aws, secret.arn);
    // Act
    const report = await resolveStalePending(rotationDeps(aws), secret.arn, { dryRun: true });
    // Assess
    expect(report).toMatchObject({ action: 'dropped', dryRun: true });
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });
});
