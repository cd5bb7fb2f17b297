import { ECSClient, CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { startAwsEndpoint } from '../local/aws/server.js';
import type { Change } from '../src/redeploy/change.js';
import type { RedeployDeps } from '../src/redeploy/deps.js';
import { redeployForChange } from '../src/redeploy/redeployForChange.js';
import { createTaskDefinitionCache } from '../src/redeploy/taskDefinitionCache.js';
import type { Bench } from './types.js';
import { createRateLimiter } from '../src/rateLimiter.js';

const SERVICES = 500;
const TASK_DEFINITIONS = 50;
/** Every 5th task definition uses the secret: 10 of 50, so 100 of the 500 services are affected. */
const AFFECTED_EVERY = 5;
const CONCURRENCY = 5;
const CLUSTER = 'bench';
const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench/db-AbCdEf';

const elapsed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const out = await work();
  return [out, Math.round(performance.now() - started)];
};

/**
 * Discovery over 500 services and 50 task definitions in one cluster, against the local
 * endpoint: API calls counted from its request log (expected ⌈N/100⌉ ListServices, ⌈N/10⌉
 * DescribeServices, 50 DescribeTaskDefinition cold and 0 warm), then the wall time of a cold
 * plan, a warm plan and a real redeploy of the 100 affected services.
 */
export const run: Bench = async () => {
  const endpoint = await startAwsEndpoint({ ecs: { rolloutMs: 0 } });
  try {
    const common = {
      endpoint: endpoint.url,
      region: endpoint.region,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      retryMode: 'adaptive' as const,
      maxAttempts: 8,
    };
    const ecs = new ECSClient(common);
    const deps: RedeployDeps = {
      ecs,
      eventBridge: new EventBridgeClient(common),
      taskDefinitionCache: createTaskDefinitionCache(),
      pacing: { reads: createRateLimiter(1000), updates: createRateLimiter(1000) },
      settings: { clusters: [CLUSTER], concurrency: CONCURRENCY, wait: false, waitTimeoutMs: 0, dryRun: false, eventBusName: 'default' },
    };

    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    const tds: string[] = [];
    for (let i = 0; i < TASK_DEFINITIONS; i++) {
      const valueFrom = i % AFFECTED_EVERY === 0 ? `${SECRET}:password::` : `/bench/other-${i}/password`;
      const out = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: `bench-${i}`,
          containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128, secrets: [{ name: 'DB_PASSWORD', valueFrom }] }],
        }),
      );
      tds.push(out.taskDefinition!.taskDefinitionArn!);
    }
    for (let i = 0; i < SERVICES; i++) {
      await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: `svc-${i}`, taskDefinition: tds[i % TASK_DEFINITIONS]!, desiredCount: 1 }));
    }
    await new Promise((r) => setTimeout(r, 5));
    const change = (versionId: string): Change => ({ secretArn: SECRET, parameterNames: [], versionId, changedAt: new Date() });

    endpoint.resetLog();
    const [cold, coldMs] = await elapsed(() => redeployForChange(deps, change('v2'), { dryRun: true, publish: false }));
    const coldCalls = {
      listServices: endpoint.count('ecs.ListServices'),
      describeServices: endpoint.count('ecs.DescribeServices'),
      describeTaskDefinition: endpoint.count('ecs.DescribeTaskDefinition'),
    };

    endpoint.resetLog();
    const [, warmMs] = await elapsed(() => redeployForChange(deps, change('v3'), { dryRun: true, publish: false }));
    const warmDescribeTaskDefinition = endpoint.count('ecs.DescribeTaskDefinition');

    endpoint.resetLog();
    const [real, restartMs] = await elapsed(() => redeployForChange(deps, change('v4'), { publish: false }));

    return {
      name: 'redeployDiscovery',
      metrics: {
        services: SERVICES,
        taskDefinitions: TASK_DEFINITIONS,
        listServicesCalls: coldCalls.listServices,
        expectedListServicesCalls: Math.ceil(SERVICES / 100),
        describeServicesCalls: coldCalls.describeServices,
        expectedDescribeServicesCalls: Math.ceil(SERVICES / 10),
        describeTaskDefinitionCallsCold: coldCalls.describeTaskDefinition,
        describeTaskDefinitionCallsWarm: warmDescribeTaskDefinition,
        plannedRestarts: cold.restarted.length,
        coldPlanMs: coldMs,
        warmPlanMs: warmMs,
        restarted: real.restarted.length,
        updateServiceCalls: endpoint.count('ecs.UpdateService'),
        redeployMs: restartMs,
      },
      params: { concurrency: CONCURRENCY, clusters: 1, affectedEvery: AFFECTED_EVERY, endpoint: 'local (127.0.0.1), rolloutMs 0' },
      notes: 'Plans are dry runs (no UpdateService). The redeploy run restarts the affected services with a warm task definition cache.',
    };
  } finally {
    await endpoint.close();
  }
};
