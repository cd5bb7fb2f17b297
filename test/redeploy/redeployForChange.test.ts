import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestAws, useTestAws, type TestAws } from '../support/endpoint.js';
import { createEcsClient } from '../../src/aws.js';
import { createRateLimiter } from '../../src/rateLimiter.js';
import type { Change } from '../../src/redeploy/change.js';
import type { RedeployDeps, RedeploySettings } from '../../src/redeploy/deps.js';
import { ClusterNotFoundError, RedeployDiscoveryError } from '../../src/redeploy/errors.js';
import { redeployForChange, type RedeployResult, type ServiceOutcome } from '../../src/redeploy/redeployForChange.js';
import { createTaskDefinitionCache, type TaskDefinitionCache } from '../../src/redeploy/taskDefinitionCache.js';

const ACCOUNT = '000000000000';
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db-AbCdEf`;
const PARTIAL = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app/db`;
const PARAM = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter`;

const captured: unknown[] = [];
const aws = useTestAws({
  ecs: { rolloutMs: 40 },
  rules: [
    {
      name: 'capture-services-redeployed',
      pattern: { source: ['keyroll'], 'detail-type': ['Services Redeployed'] },
      target: 'capture',
    },
  ],
});
beforeAll(() => {
  aws.endpoint.lambdas.register('capture', async (event) => {
    captured.push(event);
    return {};
  });
});

function depsFor(t: TestAws, settings: Partial<RedeploySettings>, cache: TaskDefinitionCache = createTaskDefinitionCache()): RedeployDeps {
  return {
    ecs: t.ecs,
    eventBridge: t.events,
    taskDefinitionCache: cache,
    pacing: { reads: createRateLimiter(10_000), updates: createRateLimiter(10_000) },
    settings: { clusters: [], concurrency: 5, wait: false, waitTimeoutMs: 5_000, pollIntervalMs: 20, dryRun: false, eventBusName: 'default', ...settings },
  };
}

const changeAt = (changedAt: Date, overrides: Partial<Change> = {}): Change => ({
  secretArn: SECRET,
  parameterNames: ['/app/db/password', '/app/db/url'],
  versionId: 'v-new',
  changedAt,
  region: 'us-east-1',
  accountId: ACCOUNT,
  ...overrides,
});

/** A container definition using `valueFrom`s as `secrets` (or as repository credentials / log driver secrets). */
type Form = { secrets?: string[]; repositoryCredentials?: string; logSecrets?: string[] };

function container(form: Form): ContainerDefinition {
  return {
    name: 'app',
    image: 'public.ecr.aws/docker/library/nginx:latest',
    memory: 128,
    ...(form.secrets ? { secrets: form.secrets.map((valueFrom, i) => ({ name: `S${i}`, valueFrom })) } : {}),
    ...(form.repositoryCredentials ? { repositoryCredentials: { credentialsParameter: form.repositoryCredentials } } : {}),
    ...(form.logSecrets
      ? { logConfiguration: { logDriver: 'awsfirelens', secretOptions: form.logSecrets.map((valueFrom, i) => ({ name: `L${i}`, valueFrom })) } }
      : {}),
  };
}

async function registerForm(ecs: ECSClient, family: string, form: Form): Promise<string> {
  const out = await ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [container(form)] }));
  return out.taskDefinition!.taskDefinitionArn!;
}

async function createService(ecs: ECSClient, cluster: string, serviceName: string, taskDefinition: string, desiredCount = 1, breaker = false) {
  await ecs.send(
    new CreateServiceCommand({
      cluster,
      serviceName,
      taskDefinition,
      desiredCount,
      ...(breaker ? { deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } } } : {}),
    }),
  );
}

// Every reference form of issue 5, keyed by what it is.
const FORMS: Record<string, Form> = {
  full: { secrets: [SECRET] },
  jsonKey: { secrets: [`${SECRET}:password::`] },
  current: { secrets: [`${SECRET}:password:AWSCURRENT:`] },
  newVersion: { secrets: [`${SECRET}:::v-new`] },
  partial: { secrets: [PARTIAL] },
  partialKey: { secrets: [`${PARTIAL}:username::`] },
  name: { secrets: ['app/db'] },
  paramName: { secrets: ['/app/db/password'] },
  paramArn: { secrets: [`${PARAM}/app/db/url`] },
  repoCreds: { repositoryCredentials: SECRET },
  many: { secrets: [SECRET, `${SECRET}:password::`, '/app/db/password', `${PARAM}/app/db/url`] },
  logSecret: { logSecrets: [`${PARAM}/app/db/url`] },
  pinnedVersion: { secrets: [`${SECRET}:password::v-old`] },
  pinnedPrevious: { secrets: [`${SECRET}::AWSPREVIOUS:`] },
  pinnedParam: { secrets: ['/app/db/password:3'] },
  otherSecret: { secrets: [`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:other/db-XyZ123`] },
  otherParam: { secrets: ['/app/cache/password'] },
  none: {},
  otherRegion: { secrets: [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:app/db-AbCdEf`] },
  siblingParam: { secrets: ['/app/db/password-old'] },
};

