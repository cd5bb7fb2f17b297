import { createHash } from 'node:crypto';
import { CreateSecretCommand, GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import type { TestAws } from './endpoint.js';
import { readVersionStages } from './awsFixtures.js';
import { createLoginRole, credentialsFor, uniqueName, usePostgres, withAdmin, type TestRole } from './postgres.js';
import { createLazyRdsClient } from '../../src/aws.js';
import { createPostgresGateway, type PostgresGateway } from '../../src/postgres/gateway.js';
import type { RotationDeps } from '../../src/rotation/deps.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { RotateFunctionEventSchema, ROTATION_STEPS } from '../../src/events.js';
import { handleRotateEvent } from '../../src/rotation/handleRotateEvent.js';
import { DEFAULT_EXCLUDE_CHARACTERS } from '../../src/config.js';
import { TAG_MASTER, TAG_SSM_PATH } from '../../src/tags.js';
import type { SessionDeps } from '../../src/postgres/session.js';

export const ROTATION_FUNCTION = 'keyroll-rotate';
export const rotationLambdaArn = (aws: TestAws, functionName = ROTATION_FUNCTION) =>
  `arn:aws:lambda:${aws.endpoint.region}:${aws.endpoint.accountId}:function:${functionName}`;

/** Rotation deps pointed at the test endpoint and the shared PostgreSQL (CA trusted). */
export function rotationDeps(aws: TestAws, beforeStatement?: SessionDeps['beforeStatement']): RotationDeps & { db: PostgresGateway } {
  return {
    secretsManager: aws.sm,
    eventBridge: aws.events,
    rds: createLazyRdsClient({ endpoint: aws.endpoint.url, region: aws.endpoint.region, maxAttempts: 2 }),
    db: createPostgresGateway({ caBundle: usePostgres().caCertPath, connectTimeoutMs: 5_000, beforeStatement }),
    settings: { passwordLength: 32, excludeCharacters: DEFAULT_EXCLUDE_CHARACTERS, eventBusName: 'default' },
  };
}

/** Registers the rotation function on the endpoint as an in-process Lambda running the domain code with `deps`. */
export function registerRotation(aws: TestAws, deps: RotationDeps): void {
  aws.endpoint.lambdas.register(ROTATION_FUNCTION, (event) =>
    handleRotateEvent(deps, RotateFunctionEventSchema.parse(event), { functionArn: rotationLambdaArn(aws) }),
  );
}

export interface SeededSecret {
  arn: string;
  name: string;
  role: TestRole;
  master?: { arn: string; role: TestRole };
  /** Every password this secret's roles had at seeding (for "never printed" checks). */
  passwords: string[];
}

/**
 * A PostgreSQL login role and a Secrets Manager secret for it (AWS's JSON shape plus an
 * unknown key `team` that rotation must keep). With `alternating`, also a master role
 * (CREATEROLE + ADMIN OPTION on the app role, PostgreSQL 16+ rules) and its secret.
 */
export async function seedSecret(
  aws: TestAws,
  options: { alternating?: boolean; extra?: Record<string, unknown>; tags?: Array<{ Key: string; Value: string }>; sslmode?: string; name?: string } = {},
): Promise<SeededSecret> {
  const pgInfo = usePostgres();
  const role = await createLoginRole({ prefix: 'app', databaseGrants: ['CONNECT'] });
  const base = { engine: 'postgres', host: pgInfo.host, port: pgInfo.port, dbname: 'postgres', sslmode: options.sslmode ?? 'verify-full' };
  let master: SeededSecret['master'];
  if (options.alternating) {
    const masterRole = await createLoginRole({ prefix: 'master', attributes: ['CREATEROLE'], databaseGrants: ['CONNECT'] });
    await withAdmin((admin) => admin.query(`GRANT ${pg.escapeIdentifier(role.name)} TO ${pg.escapeIdentifier(masterRole.name)} WITH ADMIN OPTION`));
    const m = await aws.sm.send(
      new CreateSecretCommand({
        Name: uniqueName('master'),
        SecretString: JSON.stringify({ ...base, username: masterRole.name, password: masterRole.password }),
        // As deployed: the rotate role may read a master only when it carries this tag.
        Tags: [{ Key: TAG_MASTER, Value: 'true' }],
      }),
    );
    master = { arn: m.ARN!, role: masterRole };
  }
  // A mirrored secret is named after its path, the binding the default rule (SSM_PATH_PREFIX "/") accepts.
  const ssmPath = options.tags?.find((t) => t.Key === TAG_SSM_PATH)?.Value;
  const name = options.name ?? (ssmPath?.startsWith('/') ? ssmPath.slice(1) : uniqueName('secret'));
  const created = await aws.sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify({
        ...base,
        username: role.name,
        password: role.password,
        team: 'payments',
        ...(master ? { masterarn: master.arn } : {}),
        ...options.extra,
      }),
      ...(options.tags ? { Tags: options.tags } : {}),
    }),
  );
  return { arn: created.ARN!, name, role, ...(master ? { master } : {}), passwords: [role.password, ...(master ? [master.role.password] : [])] };
}

