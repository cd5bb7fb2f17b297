import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { DatabaseConnectionError, type ConnectionFailure } from '../postgres/errors.js';
import type { DbCredentials, PostgresSession } from '../postgres/gateway.js';
import { resolveStalePending, type StalePendingReport } from '../rotation/resolveStalePending.js';
import { healViaRotate } from '../sync/healViaRotate.js';
import { credentialsOf } from '../rotation/secretValues.js';
import { loadMaster, type Master } from '../rotation/master.js';
import { CLONE_SUFFIX, nextUserOf, originalUserOf, strategyOf } from '../rotation/strategy.js';
import { AWSCURRENT, parseSecretString, sslModeOf, type PostgresSecret } from '../secret.js';
import type { CliContext } from './createCliContext.js';
import { NotFoundError } from './errors.js';
import { loadSecret, type LoadedSecret } from './loadSecret.js';
import { pendingStateOf } from './pendingStateOf.js';
import { describeError } from './reportError.js';

/** One preflight check: what was checked, how it went, and how to fix a failure. Never a value. */
export interface DoctorCheck {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  message: string;
  hint?: string;
}

export interface DoctorReport {
  secretArn: string;
  name: string;
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  /** Heal a stale AWSPENDING (resolveStalePending for real). */
  fix?: boolean;
  /** With `fix`: heal even an AWSPENDING younger than the grace period (a rotation may be running). */
  force?: boolean;
}

const pass = (name: string, message: string): DoctorCheck => ({ name, status: 'pass', message });
const fail = (name: string, message: string, hint?: string): DoctorCheck => ({ name, status: 'fail', message, ...(hint ? { hint } : {}) });
const skip = (name: string, message: string): DoctorCheck => ({ name, status: 'skip', message });

const AWS_HINT = 'check --endpoint-url (AWS_ENDPOINT_URL), --region, the credentials and the IAM permissions';

const CONNECTION_HINTS: Record<ConnectionFailure, string> = {
  network: 'check host and port in the secret, that the database runs, and the network path (VPC, security groups)',
  timeout: 'no answer in time: check the network path (VPC, security groups, NAT) or raise DB_CONNECT_TIMEOUT_MS',
  tls: 'check the TLS mode (sslmode) and the CA bundle: --ca-bundle or DB_CA_BUNDLE (RDS: the global bundle)',
  'no-tls': 'the server offers no TLS: enable TLS on it, or set "sslmode": "prefer" or "disable" in the secret if plaintext is acceptable',
  'auth-method': 'the server asked for a cleartext password over unverified TLS: use sslmode verify-full, or SCRAM authentication on the server',
  server: 'the server refused the session before authentication: check dbname and the connection limits',
};

const describeLogin = (c: DbCredentials) => `"${c.username}" at ${c.host}:${c.port}/${c.dbname} (TLS ${c.sslMode})`;

/**
 * Whether the credentials log in: pass, refused (fail), or unreachable (fail, with a hint per
 * connection failure). Other errors propagate.
 */
async function checkLogin(ctx: CliContext, name: string, creds: DbCredentials, refusedHint: string): Promise<DoctorCheck> {
  try {
    return (await ctx.db().canLogIn(creds))
      ? pass(name, `logs in as ${describeLogin(creds)}`)
      : fail(name, `refused: the database does not accept the password of ${describeLogin(creds)}`, refusedHint);
  } catch (err) {
    if (err instanceof DatabaseConnectionError) return fail(name, `unreachable (${err.reason}): ${err.message}`, CONNECTION_HINTS[err.reason]);
    return fail(name, describeError(err));
  }
}

async function checkEndpoints(ctx: CliContext): Promise<DoctorCheck[]> {
  const probe = async (name: string, what: string, call: () => Promise<unknown>) => {
    try {
      await call();
      return pass(name, `${what} answers`);
    } catch (err) {
      return fail(name, `${what}: ${describeError(err)}`, AWS_HINT);
    }
  };
  return [
    await probe('ssm', 'SSM DescribeParameters', () => ctx.ssm().send(new DescribeParametersCommand({ MaxResults: 1 }))),
    await probe('ecs', 'ECS ListClusters', () => ctx.ecs().send(new ListClustersCommand({ maxResults: 1 }))),
  ];
}