// [cluster, service, form, desiredCount]; "rolling" is created after the change.
const TOPOLOGY: Array<[string, string, keyof typeof FORMS, number]> = [
  ['blue', 'full-a', 'full', 2],
  ['blue', 'json-key', 'jsonKey', 1],
  ['blue', 'current-stage', 'current', 1],
  ['blue', 'new-version', 'newVersion', 1],
  ['blue', 'partial', 'partial', 1],
  ['blue', 'partial-key', 'partialKey', 1],
  ['blue', 'by-name', 'name', 1],
  ['blue', 'param-name', 'paramName', 1],
  ['blue', 'param-arn', 'paramArn', 1],
  ['blue', 'repo-creds', 'repoCreds', 1],
  ['blue', 'many-refs', 'many', 3],
  ['blue', 'log-secret', 'logSecret', 1],
  ['blue', 'pinned-version', 'pinnedVersion', 1],
  ['blue', 'pinned-previous', 'pinnedPrevious', 1],
  ['blue', 'idle', 'full', 0],
  ['green', 'full-b', 'full', 1],
  ['green', 'json-key-b', 'jsonKey', 1],
  ['green', 'pinned-param', 'pinnedParam', 1],
  ['green', 'other-secret', 'otherSecret', 1],
  ['green', 'other-param', 'otherParam', 1],
  ['green', 'no-secrets', 'none', 1],
  ['green', 'other-region', 'otherRegion', 1],
  ['green', 'sibling-param', 'siblingParam', 1],
  ['green', 'rolling', 'full', 1],
  ['green', 'idle-b', 'paramName', 0],
  ['green', 'other-secret-b', 'otherSecret', 1],
  ['green', 'param-name-b', 'paramName', 1],
  ['green', 'many-b', 'many', 1],
  ['green', 'pinned-previous-b', 'pinnedPrevious', 1],
  ['green', 'none-b', 'none', 1],
];

const RESTARTED = [
  'blue/by-name', 'blue/current-stage', 'blue/full-a', 'blue/json-key', 'blue/log-secret', 'blue/many-refs', 'blue/new-version',
  'blue/param-arn', 'blue/param-name', 'blue/partial', 'blue/partial-key', 'blue/repo-creds',
  'green/full-b', 'green/json-key-b', 'green/many-b', 'green/param-name-b',
];

/** Builds the 2-cluster, 30-service topology under a prefix; returns the change time (between "rolling" and the rest). */
async function buildTopology(t: TestAws, prefix: string): Promise<{ clusters: string[]; changedAt: Date }> {
  const clusters = [`${prefix}-blue`, `${prefix}-green`];
  for (const c of clusters) await t.ecs.send(new CreateClusterCommand({ clusterName: c }));
  const tds = new Map<string, string>();
  for (const [key, form] of Object.entries(FORMS)) tds.set(key, await registerForm(t.ecs, `${prefix}-${key}`, form));
  for (const [cluster, name, form, desired] of TOPOLOGY) {
    if (name !== 'rolling') await createService(t.ecs, `${prefix}-${cluster}`, name, tds.get(form)!, desired);
  }
  // The endpoint stamps deployments with its clock in ms: keep the change strictly between.
  await sleep(5);
  const changedAt = new Date();
  await sleep(5);
  await createService(t.ecs, `${prefix}-green`, 'rolling', tds.get('full')!, 1);
  return { clusters, changedAt };
}

const keyOf = (prefix: string) => (o: ServiceOutcome) => `${o.cluster.replace(`${prefix}-`, '')}/${o.service}`;
const reasonsOf = (prefix: string, list: ServiceOutcome[]) => Object.fromEntries(list.map((o) => [keyOf(prefix)(o), o.reason]));

