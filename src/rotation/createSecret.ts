import {
  PutSecretValueCommand,
  ResourceExistsException,
  TagResourceCommand,
  UntagResourceCommand,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { AWSCURRENT, AWSPENDING, TAG_STRATEGY } from '../secret.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';
import { generatePassword } from './password.js';
import { getSecretVersion, errorName } from './secretValues.js';
import { otherUserOf, strategyOf, strategyTagOf, type Strategy } from './strategy.js';

/**
 * createSecret: stores the next credentials under the token as AWSPENDING — AWSCURRENT's
 * JSON with every unknown key kept, a new password and, for alternating users, the other
 * user name.
 *
 * Idempotency: no-op when this token already holds a value (PutSecretValue answers
 * ResourceExistsException for the same token with another value, and keeps the first).
 */
export async function createSecret(
  deps: RotationDeps,
  secretArn: string,
  token: string,
  tags: Tag[] | undefined,
): Promise<'created' | 'kept'> {
  const current = await getSecretVersion(deps, secretArn, 'createSecret', { stage: AWSCURRENT });
  const strategy = strategyOf(current.value, tags);
  const pending = {
    ...current.value,
    username: strategy === 'alternating-users' ? otherUserOf(current.value.username, secretArn) : current.value.username,
    password: generatePassword({ length: deps.settings.passwordLength, exclude: deps.settings.excludeCharacters }),
  };
  await recordStrategy(deps, secretArn, strategy, tags);
  try {
    await deps.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        ClientRequestToken: token,
        SecretString: JSON.stringify(pending),
        VersionStages: [AWSPENDING],
      }),
    );
    return 'created';
  } catch (err) {
    if (err instanceof ResourceExistsException) return 'kept';
    throw new RotationStateError(`createSecret: cannot store AWSPENDING version ${token} of secret ${secretArn}: ${errorName(err)}`, {
      cause: err,
    });
  }
}

/**
 * Keeps the tag `keyroll:strategy=alternating-users` on secrets rotated with alternating
 * users, so finishSecret, `keyroll status` and people see the strategy without reading a
 * value. Costs a call only when the strategy changes; `single-user` is the user's own tag
 * (it asks the master to set a single user's password) and is never written here.
 */
async function recordStrategy(deps: RotationDeps, secretArn: string, strategy: Strategy, tags: Tag[] | undefined): Promise<void> {
  const tagged = strategyTagOf(tags);
  try {
    if (strategy === 'alternating-users' && tagged !== 'alternating-users') {
      await deps.secretsManager.send(
        new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: TAG_STRATEGY, Value: 'alternating-users' }] }),
      );
    } else if (strategy === 'single-user' && tagged === 'alternating-users') {
      await deps.secretsManager.send(new UntagResourceCommand({ SecretId: secretArn, TagKeys: [TAG_STRATEGY] }));
    }
  } catch (err) {
    throw new RotationStateError(`createSecret: cannot record the strategy tag on secret ${secretArn}: ${errorName(err)}`, { cause: err });
  }
}
