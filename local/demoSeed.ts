/**
 * The demo the local stack rotates: two PostgreSQL logins kept in Secrets Manager (one
 * single-user, one alternating-users with its master), both mirrored to Parameter Store, and an
 * ECS cluster whose services read them in every way keyroll recognises, plus services that
 * must be left alone.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { KeyrollError } from '../src/errors.js';
import { closeClient, connectClient } from '../src/postgres/connect.js';
import { scramSha256Verifier } from '../src/postgres/scramSha256Verifier.js';
import { TAG_KMS_KEY, TAG_MASTER, TAG_SSM_PATH, TAG_SSM_PLAIN } from '../src/tags.js';
import type { LocalPostgres } from './postgres.js';
import type { StackClients } from './stackClients.js';

/** KMS key the demo's single-user secret names in `keyroll:kms-key` (the stack must know it). */
export const DEMO_KMS_KEY = 'alias/keyroll-demo';
/** The ECS cluster every demo service runs in. */
export const DEMO_CLUSTER = 'keyroll-demo';

/** A demo secret: what it is, never its value. */
export interface DemoSecret {
  name: string;
  arn: string;
  strategy: 'single-user' | 'alternating-users';
  /** The login role the secret starts with. */
  username: string;
  ssmPath: string;
  kmsKey?: string;
  master?: { name: string; arn: string; username: string };
}

/** What the pipeline should do to a demo service when its secret rotates. */
export type DemoExpectation = 'restart' | 'skip' | 'untouched';

/** A demo ECS service. */
export interface DemoService {
  cluster: string;
  name: string;
  arn: string;
  /** How its task definition reads the secret, for the printout. */
  reads: string;
  /** The demo secret it uses; undefined for the unrelated service. */
  secretName?: string;
  expect: DemoExpectation;
}

/** What seedDemo created: the secrets and services the checks look at. */
export interface Demo {
  secrets: DemoSecret[];
  services: DemoService[];
}

/** Seeding the demo failed; the message names the step. */
export class DemoSeedError extends KeyrollError {}

const EMAIL = { name: 'email-worker/local/db', username: 'email_worker', ssmPath: '/email-worker/local/db' };
const BILLING = { name: 'billing/local/db', username: 'billing', ssmPath: '/billing/local/db' };
const BILLING_MASTER = { name: 'billing/local/master', username: 'billing_admin' };

/** An ASCII password with every character class, as keyroll's own generator would make. */
const newPassword = () => `Kr${randomBytes(18).toString('base64url')}7!`;

/**
 * Creates the demo's roles on the local PostgreSQL (as its superuser, passwords sent as SCRAM
 * verifiers), their secrets, the ECS cluster and services, and waits until every service's
 * first deployment has completed, so the rotation starts from a steady state.
 * @throws DemoSeedError naming the step that failed.
 */