/** RotateSecret through the SDK, then waits for the endpoint to finish invoking the steps. */
export async function rotateAndWait(aws: TestAws, secretArn: string, token?: string): Promise<string> {
  const out = await aws.sm.send(
    new RotateSecretCommand({
      SecretId: secretArn,
      RotationLambdaARN: rotationLambdaArn(aws),
      RotationRules: { AutomaticallyAfterDays: 30 },
      ...(token ? { ClientRequestToken: token } : {}),
    }),
  );
  await aws.endpoint.idle(30_000);
  return out.VersionId!;
}

/** Runs the four steps directly with one token, as Secrets Manager does when it retries a rotation. */
export async function runAllSteps(deps: RotationDeps, secretArn: string, token: string): Promise<void> {
  for (const Step of ROTATION_STEPS) await runRotationStep(deps, { SecretId: secretArn, ClientRequestToken: token, Step });
}

/** VersionIdsToStages of a secret. */
export const stagesOf = readVersionStages;

export async function valueOf(aws: TestAws, secretArn: string, stage = 'AWSCURRENT'): Promise<Record<string, unknown> & { username: string; password: string }> {
  const v = await aws.sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: stage }));
  return JSON.parse(v.SecretString!);
}

/** Whether a secret value's credentials log in to the shared server. */
export async function logsIn(db: PostgresGateway, value: { username: string; password: string }): Promise<boolean> {
  return db.canLogIn(credentialsFor(value.username, value.password));
}

const PAUSED_FUNCTION = 'keyroll-rotate-paused';

/**
 * Starts a rotation whose function does nothing (it fails its first step on purpose), so a
 * test can drive the steps itself: rotation enabled, a value-less AWSPENDING version.
 * @returns the pending version's token.
 */
export async function startPausedRotation(aws: TestAws, secretArn: string): Promise<string> {
  aws.endpoint.lambdas.register(PAUSED_FUNCTION, async () => {
    throw new Error('paused by the test: steps are driven directly');
  });
  const out = await aws.sm.send(
    new RotateSecretCommand({
      SecretId: secretArn,
      RotationLambdaARN: rotationLambdaArn(aws, PAUSED_FUNCTION),
      RotationRules: { AutomaticallyAfterDays: 30 },
    }),
  );
  await aws.endpoint.idle(10_000);
  return out.VersionId!;
}

/** Stages, a digest of every version's value and who logs in: enough to compare states without printing secrets. */
export async function snapshotSecret(aws: TestAws, secretArn: string) {
  const stages = await stagesOf(aws, secretArn);
  const db = rotationDeps(aws).db;
  const versions: Record<string, { stages: string[]; digest: string | null; logsIn: boolean | null }> = {};
  for (const [id, s] of Object.entries(stages)) {
    const v = await aws.sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionId: id })).catch(() => undefined);
    const value = v?.SecretString ? (JSON.parse(v.SecretString) as { username: string; password: string }) : undefined;
    versions[id] = {
      stages: [...s].sort(),
      digest: value ? createHash('sha256').update(v!.SecretString!).digest('hex') : null,
      logsIn: value ? await logsIn(db, value) : null,
    };
  }
  return versions;
}
