import { createHash } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { useTestAws, type TestAws } from '../support/endpoint.js';
import { ROTATION_STEPS, type RotationStep } from '../../src/events.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { logsIn, rotationDeps, seedSecret, stagesOf, startPausedRotation } from '../support/rotation.js';

/** Stages, a digest of every version's value and who logs in: enough to compare states without printing secrets. */
async function snapshot(aws: TestAws, secretArn: string) {
  const stages = await stagesOf(aws, secretArn);
  const db = rotationDeps(aws).db;
  const versions: Record<string, { stages: string[]; digest: string | null; logsIn: boolean | null }> = {};
  for (const [id, s] of Object.entries(stages)) {
    const v = await aws.sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionId: id })).catch(() => undefined);
    const value = v?.SecretString ? (JSON.parse(v.SecretString) as { username: string; password: string }) : undefined;
    versions[id] = {
      stages: [...s].sort(),
      digest: value ? createHash('sha256').update(v!.SecretString!).digest('hex') : null,
      logsIn: value ? await logsIn(db, value) : null,
    };
  }
  return versions;
}

describe.each([
  ['single user', false],
  ['alternating users', true],
])('each rotation step (%s)', (_label, alternating) => {
  const aws = useTestAws();

  it.each(ROTATION_STEPS.map((s) => [s]))('%s run twice in a row leaves the same state as once', async (step: RotationStep) => {
    // Prepare
    const secret = await seedSecret(aws, { alternating });
    const token = await startPausedRotation(aws, secret.arn);
    const deps = rotationDeps(aws);
    for (const earlier of ROTATION_STEPS.slice(0, ROTATION_STEPS.indexOf(step))) {
      await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: earlier });
    }
    // Act
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: step });
    const once = await snapshot(aws, secret.arn);
    const again = await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: step });
    const twice = await snapshot(aws, secret.arn);
    // Assess
    expect(twice).toEqual(once);
    const expected = { createSecret: 'kept', setSecret: 'already-set', testSecret: 'tested', finishSecret: 'already-current' }[step];
    expect(again.result).toBe(expected);
  });
});