/** The master's login and its privileges over the roles it must manage. */
async function checkMaster(ctx: CliContext, secret: PostgresSecret, loaded: LoadedSecret): Promise<DoctorCheck[]> {
  const strategy = strategyOf(secret, loaded.meta.Tags);
  if (!secret.masterarn) return [skip('master', 'single user: the user changes its own password, no master needed')];
  // The master exactly as rotate checks it: the keyroll:master tag, the same endpoint (from RDS for an RDS-managed one).
  let master: Master;
  try {
    master = await loadMaster(ctx.rotationDeps(), 'doctor', loaded.arn, secret, nextUserOf(secret, strategy, loaded.arn));
    ctx.out.protect(master.credentials.password);
  } catch (err) {
    return [fail('master-secret', `master secret ${secret.masterarn}: ${describeError(err)}`, 'check "masterarn", its keyroll:master=true tag, its endpoint and the permission to read it')];
  }
  const creds = master.credentials;
  const login = await checkLogin(ctx, 'master-login', creds, "put the master user's working password in the master secret");
  if (login.status !== 'pass') return [pass('master-secret', `master secret ${secret.masterarn} parses`), login];

  const original = originalUserOf(secret.username);
  const clone = `${original}${CLONE_SUFFIX}`;
  let privileges: DoctorCheck;
  let ownership: DoctorCheck | undefined;
  try {
    privileges = await ctx.db().withSession(creds, async (session) => {
      const problems: string[] = [];
      if (strategy === 'alternating-users') {
        if (!(await session.canCreateRole())) problems.push('cannot CREATE ROLE (needs CREATEROLE)');
        if (!(await session.canManageRole(original))) problems.push(`cannot manage role "${original}" (needs ADMIN OPTION on it)`);
        if ((await session.roleExists(clone)) && !(await session.canManageRole(clone))) problems.push(`cannot manage role "${clone}" (needs ADMIN OPTION on it)`);
      } else if (!(await session.canManageRole(secret.username))) {
        problems.push(`cannot set the password of "${secret.username}" (needs CREATEROLE and ADMIN OPTION on it)`);
      }
      if (strategy === 'alternating-users' && (await session.roleExists(clone))) ownership = await checkCloneOwnership(session, clone, original);
      return problems.length === 0
        ? pass('master-privileges', `"${master.username}" can ${strategy === 'alternating-users' ? `create "${clone}" and manage "${original}"` : `set the password of "${secret.username}"`}`)
        : fail(
            'master-privileges',
            `"${master.username}" ${problems.join('; ')}`,
            `as a superuser: ALTER ROLE "${master.username}" CREATEROLE; GRANT "${original}" TO "${master.username}" WITH ADMIN OPTION` +
              (strategy === 'alternating-users' ? ` (and the same for "${clone}" if it exists)` : ''),
          );
    });
  } catch (err) {
    privileges = fail('master-privileges', describeError(err));
  }
  return [pass('master-secret', `master secret ${master.arn} is tagged as a master and serves ${creds.host}:${creds.port}`), login, privileges, ...(ownership ? [ownership] : [])];
}

/**
 * Split ownership: a clone that owns objects (as AWS's multi-user template leaves it) loses them
 * when it acts as the original. keyroll reassigns them at the clone's next turn when the master may;
 * otherwise that rotation stops, so this says what to run first.
 */
async function checkCloneOwnership(session: PostgresSession, clone: string, original: string): Promise<DoctorCheck> {
  const owned = await session.ownedObjects(clone);
  const total = owned.hereCount + owned.elsewhereCount;
  if (total === 0) return pass('clone-ownership', `"${clone}" owns no objects: ownership is not split`);
  const listed = owned.here.slice(0, 5).join(', ') + (owned.hereCount > 5 ? ` and ${owned.hereCount - 5} more` : '');
  const where = `${owned.hereCount} object(s) here${owned.hereCount ? ` (${listed})` : ''}${owned.elsewhereCount ? ` and ${owned.elsewhereCount} in other databases` : ''}`;
  const fix = `REASSIGN OWNED BY "${clone}" TO "${original}"`;
  if (owned.elsewhereCount === 0 && (await session.canReassignOwned(clone, original))) {
    return pass('clone-ownership', `"${clone}" owns ${where}: keyroll reassigns them to "${original}" at the clone's next turn`);
  }
  return fail('clone-ownership', `"${clone}" owns ${where}, which the master cannot reassign: the clone's next rotation stops`, `run ${fix} in each database where it owns objects, as a role with the privileges of both`);
}

