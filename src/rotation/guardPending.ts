import { portOf, type PostgresSecret } from '../secret.js';
import { RotationConfigError } from './errors.js';
import { nextUserOf, type Strategy } from './strategy.js';

/**
 * The checks made before pending credentials go anywhere: the pending version must name the
 * current endpoint (host and port), and the current user (single user) or exactly its alternate
 * (alternating users). A tampered or foreign AWSPENDING is refused before any connection.
 * @throws RotationConfigError naming the secret, the step and what differs.
 */
export function guardPendingMatchesCurrent(
  step: string,
  secretArn: string,
  pending: PostgresSecret,
  current: PostgresSecret,
  strategy: Strategy,
): void {
  if (pending.host !== current.host || portOf(pending) !== portOf(current)) {
    throw new RotationConfigError(
      `${step}: secret ${secretArn}: pending endpoint differs from the current one (${current.host}:${portOf(current)})`,
    );
  }
  const expected = nextUserOf(current, strategy, secretArn);
  if (pending.username !== expected) {
    throw new RotationConfigError(
      strategy === 'single-user'
        ? `${step}: secret ${secretArn}: pending user "${pending.username}" differs from current user "${current.username}" (single user)`
        : `${step}: secret ${secretArn}: pending user "${pending.username}" is not the alternate of current user "${current.username}"`,
    );
  }
}
