import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING } from '../secret.js';
import type { RotationEvent, RotationStep } from '../events.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';
import { createSecret } from './createSecret.js';
import { recordedStrategyOf } from './strategy.js';
import { setSecret } from './setSecret.js';
import { testSecret } from './testSecret.js';
import { finishSecret } from './finishSecret.js';
import { describeSecret } from './secretValues.js';

export interface StepOutcome {
  secretArn: string;
  step: RotationStep;
  token: string;
  /** What the step did: `created`, `kept`, `set`, `already-set`, `tested`, `finished`, or `already-current`. */
  result: string;
}

/**
 * Runs one rotation step for a Secrets Manager rotation event, after the guards every
 * step shares (one DescribeSecret): rotation enabled, the token a version of the secret,
 * the token AWSPENDING. A token already AWSCURRENT means there is nothing to do.
 * @throws RotationStateError / RotationConfigError / RotationDatabaseError / SecretFormatError
 *   naming the secret, the step and the cause; never a secret value.
 */
export async function runRotationStep(deps: RotationDeps, event: RotationEvent): Promise<StepOutcome> {
  const { Step: step, ClientRequestToken: token } = event;
  const meta = await describeSecret(deps, event.SecretId, step);
  const secretArn = meta.ARN ?? event.SecretId;
  const stages = guardRotationState(meta, secretArn, step, token);
  const done = (result: string): StepOutcome => ({ secretArn, step, token, result });

  if (stages.includes(AWSCURRENT) && !isFinishCutShort(step, stages)) return done('already-current');
  switch (step) {
    case 'createSecret':
      return done(await createSecret(deps, secretArn, token, meta.Tags));
    case 'setSecret':
      return done(await setSecret(deps, secretArn, token, meta.Tags));
    case 'testSecret':
      return done(await testSecret(deps, secretArn, token));
    case 'finishSecret':
      // No value read here: createSecret recorded the strategy as a tag (11 calls per rotation).
      return done(await finishSecret(deps, meta, token, recordedStrategyOf(meta.Tags)));
  }
}

/** A finish cut short (crash between moving AWSCURRENT and removing AWSPENDING) leaves AWSPENDING on the AWSCURRENT version. */
function isFinishCutShort(step: RotationStep, stages: readonly string[]): boolean {
  return step === 'finishSecret' && stages.includes(AWSCURRENT) && stages.includes(AWSPENDING);
}

/**
 * The checks AWS's templates make before any step, as errors that name what was expected
 * and what was found.
 * @returns the stages attached to the token's version.
 */
export function guardRotationState(meta: DescribeSecretResponse, secretArn: string, step: string, token: string): string[] {
  if (!meta.RotationEnabled) {
    throw new RotationStateError(`${step}: secret ${secretArn} does not have rotation enabled`);
  }
  const stages = meta.VersionIdsToStages?.[token];
  if (!stages) {
    throw new RotationStateError(`${step}: token ${token} is not a version of secret ${secretArn}`);
  }
  if (!stages.includes(AWSCURRENT) && !stages.includes(AWSPENDING)) {
    throw new RotationStateError(
      `${step}: version ${token} of secret ${secretArn} is not AWSPENDING (its stages: ${stages.join(', ') || 'none'})`,
    );
  }
  return stages;
}