describe('redeployForChange on the 2-cluster, 30-service topology', () => {
  const prefix = 'topo';
  let first: RedeployResult;
  let updateCalls: number;
  let changedAt: Date;
  let deps: RedeployDeps;

  beforeAll(async () => {
    const built = await buildTopology(aws, prefix);
    changedAt = built.changedAt;
    deps = depsFor(aws, { clusters: built.clusters });
    aws.endpoint.resetLog();
    captured.length = 0;
    first = await redeployForChange(deps, changeAt(changedAt));
    updateCalls = aws.endpoint.count('ecs.UpdateService');
    await aws.endpoint.idle();
  });

  it('restarts exactly the services that reference the change, each with one UpdateService', () => {
    // Assess
    expect({ restarted: first.restarted.map(keyOf(prefix)), updateCalls, failed: first.failed }).toEqual({
      restarted: RESTARTED,
      updateCalls: RESTARTED.length,
      failed: [],
    });
  });

  it('reports every referencing service it leaves alone with its reason', () => {
    // Assess
    expect(reasonsOf(prefix, first.skipped)).toEqual({
      'blue/idle': 'no desired tasks (desiredCount 0)',
      'blue/pinned-previous': 'pinned to secret stage AWSPREVIOUS',
      'blue/pinned-version': 'pinned to secret version v-old',
      'green/idle-b': 'no desired tasks (desiredCount 0)',
      'green/pinned-param': 'pinned to parameter version 3',
      'green/pinned-previous-b': 'pinned to secret stage AWSPREVIOUS',
      'green/rolling': 'already rolling with the new value',
    });
  });

  it('reports every other service as not referencing the change', () => {
    // Assess
    expect(first.unaffected.map(keyOf(prefix))).toEqual([
      'green/no-secrets', 'green/none-b', 'green/other-param', 'green/other-region', 'green/other-secret', 'green/other-secret-b', 'green/sibling-param',
    ]);
  });

  it('publishes "Services Redeployed" with the same restarted, skipped and failed lists', () => {
    // Assess
    const event = captured[0] as { detail: Record<string, unknown>; resources: string[] };
    expect({ count: captured.length, detail: event.detail, resources: event.resources }).toEqual({
      count: 1,
      detail: {
        secretArn: SECRET,
        parameters: ['/app/db/password', '/app/db/url'],
        versionId: 'v-new',
        dryRun: false,
        counts: { restarted: first.restarted.length, skipped: first.skipped.length, failed: 0 },
        truncated: false,
        restarted: first.restarted,
        skipped: first.skipped,
        failed: [],
      },
      resources: [SECRET],
    });
  });

  it('publishes nothing when the same change restarts nothing and nothing fails', async () => {
    // Prepare
    captured.length = 0;

    // Act
    const second = await redeployForChange(deps, changeAt(changedAt));
    await aws.endpoint.idle();

    // Assess
    expect({ restarted: second.restarted.length, failed: second.failed.length, published: second.published, events: captured.length }).toEqual({
      restarted: 0,
      failed: 0,
      published: false,
      events: 0,
    });
  });

  it('restarts nothing when the same change is delivered again', async () => {
    // Prepare
    aws.endpoint.resetLog();

    // Act
    const second = await redeployForChange(deps, changeAt(changedAt));

    // Assess
    const alreadyRolling = second.skipped.filter((o) => o.reason === 'already rolling with the new value').map(keyOf(prefix));
    expect({ restarted: second.restarted, updateCalls: aws.endpoint.count('ecs.UpdateService') }).toEqual({ restarted: [], updateCalls: 0 });
    expect(alreadyRolling).toEqual(expect.arrayContaining(RESTARTED));
  });

  it('reads no task definition again for a later change in the same container', async () => {
    // Prepare
    aws.endpoint.resetLog();

    // Act
    await redeployForChange(deps, changeAt(new Date(), { versionId: 'v-newer' }), { dryRun: true, publish: false });

    // Assess
    expect(aws.endpoint.count('ecs.DescribeTaskDefinition')).toBe(0);
  });
});

describe('redeployForChange in a dry run', () => {
  it('decides the same restarts and calls no UpdateService', async () => {
    // Prepare
    const { clusters, changedAt } = await buildTopology(aws, 'dry');
    aws.endpoint.resetLog();

    // Act
    const result = await redeployForChange(depsFor(aws, { clusters, dryRun: true }), changeAt(changedAt));

    // Assess
    expect({
      restarted: result.restarted.map(keyOf('dry')),
      dryRun: result.dryRun,
      updateCalls: aws.endpoint.count('ecs.UpdateService'),
    }).toEqual({ restarted: RESTARTED, dryRun: true, updateCalls: 0 });
  });
});

