import { MAX_ROLE_NAME_LENGTH, type PostgresSecret } from '../secret.js';
import { readKeyrollTags, type TagLike } from '../tags.js';
import { RotationConfigError } from './errors.js';

export type Strategy = 'single-user' | 'alternating-users';

export const CLONE_SUFFIX = '_clone';

/**
 * Alternating users when the secret names a master (`masterarn`), unless the tag
 * `keyroll:strategy=single-user` asks the master to set the single user's password.
 */
export function strategyOf(secret: PostgresSecret, tags: readonly TagLike[] | undefined): Strategy {
  if (readKeyrollTags(tags).strategy === 'single-user') return 'single-user';
  return secret.masterarn ? 'alternating-users' : 'single-user';
}

/** Whether the secret's password is set by its master (alternating users, or a single user the master sets). */
export const usesMaster = (secret: PostgresSecret): boolean => secret.masterarn !== undefined;

/** The strategy recorded on the secret's tags (what finishSecret reports without reading a value). */
export function recordedStrategyOf(tags: readonly TagLike[] | undefined): Strategy {
  return readKeyrollTags(tags).strategy === 'alternating-users' ? 'alternating-users' : 'single-user';
}

/** The original role of an alternating pair (`app_clone` → `app`). */
export const originalUserOf = (username: string): string =>
  username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username;

/**
 * The user the next version logs in as: `name` ⇄ `name_clone`, AWS's convention.
 * @throws RotationConfigError when the clone name would exceed PostgreSQL's 63 characters.
 */
export function otherUserOf(username: string, secretId: string): string {
  if (username.endsWith(CLONE_SUFFIX)) return originalUserOf(username);
  const clone = `${username}${CLONE_SUFFIX}`;
  if (Buffer.byteLength(clone, 'utf8') > MAX_ROLE_NAME_LENGTH) {
    throw new RotationConfigError(
      `createSecret: secret ${secretId}: clone user name for "${username}" would be ${Buffer.byteLength(clone, 'utf8')} bytes, over PostgreSQL's ${MAX_ROLE_NAME_LENGTH}`,
    );
  }
  return clone;
}

/** The user a version of this strategy must name, given the current one. */
export const nextUserOf = (current: PostgresSecret, strategy: Strategy, secretId: string): string =>
  strategy === 'alternating-users' ? otherUserOf(current.username, secretId) : current.username;
