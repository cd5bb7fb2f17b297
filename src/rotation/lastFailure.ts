import { TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import { formatLastFailure, TAG_LAST_FAILURE, type LastFailure } from '../tags.js';
import type { RotationDeps } from './deps.js';

/**
 * Records on the secret which step of which version failed and why (`keyroll:last-failure`),
 * so that the CLI can report a failure as it happens instead of at its timeout, and an operator
 * sees it in the console. Best effort: a failure to tag is logged and never hides the step's own
 * error. The cause is an error's name and message, which keyroll builds without secret values.
 */
export async function recordLastFailure(deps: RotationDeps, secretArn: string, failure: LastFailure): Promise<void> {
  try {
    await deps.secretsManager.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: TAG_LAST_FAILURE, Value: formatLastFailure(failure) }] }));
  } catch (err) {
    deps.logger?.warn('could not record the failed step on the secret', { secretArn, tag: TAG_LAST_FAILURE, error: errorText(err) });
  }
}

/** Removes the failure an earlier attempt recorded, once a rotation finished (best effort, as above). */
export async function clearLastFailure(deps: RotationDeps, secretArn: string): Promise<void> {
  try {
    await deps.secretsManager.send(new UntagResourceCommand({ SecretId: secretArn, TagKeys: [TAG_LAST_FAILURE] }));
  } catch (err) {
    deps.logger?.warn('could not clear the recorded failure on the secret', { secretArn, tag: TAG_LAST_FAILURE, error: errorText(err) });
  }
}
