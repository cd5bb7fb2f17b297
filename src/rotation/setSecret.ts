import type { Tag } from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, portOf, type PostgresSecret } from '../secret.js';
import { DatabaseLoginError } from '../postgres/errors.js';
import type { DbCredentials, PostgresSession } from '../postgres/gateway.js';
import type { RotationDeps } from './deps.js';
import { RotationConfigError, RotationDatabaseError } from './errors.js';
import { guardPendingMatchesCurrent } from './guardPending.js';
import { loadMaster, type Master } from './master.js';
import { credentialsOf, getSecretVersion, isMissingValue, type SecretVersion } from './secretValues.js';
import { CLONE_SUFFIX, originalUserOf, strategyOf, usesMaster } from './strategy.js';

/**
 * setSecret: makes the database accept the AWSPENDING credentials.
 * - single user: logs in with AWSCURRENT (else AWSPREVIOUS) and changes its own password;
 *   with `masterarn` and the tag `keyroll:strategy=single-user`, the master sets it;
 * - alternating users: checks AWSCURRENT logs in (confused-deputy guard), then as the master
 *   creates or refreshes the clone, or sets the original's password, each only for a role
 *   this secret's own versions used (see guardRoleTakeover).
 *
 * Idempotency: no-op when the pending credentials already log in (checked after the guards).
 */
export async function setSecret(deps: RotationDeps, secretArn: string, token: string, tags: Tag[] | undefined): Promise<'set' | 'already-set'> {
  const pending = await getSecretVersion(deps, secretArn, 'setSecret', { versionId: token, stage: AWSPENDING });
  const current = await getSecretVersion(deps, secretArn, 'setSecret', { stage: AWSCURRENT });
  // Guards before any connection: pending credentials never go to an endpoint or user the current version does not name.
  const strategy = strategyOf(pending.value, tags);
  guardPendingMatchesCurrent('setSecret', secretArn, pending.value, current.value, strategy);
  if (await canLogIn(deps, secretArn, credentialsOf(pending.value))) return 'already-set';

  if (!usesMaster(current.value)) {
    await setOwnPassword(deps, secretArn, pending.value, current.value);
    return 'set';
  }
  const master = await loadMaster(deps, 'setSecret', secretArn, current.value, pending.value.username);
  // Confused-deputy guard: the master acts only for a secret whose own credentials are valid
  // (AWSCURRENT; for a single user set by the master, AWSPREVIOUS too, since its window may be open).
  const previous = await readPrevious(deps, secretArn);
  const sameUserPrevious = previous && previous.value.username === pending.value.username && sameEndpoint(previous.value, pending.value);
  if (!(await canLogIn(deps, secretArn, credentialsOf(current.value))) && !(strategy === 'single-user' && sameUserPrevious && (await canLogIn(deps, secretArn, credentialsOf(previous.value))))) {
    throw new RotationDatabaseError(
      `setSecret: secret ${secretArn}: AWSCURRENT user "${current.value.username}" cannot log in to ${current.value.host}:${portOf(current.value)}; refusing to act as the master for it`,
    );
  }
  const usedUsers = [current.value.username, ...(previous && sameEndpoint(previous.value, current.value) ? [previous.value.username] : [])];
  await setAsMaster(deps, secretArn, master, pending.value, strategy === 'alternating-users', usedUsers);
  return 'set';
}

const sameEndpoint = (a: PostgresSecret, b: PostgresSecret) => a.host === b.host && portOf(a) === portOf(b);

/** AWSPREVIOUS, or undefined when there is none (a first rotation); any other failure is thrown. */
async function readPrevious(deps: RotationDeps, secretArn: string): Promise<SecretVersion | undefined> {
  try {
    return await getSecretVersion(deps, secretArn, 'setSecret', { stage: AWSPREVIOUS });
  } catch (err) {
    if (isMissingValue(err)) return undefined;
    throw err;
  }
}

/** The single user changes its own password, logged in with AWSCURRENT, else AWSPREVIOUS. */
async function setOwnPassword(deps: RotationDeps, secretArn: string, pending: PostgresSecret, current: PostgresSecret): Promise<void> {
  const change = (creds: DbCredentials) => deps.db.withSession(creds, (s) => s.setPassword(pending.username, pending.password));
  let currentFailure: DatabaseLoginError;
  try {
    await change(credentialsOf(current));
    return;
  } catch (err) {
    if (!(err instanceof DatabaseLoginError)) throw wrap(secretArn, err);
    currentFailure = err;
  }
  // The database's own reason for refusing AWSCURRENT stays in every message from here on.
  const refused = `AWSCURRENT user "${current.username}" cannot log in (${currentFailure.message})`;
  const previous = await readPrevious(deps, secretArn);
  if (!previous) throw new RotationDatabaseError(`setSecret: secret ${secretArn}: ${refused}, and there is no usable AWSPREVIOUS`, { cause: currentFailure });
  if (previous.value.username !== pending.username || !sameEndpoint(previous.value, pending)) {
    throw new RotationConfigError(`setSecret: secret ${secretArn}: ${refused}, and AWSPREVIOUS names another user or endpoint; not using it`, { cause: currentFailure });
  }
  try {
    await change(credentialsOf(previous.value));
  } catch (err) {
    throw wrap(secretArn, err, `${refused}; AWSPREVIOUS cannot either`);
  }
}

