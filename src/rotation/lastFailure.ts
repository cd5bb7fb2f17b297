import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import { formatLastFailure, formatTested, TAG_LAST_FAILURE, TAG_TESTED, type LastFailure } from '../tags.js';
import type { RotationDeps } from './deps.js';

// A record is never worth more than the step's own outcome: its call gets a few seconds, not the
// SDK's full retry budget (under the throttling that may have failed the step, that would eat the
// function's timeout and replace the real error with a timeout).
const RECORD_TIMEOUT_MS = 3_000;

/**
 * Records on the secret which step of which version failed and why (`keyroll:last-failure`),
 * so that the CLI reports a failure as it happens instead of at its timeout, and an operator
 * sees it in the console. Best effort: a failure to tag is logged and never hides the step's own
 * error. The cause is an error's name, codes and message, which keyroll builds without secret
 * values (driver errors are redacted before they become messages).
 */
export async function recordLastFailure(deps: RotationDeps, secretArn: string, failure: LastFailure): Promise<void> {
  await bestEffort(deps, secretArn, TAG_LAST_FAILURE, new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: TAG_LAST_FAILURE, Value: formatLastFailure(failure) }] }));
}

/** Removes the failure an earlier attempt recorded (a rotation finished, a configuration test passed). */
export async function clearLastFailure(deps: RotationDeps, secretArn: string): Promise<void> {
  await bestEffort(deps, secretArn, TAG_LAST_FAILURE, new UntagResourceCommand({ SecretId: secretArn, TagKeys: [TAG_LAST_FAILURE] }));
}

/** Records that Secrets Manager's configuration test of `versionId` passed (`keyroll:tested`): what `keyroll enable` waits for. */
export async function recordTested(deps: RotationDeps, secretArn: string, versionId: string): Promise<void> {
  await bestEffort(deps, secretArn, TAG_TESTED, new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: TAG_TESTED, Value: formatTested(new Date(), versionId) }] }));
}

async function bestEffort(deps: RotationDeps, secretArn: string, tag: string, command: TagResourceCommand | UntagResourceCommand): Promise<void> {
  try {
    await deps.secretsManager.send(command as TagResourceCommand, { abortSignal: AbortSignal.timeout(RECORD_TIMEOUT_MS) });
  } catch (err) {
    deps.logger?.warn('could not update a keyroll tag on the secret', { secretArn, tag, error: errorText(err) });
  }
}
