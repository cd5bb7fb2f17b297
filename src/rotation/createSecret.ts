import {
  PutSecretValueCommand,
  ResourceExistsException,
  TagResourceCommand,
  UntagResourceCommand,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import { AWSCURRENT, AWSPENDING } from '../secret.js';
import { readKeyrollTags, TAG_STRATEGY } from '../tags.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';
import { loadMaster } from './master.js';
import { generatePassword } from './password.js';
import { getSecretVersion, isMissingValue } from './secretValues.js';
import { nextUserOf, strategyOf, usesMaster, type Strategy } from './strategy.js';

/**
 * createSecret: stores the next credentials under the token as AWSPENDING — AWSCURRENT's JSON,
 * every key in its place (unknown ones too), with a new password and, for alternating users, the
 * other user name. Every check that can refuse the rotation (the user name, the master's tag,
 * endpoint and user) runs before anything is written.
 *
 * Idempotency: no-op when this token already holds a value (read first, as AWS's templates do).
 */
export async function createSecret(deps: RotationDeps, secretArn: string, token: string, tags: Tag[] | undefined): Promise<'created' | 'kept'> {
  if (await pendingHasValue(deps, secretArn, token)) return 'kept';

  const current = await getSecretVersion(deps, secretArn, 'createSecret', { stage: AWSCURRENT });
  const strategy = strategyOf(current.value, tags);
  const username = nextUserOf(current.value, strategy, secretArn);
  if (usesMaster(current.value)) await loadMaster(deps, 'createSecret', secretArn, current.value, username);

  const password = generatePassword({ length: deps.settings.passwordLength, exclude: deps.settings.excludeCharacters });
  const pending = { ...current.raw, username, password };
  // After every check, before the value: a refusal leaves nothing behind, a retry finds it recorded.
  await recordStrategy(deps, secretArn, strategy, tags);
  try {
    await deps.secretsManager.send(
      new PutSecretValueCommand({ SecretId: secretArn, ClientRequestToken: token, SecretString: JSON.stringify(pending), VersionStages: [AWSPENDING] }),
    );
  } catch (err) {
    // Another run stored this token's value meanwhile: Secrets Manager keeps the first.
    if (err instanceof ResourceExistsException) return 'kept';
    throw new RotationStateError(`createSecret: cannot store AWSPENDING version ${token} of secret ${secretArn}: ${errorText(err, [password, current.value.password])}`, { cause: err });
  }
  return 'created';
}

async function pendingHasValue(deps: RotationDeps, secretArn: string, token: string): Promise<boolean> {
  try {
    await getSecretVersion(deps, secretArn, 'createSecret', { versionId: token, stage: AWSPENDING });
    return true;
  } catch (err) {
    if (isMissingValue(err)) return false;
    throw err;
  }
}

/**
 * Keeps the tag `keyroll:strategy=alternating-users` on secrets rotated with alternating
 * users, so finishSecret, `keyroll status` and people see the strategy without reading a
 * value. Costs a call only when the strategy changes; `single-user` is the user's own tag
 * (it asks the master to set a single user's password) and is never written here.
 */
async function recordStrategy(deps: RotationDeps, secretArn: string, strategy: Strategy, tags: Tag[] | undefined): Promise<void> {
  const tagged = readKeyrollTags(tags).strategy;
  try {
    if (strategy === 'alternating-users' && tagged !== 'alternating-users') {
      await deps.secretsManager.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: TAG_STRATEGY, Value: 'alternating-users' }] }));
    } else if (strategy === 'single-user' && tagged === 'alternating-users') {
      await deps.secretsManager.send(new UntagResourceCommand({ SecretId: secretArn, TagKeys: [TAG_STRATEGY] }));
    }
  } catch (err) {
    throw new RotationStateError(`createSecret: cannot record the strategy tag on secret ${secretArn}: ${errorText(err)}`, { cause: err });
  }
}
