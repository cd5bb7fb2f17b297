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
import { clearLastFailure, recordLastFailure, recordTested } from './lastFailure.js';
import { readKeyrollTags } from '../tags.js';

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
 * Records the step's outcome and duration (metrics) and, on failure, which step failed and why
 * on the secret itself (`keyroll:last-failure`, cleared when a rotation finishes), where
 * `keyroll rotate --wait` and `keyroll status` read it.
 * @throws RotationStateError / RotationConfigError / RotationDatabaseError / SecretFormatError
 *   naming the secret, the step and the cause; never a secret value.
 */
export async function runRotationStep(deps: RotationDeps, event: RotationEvent): Promise<StepOutcome> {
  const { Step: step, ClientRequestToken: token } = event;
  const started = Date.now();
  let meta: DescribeSecretResponse | undefined;
  try {
    meta = await describeSecret(deps, event.SecretId, step);
    const outcome = await runGuardedStep(deps, meta, event);
    recordStep(deps, 'RotationStepSucceeded', step, meta, started);
    if (step === 'finishSecret') await rotationFinished(deps, meta, outcome);
    if (outcome.result === 'tested-configuration') await configurationTested(deps, meta, outcome);
    return outcome;
  } catch (err) {
    recordStep(deps, 'RotationStepFailed', step, meta, started);
    if (meta) await recordLastFailure(deps, meta.ARN ?? event.SecretId, { at: new Date().toISOString(), step, versionId: token, cause: causeOf(err, step, meta.ARN, token) });
    throw err;
  }
}

async function runGuardedStep(deps: RotationDeps, meta: DescribeSecretResponse, event: RotationEvent): Promise<StepOutcome> {
  const { Step: step, ClientRequestToken: token } = event;
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

// The strategy a step ran under, for the metric, as the secret's tags record it (`unrecorded` when it could not be described).
const strategyDimension = (meta: DescribeSecretResponse | undefined): string => (meta ? recordedStrategyOf(meta.Tags) : 'unrecorded');

function recordStep(deps: RotationDeps, name: 'RotationStepSucceeded' | 'RotationStepFailed', step: RotationStep, meta: DescribeSecretResponse | undefined, started: number): void {
  const strategy = strategyDimension(meta);
  deps.metrics?.record(name, 1, { step, strategy });
  deps.metrics?.record('RotationStepDuration', Date.now() - started, { step });
}

/** A rotation that finished: counted, its unpublished event counted, a failure recorded by an earlier attempt cleared. */
async function rotationFinished(deps: RotationDeps, meta: DescribeSecretResponse, outcome: StepOutcome): Promise<void> {
  if (outcome.result === 'finished' || outcome.result === 'finished-unpublished') {
    deps.metrics?.record('RotationSucceeded', 1, { strategy: strategyDimension(meta) });
  }
  if (outcome.result === 'finished-unpublished') deps.metrics?.record('EventsNotPublished', 1);
  if (readKeyrollTags(meta.Tags).lastFailure !== undefined) await clearLastFailure(deps, outcome.secretArn);
}

/** Secrets Manager's configuration test passed (RotateImmediately=false): recorded for `keyroll enable`, an earlier failure cleared. */
async function configurationTested(deps: RotationDeps, meta: DescribeSecretResponse, outcome: StepOutcome): Promise<void> {
  await recordTested(deps, outcome.secretArn, outcome.token);
  if (readKeyrollTags(meta.Tags).lastFailure !== undefined) await clearLastFailure(deps, outcome.secretArn);
}

/**
 * The error's name and message for the tag (256 characters in all), without what the tag already
 * says: the step, the secret's ARN (the tag is on it) and the version.
 */
function causeOf(err: unknown, step: string, secretArn: string | undefined, token: string): string {
  const name = err instanceof Error ? err.name : 'Error';
  let message = err instanceof Error ? err.message : String(err);
  if (message.startsWith(`${step}: `)) message = message.slice(step.length + 2);
  for (const known of [secretArn ? `secret ${secretArn}` : undefined, `version ${token}`, secretArn]) {
    if (known) message = message.split(known).join('');
  }
  message = message.replace(/^[\s:,]+/, '').replace(/\s+:/g, ':').replace(/:\s*:/g, ':').replace(/\s{2,}/g, ' ');
  const codes = causeCodesOf(err);
  return `${name}${codes.length ? ` ${codes.join('/')}` : ''}: ${message}`;
}

// The codes along the cause chain (a connection failure's reason, SQLSTATE, Node's TLS or socket
// code), first in the tag: they survive when the message is cut to fit.
function causeCodesOf(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { reason, code } = e as { reason?: unknown; code?: unknown };
    for (const c of [reason, code]) if (typeof c === 'string' && c && !codes.includes(c)) codes.push(c);
    e = (e as { cause?: unknown }).cause;
  }
  return codes.slice(0, 3);
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