/** One cluster of `count` services all using the secret by full ARN. */
async function smallCluster(t: TestAws, cluster: string, count: number, breaker = false): Promise<string[]> {
  await t.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const td = await registerForm(t.ecs, `${cluster}-td`, FORMS.full!);
  const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
  for (const n of names) await createService(t.ecs, cluster, n, td, 1, breaker);
  await sleep(5);
  return names;
}

describe('redeployForChange under failures', () => {
  it('retries a throttled UpdateService and still restarts every service', async () => {
    // Prepare
    const names = await smallCluster(aws, 'throttled', 4);
    aws.endpoint.resetLog();
    aws.endpoint.injectFault({ operation: 'ecs.UpdateService', nth: 1, errorType: 'ThrottlingException' });
    aws.endpoint.injectFault({ operation: 'ecs.UpdateService', nth: 2, errorType: 'ThrottlingException' });

    // Act
    const result = await redeployForChange(depsFor(aws, { clusters: ['throttled'] }), changeAt(new Date()), { publish: false });

    // Assess
    const throttled = aws.endpoint.requestLog.filter((r) => r.operation === 'UpdateService' && r.outcome === 'ThrottlingException').length;
    expect({ restarted: result.restarted.map((o) => o.service), failed: result.failed, throttled }).toEqual({ restarted: names, failed: [], throttled: 2 });
  });

  it('reports a service deleted between discovery and restart as failed while the others roll', async () => {
    // Prepare
    const names = await smallCluster(aws, 'deleted', 3);
    const ecs = createEcsClient({ endpoint: aws.endpoint.url, region: aws.endpoint.region, maxAttempts: 3 });
    let deletion: Promise<unknown> | undefined;
    // Before any UpdateService leaves, svc-01 is deleted through the real API (every restart
    // waits for it: they run concurrently, and one sent before the delete would succeed).
    ecs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateServiceCommand') {
          deletion ??= aws.ecs.send(new DeleteServiceCommand({ cluster: 'deleted', service: 'svc-01', force: true }));
          await deletion;
        }
        return next(args);
      },
      { step: 'initialize', name: 'deleteBeforeFirstRestart' },
    );
    const deps = { ...depsFor(aws, { clusters: ['deleted'] }), ecs };

    // Act
    const result = await redeployForChange(deps, changeAt(new Date()), { publish: false });

    // Assess
    expect({ restarted: result.restarted.map((o) => o.service), failed: result.failed }).toEqual({
      restarted: names.filter((n) => n !== 'svc-01'),
      failed: [{ cluster: 'deleted', service: 'svc-01', reason: 'service no longer exists (deleted after discovery): ServiceNotActiveException' }],
    });
  });

  it('refuses a configured cluster that does not exist before restarting anything', async () => {
    // Prepare
    await smallCluster(aws, 'present', 2);
    aws.endpoint.resetLog();

    // Act
    const act = redeployForChange(depsFor(aws, { clusters: ['present', 'absent'] }), changeAt(new Date()));

    // Assess
    await expect(act).rejects.toThrow(new ClusterNotFoundError('redeploy: cluster "absent" does not exist; nothing was restarted', ['absent']));
    expect(aws.endpoint.count('ecs.UpdateService')).toBe(0);
  });

  it('names every missing cluster in a ClusterNotFoundError that keeps ECS\'s error as its cause', async () => {
    // Act
    const err = await redeployForChange(depsFor(aws, { clusters: ['gone-1', 'gone-2'] }), changeAt(new Date())).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(ClusterNotFoundError);
    expect(err).toMatchObject({
      message: 'redeploy: cluster "gone-1", "gone-2" does not exist; nothing was restarted',
      clusters: ['gone-1', 'gone-2'],
      cause: { name: 'ClusterNotFoundException' },
    });
  });

  it('lets a missing cluster be caught as a RedeployDiscoveryError, as before', async () => {
    // Act
    const err = await redeployForChange(depsFor(aws, { clusters: ['gone-3'] }), changeAt(new Date())).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(RedeployDiscoveryError);
  });
});

