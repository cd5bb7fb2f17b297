import { describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { ROTATION_STEPS, type RotationStep } from '../../src/events.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { rotationDeps, seedSecret, snapshotSecret, startPausedRotation } from '../support/rotation.js';

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
    const once = await snapshotSecret(aws, secret.arn);
    const again = await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: step });
    const twice = await snapshotSecret(aws, secret.arn);
    // Assess
    expect(twice).toEqual(once);
    const expected = { createSecret: 'kept', setSecret: 'already-set', testSecret: 'tested', finishSecret: 'already-current' }[step];
    expect(again.result).toBe(expected);
  });
});