export async function seedDemo(deps: { clients: StackClients; postgres: LocalPostgres; region: string; accountId: string }): Promise<Demo> {
  const { clients, postgres } = deps;
  const emailPassword = newPassword();
  const billingPassword = newPassword();
  const masterPassword = newPassword();

  await step('create the PostgreSQL roles', async () => {
    const admin = await connectClient(
      { host: postgres.host, port: postgres.port, username: postgres.superuser, password: postgres.superuserPassword, dbname: 'postgres', sslMode: 'verify-full' },
      { caBundle: postgres.caCertPath },
    );
    try {
      const literal = (verifier: string) => `'${verifier.replaceAll("'", "''")}'`;
      await admin.query(`CREATE ROLE ${EMAIL.username} LOGIN PASSWORD ${literal(scramSha256Verifier(emailPassword))}`);
      await admin.query(`CREATE ROLE ${BILLING.username} LOGIN PASSWORD ${literal(scramSha256Verifier(billingPassword))}`);
      // PostgreSQL 16+: CREATEROLE alone no longer lets the master manage a role it did not create.
      await admin.query(`CREATE ROLE ${BILLING_MASTER.username} LOGIN CREATEROLE PASSWORD ${literal(scramSha256Verifier(masterPassword))}`);
      await admin.query(`GRANT ${BILLING.username} TO ${BILLING_MASTER.username} WITH ADMIN OPTION`);
    } finally {
      await closeClient(admin);
    }
  });

  const base = { engine: 'postgres', host: postgres.host, port: postgres.port, dbname: 'postgres', sslmode: 'verify-full' };
  const createSecret = (name: string, value: Record<string, unknown>, tags: Record<string, string>, description: string) =>
    step(`create secret ${name}`, async () => {
      const out = await clients.sm.send(
        new CreateSecretCommand({
          Name: name,
          Description: description,
          SecretString: JSON.stringify(value),
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return out.ARN!;
    });

  const emailArn = await createSecret(
    EMAIL.name,
    { ...base, username: EMAIL.username, password: emailPassword },
    { [TAG_SSM_PATH]: EMAIL.ssmPath, [TAG_KMS_KEY]: DEMO_KMS_KEY },
    'Demo: the email worker logs in as itself (single user)',
  );
  // Tagged as a deployed master must be: the rotate role reads only masters tagged keyroll:master=true.
  const masterArn = await createSecret(
    BILLING_MASTER.name,
    { ...base, username: BILLING_MASTER.username, password: masterPassword },
    { [TAG_MASTER]: 'true' },
    'Demo: may CREATE ROLE billing_clone',
  );
  const billingArn = await createSecret(
    BILLING.name,
    { ...base, username: BILLING.username, password: billingPassword, masterarn: masterArn },
    { [TAG_SSM_PATH]: BILLING.ssmPath, [TAG_SSM_PLAIN]: 'host,port,dbname' },
    'Demo: billing alternates between billing and billing_clone',
  );

  const parameterArn = (name: string) => `arn:aws:ssm:${deps.region}:${deps.accountId}:parameter${name}`;
  const plan: Array<Omit<DemoService, 'arn' | 'cluster'> & { secrets: Array<{ name: string; valueFrom: string }>; desiredCount: number }> = [
    {
      name: 'email-worker',
      reads: 'the secret by ARN with JSON keys (password, username)',
      secretName: EMAIL.name,
      expect: 'restart',
      desiredCount: 2,
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: `${emailArn}:password::` },
        { name: 'DB_USER', valueFrom: `${emailArn}:username::` },
      ],
    },
    {
      name: 'email-digest',
      reads: `parameter ${EMAIL.ssmPath}/url by name`,
      secretName: EMAIL.name,
      expect: 'restart',
      desiredCount: 1,
      secrets: [{ name: 'DATABASE_URL', valueFrom: `${EMAIL.ssmPath}/url` }],
    },
    {
      name: 'email-backfill',
      reads: 'the secret by ARN, scaled to 0 tasks',
      secretName: EMAIL.name,
      expect: 'skip',
      desiredCount: 0,
      secrets: [{ name: 'DB_PASSWORD', valueFrom: `${emailArn}:password::` }],
    },
    {
      name: 'billing-api',
      reads: `parameter ${BILLING.ssmPath}/url by ARN`,
      secretName: BILLING.name,
      expect: 'restart',
      desiredCount: 2,
      secrets: [{ name: 'DATABASE_URL', valueFrom: parameterArn(`${BILLING.ssmPath}/url`) }],
    },
    {
      name: 'billing-worker',
      reads: 'the secret by ARN with JSON keys username and password (one source: the pair always matches)',
      secretName: BILLING.name,
      expect: 'restart',
      desiredCount: 1,
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: `${billingArn}:password::` },
        { name: 'DB_USER', valueFrom: `${billingArn}:username::` },
      ],
    },
    {
      name: 'storefront',
      reads: 'an unrelated parameter /storefront/local/api-key',
      expect: 'untouched',
      desiredCount: 2,
      secrets: [{ name: 'API_KEY', valueFrom: '/storefront/local/api-key' }],
    },
  ];

  await step(`create ECS cluster ${DEMO_CLUSTER}`, () => clients.ecs.send(new CreateClusterCommand({ clusterName: DEMO_CLUSTER })));
  const services: DemoService[] = [];
  for (const s of plan) {
    const arn = await step(`create ECS service ${s.name}`, async () => {
      const td = await clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: s.name,
          containerDefinitions: [{ name: s.name, image: `example.com/${s.name}:1.0`, memory: 256, essential: true, secrets: s.secrets }],
        }),
      );
      const out = await clients.ecs.send(
        new CreateServiceCommand({
          cluster: DEMO_CLUSTER,
          serviceName: s.name,
          taskDefinition: td.taskDefinition!.taskDefinitionArn!,
          desiredCount: s.desiredCount,
          deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
        }),
      );
      return out.service!.serviceArn!;
    });
    services.push({
      cluster: DEMO_CLUSTER,
      name: s.name,
      arn,
      reads: s.reads,
      expect: s.expect,
      ...(s.secretName ? { secretName: s.secretName } : {}),
    });
  }
  await step('wait for the first deployments to complete', () => waitForSteadyState(clients, services.map((s) => s.arn), 20_000));

  return {
    secrets: [
      { name: EMAIL.name, arn: emailArn, strategy: 'single-user', username: EMAIL.username, ssmPath: EMAIL.ssmPath, kmsKey: DEMO_KMS_KEY },
      {
        name: BILLING.name,
        arn: billingArn,
        strategy: 'alternating-users',
        username: BILLING.username,
        ssmPath: BILLING.ssmPath,
        master: { name: BILLING_MASTER.name, arn: masterArn, username: BILLING_MASTER.username },
      },
    ],
    services,
  };
}

async function step<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new DemoSeedError(`demo: cannot ${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
}

/**
 * Waits until every service has a single, COMPLETED deployment.
 * @throws Error past `timeoutMs`.
 */
export async function waitForSteadyState(clients: StackClients, serviceArns: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: DEMO_CLUSTER, services: serviceArns }));
    const unsettled = (out.services ?? []).filter((s) => s.deployments?.length !== 1 || s.deployments[0]?.rolloutState !== 'COMPLETED');
    if (unsettled.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`ECS services still rolling after ${timeoutMs} ms: ${unsettled.map((s) => s.serviceName).join(', ')}`);
    }
    await sleep(100);
  }
}