describe('redeployForChange with wait', () => {
  it('reports each restarted service once its rollout is COMPLETED', async () => {
    // Prepare
    await smallCluster(aws, 'waited', 2);

    // Act
    const result = await redeployForChange(depsFor(aws, { clusters: ['waited'], wait: true }), changeAt(new Date()), { publish: false });

    // Assess
    expect(result.restarted.map((o) => o.reason)).toEqual([
      expect.stringMatching(/^forced a new deployment \(references .+\): rollout COMPLETED$/),
      expect.stringMatching(/^forced a new deployment \(references .+\): rollout COMPLETED$/),
    ]);
  });

  it('reports a rollout stopped by the circuit breaker as failed', async () => {
    // Prepare
    await smallCluster(aws, 'breaker', 2, true);
    await sleep(60); // the first deployments complete, so the breaker has one to roll back to
    aws.endpoint.ecs.failNextRollout('svc-01', 'breaker');

    // Act
    const result = await redeployForChange(depsFor(aws, { clusters: ['breaker'], wait: true }), changeAt(new Date()), { publish: false });

    // Assess
    expect({
      restarted: result.restarted.map((o) => o.service),
      failed: result.failed.map((o) => [o.service, /^rollout FAILED/.test(o.reason)]),
    }).toEqual({ restarted: ['svc-00'], failed: [['svc-01', true]] });
  });

  it('reports a rollback that completed between two polls as failed', async () => {
    // Prepare: the first poll comes after the failed deployment was rolled back and left the list.
    await smallCluster(aws, 'rolled-back', 1, true);
    await sleep(60);
    aws.endpoint.ecs.failNextRollout('svc-00', 'rolled-back');

    // Act
    const result = await redeployForChange(
      depsFor(aws, { clusters: ['rolled-back'], wait: true, pollIntervalMs: 200 }),
      changeAt(new Date()),
      { publish: false },
    );

    // Assess
    expect(result.failed.map((o) => o.reason)).toEqual([expect.stringMatching(/^rollout FAILED: deployment \S+ failed and was replaced by \S+$/)]);
  });

  it('stops waiting at the timeout and reports the rollout still in progress', async () => {
    // Prepare: without a circuit breaker a rollout whose tasks never start stays IN_PROGRESS.
    await smallCluster(aws, 'stuck', 1);
    aws.endpoint.ecs.failNextRollout('svc-00', 'stuck');

    // Act
    const result = await redeployForChange(depsFor(aws, { clusters: ['stuck'], wait: true, waitTimeoutMs: 300 }), changeAt(new Date()), { publish: false });

    // Assess
    expect(result.restarted).toEqual([
      { cluster: 'stuck', service: 'svc-00', reason: expect.stringMatching(/^forced a new deployment \(references .+\): rollout still IN_PROGRESS when the wait ended after 0\.3 s$/) },
    ]);
  });
});

describe('redeployForChange scope and pace', () => {
  it('searches every cluster of the account when none is configured', async () => {
    // Prepare
    const fresh = await startTestAws({ ecs: { rolloutMs: 0 } });
    try {
      await smallCluster(fresh, 'east', 2);
      await smallCluster(fresh, 'west', 1);

      // Act
      const result = await redeployForChange(depsFor(fresh, { clusters: [] }), changeAt(new Date()), { publish: false });

      // Assess
      expect(result.restarted.map((o) => `${o.cluster}/${o.service}`)).toEqual(['east/svc-00', 'east/svc-01', 'west/svc-00']);
    } finally {
      await fresh.endpoint.close();
    }
  });

  it('keeps at most `concurrency` UpdateService calls in flight', async () => {
    // Prepare
    await smallCluster(aws, 'paced', 6);
    const ecs = createEcsClient({ endpoint: aws.endpoint.url, region: aws.endpoint.region, maxAttempts: 3 });
    let inFlight = 0;
    let most = 0;
    ecs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UpdateServiceCommand') return next(args);
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );

    // Act
    const result = await redeployForChange({ ...depsFor(aws, { clusters: ['paced'], concurrency: 2 }), ecs }, changeAt(new Date()), { publish: false });

    // Assess
    expect({ restarted: result.restarted.length, most }).toEqual({ restarted: 6, most: 2 });
  });

  it('refuses a change that names neither a secret nor a parameter, before any ECS call', async () => {
    // Prepare
    aws.endpoint.resetLog();

    // Act
    const act = redeployForChange(depsFor(aws, { clusters: ['paced'] }), { parameterNames: [], changedAt: new Date() });

    // Assess
    await expect(act).rejects.toThrow('redeploy: the change names no secret and no parameter');
    expect(aws.endpoint.count('ecs')).toBe(0);
  });
});