/**
 * Logs in as the master on the child's database and sets the pending user's password: creating
 * or refreshing the clone when it is the clone's turn (alternating users), else ALTER ROLE.
 */
async function setAsMaster(deps: RotationDeps, secretArn: string, master: Master, pending: PostgresSecret, alternating: boolean, usedUsers: string[]): Promise<void> {
  const isClone = alternating && pending.username.endsWith(CLONE_SUFFIX);
  try {
    await deps.db.withSession(master.credentials, async (s) => {
      if (alternating) await guardRoleTakeover(s, secretArn, pending.username, usedUsers);
      if (!isClone) return s.setPassword(pending.username, pending.password);
      const reassignOwned = await mustReassignOwned(s, secretArn, pending.username, originalUserOf(pending.username));
      await s.ensureCloneRole(pending.username, originalUserOf(pending.username), pending.password, { reassignOwned });
      if (reassignOwned) deps.logger?.info('clone objects reassigned to the original role', { secretArn, clone: pending.username });
    });
  } catch (err) {
    if (err instanceof RotationConfigError) throw err;
    throw wrap(secretArn, err, `as master ${master.username} from ${master.arn}`);
  }
}

/**
 * The roles an alternating secret may reach through its master (tenant boundary, checked in the
 * database, where an attacker's roles live):
 * - a clone `x_clone` that no version of this secret used (AWSCURRENT, AWSPREVIOUS) and that
 *   exists already is taken over only if it is a member of `x` and no one else administers it:
 *   that is a clone this secret's master made in a rotation that did not finish. A clone created
 *   beforehand by someone else is never granted membership, nor given a password;
 * - the flip from `x_clone` back to `x` happens only when `x_clone` is a member of `x`: otherwise
 *   the master would set the password of a role the secret never logged in as.
 */
async function guardRoleTakeover(session: PostgresSession, secretArn: string, pendingUser: string, usedUsers: string[]): Promise<void> {
  if (pendingUser.endsWith(CLONE_SUFFIX)) {
    const original = originalUserOf(pendingUser);
    const standing = await session.roleStanding(pendingUser, original);
    if (!standing.exists || usedUsers.includes(pendingUser)) return;
    if (standing.memberOfOriginal && standing.otherAdmins.length === 0) return;
    const who = standing.otherAdmins.length ? `; it is administered by ${standing.otherAdmins.slice(0, 5).join(', ')}` : '';
    throw new RotationConfigError(
      `setSecret: secret ${secretArn}: role "${pendingUser}" already exists, but no version of this secret used it and it is not a clone keyroll made${who}; ` +
        `keyroll never takes over a role it did not create. Drop or rename that role (DROP ROLE "${pendingUser}") and rotate again`,
    );
  }
  const clone = usedUsers[0]!;
  if (!clone.endsWith(CLONE_SUFFIX) || originalUserOf(clone) !== pendingUser) return;
  const standing = await session.roleStanding(clone, pendingUser);
  if (!standing.memberOfOriginal) {
    throw new RotationConfigError(
      `setSecret: secret ${secretArn}: current user "${clone}" is not a member of "${pendingUser}", so it is no clone of it; keyroll will not set "${pendingUser}"'s password. ` +
        `If "${clone}" is "${pendingUser}"'s clone, grant it (GRANT "${pendingUser}" TO "${clone}"); else correct the secret's username`,
    );
  }
}

/**
 * A clone that owns objects (one AWS's multi-user template made: it creates tables as itself) would
 * lose access to them once it acts as the original (`SET role`). They are reassigned to the original
 * in the same transaction when the master may; otherwise the rotation stops here, before anything
 * changes, with the objects named and the command to run, so the application is never locked out.
 * @returns whether ensureCloneRole must reassign them.
 */
async function mustReassignOwned(session: PostgresSession, secretArn: string, clone: string, original: string): Promise<boolean> {
  const owned = await session.ownedObjects(clone);
  if (owned.hereCount === 0 && owned.elsewhereCount === 0) return false;
  const fix = `REASSIGN OWNED BY "${clone}" TO "${original}"`;
  if (owned.elsewhereCount > 0) {
    throw new RotationConfigError(
      `setSecret: secret ${secretArn}: role "${clone}" owns ${owned.elsewhereCount} object(s) in other databases, which it would no longer reach acting as "${original}"; ` +
        `run ${fix} in each of those databases (and in this one, where it owns ${owned.hereCount}), then rotate again. Nothing was changed`,
    );
  }
  if (await session.canReassignOwned(clone, original)) return true;
  const listed = owned.here.slice(0, 10).join(', ') + (owned.hereCount > 10 ? ` and ${owned.hereCount - 10} more` : '');
  throw new RotationConfigError(
    `setSecret: secret ${secretArn}: role "${clone}" owns ${owned.hereCount} object(s) (${listed}), which it would no longer reach acting as "${original}", and the master may not reassign them; ` +
      `run ${fix} as a role with the privileges of both, then rotate again. Nothing was changed`,
  );
}

async function canLogIn(deps: RotationDeps, secretArn: string, creds: DbCredentials): Promise<boolean> {
  try {
    return await deps.db.canLogIn(creds);
  } catch (err) {
    throw wrap(secretArn, err);
  }
}

function wrap(secretArn: string, err: unknown, context?: string): Error {
  return new RotationDatabaseError(`setSecret: secret ${secretArn}${context ? ` (${context})` : ''}: ${errorText(err)}`, { cause: err });
}
