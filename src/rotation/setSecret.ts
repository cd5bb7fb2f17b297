import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, dbnameOf, sslModeOf, stricterSslMode, type PostgresSecret } from '../secret.js';
import { DatabaseLoginError } from '../postgres/errors.js';
import type { DbCredentials } from '../postgres/gateway.js';
import type { RotationDeps } from './deps.js';
import { RotationConfigError, RotationDatabaseError, RotationStateError } from './errors.js';
import { credentialsOf, getSecretVersion } from './secretValues.js';
import { CLONE_SUFFIX, originalUserOf, strategyOf } from './strategy.js';
import { guardPendingMatchesCurrent } from './guardPending.js';
import type { Tag } from '@aws-sdk/client-secrets-manager';

/**
 * setSecret: makes the database accept the AWSPENDING credentials.
 * - single user: logs in with AWSCURRENT (else AWSPREVIOUS) and changes its own password;
 *   with `masterarn` and the tag `keyroll:strategy=single-user`, the master sets it;
 * - alternating users: checks AWSCURRENT logs in (confused-deputy guard), then as the
 *   master creates the clone if missing and sets the pending user's password.
 *
 * Idempotency: no-op when the pending credentials already log in (checked after the guards).
 */
export async function setSecret(deps: RotationDeps, secretArn: string, token: string, tags: Tag[] | undefined): Promise<'set' | 'already-set'> {
  const pending = await getSecretVersion(deps, secretArn, 'setSecret', { versionId: token, stage: AWSPENDING });
  const current = await getSecretVersion(deps, secretArn, 'setSecret', { stage: AWSCURRENT });
  // Guards before any connection: pending credentials never go to a host or user the current version does not name.
  const strategy = strategyOf(pending.value, tags);
  guardPendingMatchesCurrent('setSecret', secretArn, pending.value, current.value, strategy);
  if (await canLogIn(deps, secretArn, credentialsOf(pending.value))) return 'already-set';

  if (strategy === 'single-user' && !current.value.masterarn) {
    await setOwnPassword(deps, secretArn, pending.value, current.value);
    return 'set';
  }

  // Confused-deputy guard: the master acts only for a secret whose own credentials are valid
  // (AWSCURRENT; for a single user set by the master, AWSPREVIOUS too, since its window may be open).
  if (!(await canLogIn(deps, secretArn, credentialsOf(current.value))) && !(strategy === 'single-user' && (await previousLogsIn(deps, secretArn, pending.value)))) {
    throw new RotationDatabaseError(
      `setSecret: secret ${secretArn}: AWSCURRENT user "${current.value.username}" cannot log in to ${current.value.host}; refusing to act as the master for it`,
    );
  }
  await setAsMaster(deps, secretArn, pending.value, current.value, strategy === 'alternating-users' && pending.value.username.endsWith(CLONE_SUFFIX));
  return 'set';
}

/** Whether AWSPREVIOUS names the same user and host and logs in (false when there is none). */
async function previousLogsIn(deps: RotationDeps, secretArn: string, pending: PostgresSecret): Promise<boolean> {
  const previous = await getSecretVersion(deps, secretArn, 'setSecret', { stage: AWSPREVIOUS }).catch(() => undefined);
  if (!previous || previous.value.username !== pending.username || previous.value.host !== pending.host) return false;
  return canLogIn(deps, secretArn, credentialsOf(previous.value));
}

/** The single user changes its own password, logged in with AWSCURRENT, else AWSPREVIOUS. */
async function setOwnPassword(deps: RotationDeps, secretArn: string, pending: PostgresSecret, current: PostgresSecret): Promise<void> {
  const change = (creds: DbCredentials) => deps.db.withSession(creds, (s) => s.setPassword(pending.username, pending.password));
  try {
    await change(credentialsOf(current));
    return;
  } catch (err) {
    if (!(err instanceof DatabaseLoginError)) throw wrap(secretArn, err);
  }
  let previous;
  try {
    previous = await getSecretVersion(deps, secretArn, 'setSecret', { stage: AWSPREVIOUS });
  } catch (err) {
    throw new RotationDatabaseError(
      `setSecret: secret ${secretArn}: AWSCURRENT user "${current.username}" cannot log in to ${current.host} and there is no usable AWSPREVIOUS`,
      { cause: err },
    );
  }
  if (previous.value.username !== pending.username || previous.value.host !== pending.host) {
    throw new RotationConfigError(`setSecret: secret ${secretArn}: AWSPREVIOUS names another user or host; not using it`);
  }
  try {
    await change(credentialsOf(previous.value));
  } catch (err) {
    throw wrap(secretArn, err, 'neither AWSCURRENT nor AWSPREVIOUS can log in');
  }
}

/**
 * Logs in as the master (`masterarn`'s AWSCURRENT, on the child's database) and sets the
 * pending user's password, creating the clone role first when it is the clone's turn.
 */
async function setAsMaster(
  deps: RotationDeps,
  secretArn: string,
  pending: PostgresSecret,
  current: PostgresSecret,
  isClone: boolean,
): Promise<void> {
  // The master named by AWSCURRENT, not by the pending value: AWSPENDING is never trusted to pick who acts.
  const masterArn = current.masterarn;
  if (!masterArn) throw new RotationConfigError(`setSecret: secret ${secretArn}: AWSCURRENT names no masterarn`);
  let master;
  try {
    master = await getSecretVersion(deps, masterArn, 'setSecret', { stage: AWSCURRENT });
  } catch (err) {
    throw new RotationStateError(`setSecret: secret ${secretArn}: cannot read master secret ${masterArn}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (master.value.host !== current.host) {
    throw new RotationConfigError(
      `setSecret: secret ${secretArn}: master secret ${masterArn} is for host ${master.value.host}, not ${current.host}`,
    );
  }
  if (master.value.username === pending.username || master.value.username === originalUserOf(pending.username)) {
    throw new RotationConfigError(`setSecret: secret ${secretArn}: the pending user is the master's own user; refusing`);
  }
  // Same host, so the master's session is held to the stricter of the two TLS modes.
  const masterCreds = credentialsOf(master.value, {
    dbname: dbnameOf(current),
    sslMode: stricterSslMode(sslModeOf(master.value), sslModeOf(current)),
  });
  try {
    await deps.db.withSession(masterCreds, (s) =>
      isClone
        ? s.ensureCloneRole(pending.username, originalUserOf(pending.username), pending.password)
        : s.setPassword(pending.username, pending.password),
    );
  } catch (err) {
    throw wrap(secretArn, err, `as master ${master.value.username} from ${masterArn}`);
  }
}

async function canLogIn(deps: RotationDeps, secretArn: string, creds: DbCredentials): Promise<boolean> {
  try {
    return await deps.db.canLogIn(creds);
  } catch (err) {
    throw wrap(secretArn, err);
  }
}

function wrap(secretArn: string, err: unknown, context?: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new RotationDatabaseError(`setSecret: secret ${secretArn}${context ? ` (${context})` : ''}: ${message}`, { cause: err });
}