/** AWSPENDING left on another version than AWSCURRENT: reported (dry run), or healed with `fix`. */
async function checkStalePending(ctx: CliContext, loaded: LoadedSecret, options: DoctorOptions): Promise<DoctorCheck & { healed?: true }> {
  const name = 'stale-pending';
  const state = pendingStateOf(loaded.meta.VersionIdsToStages, loaded.meta.LastChangedDate, new Date());
  if (state.status === 'none') return pass(name, 'no AWSPENDING outside AWSCURRENT');
  const recent = state.status === 'in-progress';
  const heal = options.fix === true && (!recent || options.force === true);
  // Healing is the rotate function's job (only it logs in to databases and moves stages), so
  // --fix asks it; --force, past its one-hour guard, and the dry run act with the operator's own access.
  const rotateFunction = ctx.rotateFunctionArn ?? loaded.meta.RotationLambdaARN;
  let report: { action: StalePendingReport['action'] | string; reason: string; versionId?: string | undefined };
  try {
    report =
      heal && options.force !== true && rotateFunction
        ? await healViaRotate(ctx.lambda(), rotateFunction)(loaded.arn)
        : await resolveStalePending(ctx.rotationDeps(), loaded.arn, { dryRun: !heal });
  } catch (err) {
    return fail(name, `AWSPENDING on version ${state.versionId}; cannot decide how to heal it: ${describeError(err)}`, 'the database must be reachable to tell which password works');
  }
  if (report.action === 'none') return pass(name, 'no AWSPENDING outside AWSCURRENT');
  if (report.action === 'left') {
    return fail(name, `AWSPENDING on version ${report.versionId} left in place: ${report.reason}`, 'fix the database user or the secret value, then run keyroll doctor again');
  }
  const verb = report.action === 'finished' ? 'finish that rotation' : 'remove the stale AWSPENDING label';
  if (heal) return { ...pass(name, `healed AWSPENDING on version ${report.versionId}: ${report.action} (${report.reason})`), healed: true };
  const hint = recent
    ? `the secret changed less than an hour ago: a rotation may still be running. Wait, or run keyroll doctor ${loaded.name} --fix --force`
    : `run keyroll doctor ${loaded.name} --fix`;
  return fail(name, `AWSPENDING on version ${report.versionId}${recent ? ' (recent)' : ''}: --fix would ${verb}: ${report.reason}`, hint);
}

/**
 * Preflight for one secret, each check pass/fail/skip with a fix hint: Secrets Manager answers
 * and the value parses as a PostgreSQL secret; SSM and ECS answer; AWSCURRENT logs in with the
 * secret's TLS mode (refused and unreachable told apart); for a secret with a master, the
 * master logs in and may create and manage the roles it must; no stale AWSPENDING (healed with
 * `fix`: resolveStalePending, which finishes the rotation or drops the label, deciding from
 * what logs in). Checks that depend on a failed one are skipped.
 * @throws NotFoundError for a secret that does not exist.
 */
export async function runDoctorChecks(ctx: CliContext, secretId: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  let loaded: LoadedSecret;
  try {
    loaded = await loadSecret({ secretsManager: ctx.secretsManager(), out: ctx.out }, secretId, { withValue: true });
  } catch (err) {
    if (err instanceof NotFoundError) throw err;
    checks.push(fail('secrets-manager', `cannot read secret ${secretId}: ${describeError(err)}`, AWS_HINT));
    checks.push(...(await checkEndpoints(ctx)));
    return { secretArn: secretId, name: secretId, ok: false, checks };
  }
  checks.push(pass('secrets-manager', `DescribeSecret and GetSecretValue answer for ${loaded.arn}`));
  // Healing first lets the other checks see the healed secret: a finished rotation moved AWSCURRENT.
  let stalePending: DoctorCheck | undefined;
  if (options.fix) {
    const { healed, ...check } = await checkStalePending(ctx, loaded, options);
    stalePending = check;
    if (healed) loaded = await loadSecret({ secretsManager: ctx.secretsManager(), out: ctx.out }, loaded.arn, { withValue: true });
  }

  let secret: PostgresSecret | undefined;
  try {
    secret = parseSecretString(loaded.current!.secretString, { secretId: loaded.arn, versionId: loaded.current!.versionId, stage: AWSCURRENT });
    checks.push(
      pass(
        'secret-value',
        `PostgreSQL secret: user "${secret.username}", TLS ${sslModeOf(secret)}, ${strategyOf(secret, loaded.meta.Tags)}`,
      ),
    );
  } catch (err) {
    checks.push(fail('secret-value', describeError(err), 'the SecretString must be JSON with engine "postgres", host, username and password (see the README)'));
  }
  checks.push(...(await checkEndpoints(ctx)));

  if (secret) {
    checks.push(
      await checkLogin(
        ctx,
        'database-login',
        credentialsOf(secret),
        `if a rotation stopped after setSecret, keyroll doctor ${loaded.name} --fix finishes it; otherwise put the role's working password in the secret`,
      ),
    );
    checks.push(...(await checkMaster(ctx, secret, loaded)));
  } else {
    checks.push(skip('database-login', 'the secret does not parse'), skip('master', 'the secret does not parse'));
  }
  // Without --fix nothing is healed, so the check carries no `healed` mark.
  checks.push(stalePending ?? (await checkStalePending(ctx, loaded, options)));
  return { secretArn: loaded.arn, name: loaded.name, ok: checks.every((c) => c.status !== 'fail'), checks };
}
