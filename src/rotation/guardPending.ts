import type { PostgresSecret } from '../secret.js';
import { RotationConfigError } from './errors.js';
import { otherUserOf, type Strategy } from './strategy.js';

/**
 * The checks made before pending credentials go anywhere: the pending version must name the
 * current host, and the current user (single user) or exactly its alternate (alternating
 * users). A tampered or foreign AWSPENDING is refused before any connection.
 * @throws RotationConfigError naming the secret, the step and what differs.
 */
export function guardPendingMatchesCurrent(
  step: string,
  secretArn: string,
  pending: PostgresSecret,
  current: PostgresSecret,
  strategy: Strategy,
): void {
  if (pending.host !== current.host) {
    throw new RotationConfigError(`${step}: secret ${secretArn}: pending host differs from the current host (${current.host})`);
  }
  if (strategy === 'single-user' && pending.username !== current.username) {
    throw new RotationConfigError(
      `${step}: secret ${secretArn}: pending user "${pending.username}" differs from current user "${current.username}" (single user)`,
    );
  }
  if (strategy === 'alternating-users' && pending.username !== otherUserOf(current.username, secretArn)) {
    throw new RotationConfigError(
      `${step}: secret ${secretArn}: pending user "${pending.username}" is not the alternate of current user "${current.username}"`,
    );
  }
}
