import { describe, expect, it } from 'vitest';
import { useTestAws, type TestAws } from '../support/endpoint.js';
import { captureError } from '../support/captureError.js';
import { ROTATION_STEPS, type RotationStep } from '../../src/events.js';
import { RotationStateError } from '../../src/rotation/errors.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { AWSCURRENT, AWSPREVIOUS } from '../../src/secret.js';
import { registerRotation, rotateAndWait, rotationDeps, seedSecret, snapshotSecret, stagesOf } from '../support/rotation.js';

/** The version carrying `stage`. */
const versionWith = (stages: Record<string, string[]>, stage: string) => Object.entries(stages).find(([, s]) => s.includes(stage))?.[0];

/**
 * A rotated secret and a token of one of its versions that is not AWSPENDING: its AWSPREVIOUS
 * (one rotation done), or a deprecated version that has lost every label (two rotations done).
 */
async function rotatedSecretWith(aws: TestAws, kind: 'AWSPREVIOUS' | 'deprecated', alternating: boolean) {
  const secret = await seedSecret(aws, { alternating });
  registerRotation(aws, rotationDeps(aws));
  const original = versionWith(await stagesOf(aws, secret.arn), AWSCURRENT)!;
  await rotateAndWait(aws, secret.arn);
  if (kind === 'deprecated') await rotateAndWait(aws, secret.arn);
  const stages = await stagesOf(aws, secret.arn);
  const token = kind === 'AWSPREVIOUS' ? versionWith(stages, AWSPREVIOUS)! : original;
  return { secret, token };
}

describe.each([
  ['single user', false],
  ['alternating users', true],
])('every step given a token that is not AWSPENDING (%s)', (_label, alternating) => {
  const aws = useTestAws();

  it.each(ROTATION_STEPS.map((s) => [s]))('%s refuses the AWSPREVIOUS version and changes nothing', async (step: RotationStep) => {
    // Prepare
    const { secret, token } = await rotatedSecretWith(aws, 'AWSPREVIOUS', alternating);
    const before = await snapshotSecret(aws, secret.arn);

    // Act
    const err = await captureError(runRotationStep(rotationDeps(aws), { SecretId: secret.arn, ClientRequestToken: token, Step: step }));

    // Assess
    expect(err).toBeInstanceOf(RotationStateError);
    expect((err as Error).message).toBe(`${step}: version ${token} of secret ${secret.arn} is not AWSPENDING (its stages: AWSPREVIOUS)`);
    expect(await snapshotSecret(aws, secret.arn)).toEqual(before);
  });

  it.each(ROTATION_STEPS.map((s) => [s]))('%s refuses a deprecated version (no label left) and changes nothing', async (step: RotationStep) => {
    // Prepare
    const { secret, token } = await rotatedSecretWith(aws, 'deprecated', alternating);
    const before = await snapshotSecret(aws, secret.arn);

    // Act
    const err = await captureError(runRotationStep(rotationDeps(aws), { SecretId: secret.arn, ClientRequestToken: token, Step: step }));

    // Assess: DescribeSecret lists only labelled versions, so the token is no version at all.
    expect(err).toBeInstanceOf(RotationStateError);
    expect((err as Error).message).toBe(`${step}: token ${token} is not a version of secret ${secret.arn}`);
    expect(await snapshotSecret(aws, secret.arn)).toEqual(before);
  });
});
