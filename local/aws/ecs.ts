import type { Operation, ServiceContext, ServiceEmulation } from './types.js';
import { createEcsArns } from './ecsArns.js';
import { invalidParameter } from './ecsErrors.js';
import { readInteger, readObjectList, readStringList } from './requestFields.js';
import { readString, readTags } from './ecsInput.js';
import { paginateEcs } from './ecsPagination.js';
import { createEcsServices, type ClusterRecord } from './ecsServices.js';
import { createEcsTaskDefinitions } from './ecsTaskDefinitions.js';

export interface EcsOptions {
  /**
   * How long a deployment stays IN_PROGRESS before its tasks run and it is COMPLETED (ms),
   * measured on the endpoint's clock; also how long a deleted service with running tasks
   * stays DRAINING. Default 1500; 0 makes every rollout complete within the call that started it.
   */
  rolloutMs?: number;
}

/**
 * ECS as the local endpoint emulates it: clusters, task definitions, services and their
 * deployments, plus two knobs that exist only here (not in the API).
 */
export interface EcsEmulation extends ServiceEmulation {
  /**
   * Test knob: the next deployment started for this service (by UpdateService, or by
   * CreateService if it does not exist yet) never gets its tasks running. `rolloutMs` after it
   * starts, the circuit breaker trips as on AWS: with `deploymentCircuitBreaker.enable` the
   * deployment turns FAILED ("ECS deployment circuit breaker: tasks failed to start.") and,
   * with `rollback` too, a new PRIMARY deployment rolls back to the last COMPLETED one; with the
   * breaker off it stays IN_PROGRESS for good, as ECS keeps retrying. The knob is used once.
   * @param service service name or ARN
   * @param cluster cluster name or ARN (default `default`)
   */
  failNextRollout(service: string, cluster?: string): void;
  /**
   * Applies every transition due by now to every service. Transitions are otherwise applied
   * when an ECS call next touches the service; the "ECS Deployment State Change" events they
   * publish carry the instant each transition fell due either way. The local stack may call
   * this on an interval so those events flow without anyone polling ECS.
   */
  advance(): void;
}

// AWS: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Creates the ECS emulation (X-Amz-Target prefix AmazonEC2ContainerServiceV20141113):
 * CreateCluster, ListClusters, DescribeClusters, RegisterTaskDefinition, DescribeTaskDefinition,
 * DeregisterTaskDefinition, ListTaskDefinitions, CreateService, ListServices, DescribeServices,
 * UpdateService and DeleteService, with AWS's error types, messages and limits.
 */
export function createEcs(ctx: ServiceContext, options: EcsOptions): EcsEmulation {
  const rolloutMs = options.rolloutMs ?? 1500;
  if (!Number.isFinite(rolloutMs) || rolloutMs < 0) throw new Error(`ecs.rolloutMs must be a number of ms >= 0, got ${rolloutMs}`);
  const arns = createEcsArns(ctx.region, ctx.accountId);
  const clusters = new Map<string, ClusterRecord>();
  const failNext = new Set<string>();
  let seq = 0;
  const nextSeq = () => ++seq;
  const taskDefinitions = createEcsTaskDefinitions(ctx, arns);
  const services = createEcsServices({ ctx, arns, taskDefinitions, clusters, rolloutMs, failNext, nextSeq });

  const describeCluster = (c: ClusterRecord, include: string[]) => {
    services.advanceAll(c);
    const live = [...c.services.values()].filter((s) => s.status !== 'INACTIVE');
    const sum = (pick: (d: { runningCount: number; pendingCount: number }) => number) =>
      live.reduce((n, s) => n + s.deployments.reduce((m, d) => m + pick(d), 0), 0);
    return {
      clusterArn: c.arn,
      clusterName: c.name,
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: sum((d) => d.runningCount),
      pendingTasksCount: sum((d) => d.pendingCount),
      activeServicesCount: live.filter((s) => s.status === 'ACTIVE').length,
      statistics: [],
      settings: structuredClone(c.settings),
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
      ...(include.includes('TAGS') ? { tags: c.tags.map((t) => ({ ...t })) } : {}),
    };
  };

  const CreateCluster: Operation = (input) => {
    const name = readString(input, 'clusterName') ?? 'default';
    if (!NAME.test(name)) {
      throw invalidParameter('clusterName must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.');
    }
    const tags = readTags(input);
    // CreateCluster is idempotent: an existing cluster of that name is answered as it is.
    let cluster = clusters.get(name);
    if (!cluster) {
      cluster = {
        seq: nextSeq(),
        name,
        arn: arns.cluster(name),
        tags,
        settings: readObjectList(input, 'settings') ?? [{ name: 'containerInsights', value: 'disabled' }],
        services: new Map(),
      };
      clusters.set(name, cluster);
    }
    return { cluster: describeCluster(cluster, ['TAGS']) };
  };

  const ListClusters: Operation = (input) => {
    const page = paginateEcs(
      [...clusters.values()].sort((a, b) => a.seq - b.seq),
      (c) => String(c.seq).padStart(12, '0'),
      { maxResults: readInteger(input, 'maxResults'), nextToken: readString(input, 'nextToken'), defaultMax: 100, max: 100 },
    );
    return { clusterArns: page.items.map((c) => c.arn), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  };

  const DescribeClusters: Operation = (input) => {
    const refs = readStringList(input, 'clusters') ?? ['default'];
    if (refs.length > 100) throw invalidParameter('clusters can have at most 100 items.');
    const include = readStringList(input, 'include') ?? [];
    const found: unknown[] = [];
    const failures: unknown[] = [];
    for (const ref of refs.length === 0 ? ['default'] : refs) {
      const name = arns.clusterName(ref);
      const cluster = clusters.get(name);
      if (cluster) found.push(describeCluster(cluster, include));
      else failures.push({ arn: ref.startsWith('arn:') ? ref : arns.cluster(name), reason: 'MISSING' });
    }
    return { clusters: found, failures };
  };

  return {
    targetPrefix: 'AmazonEC2ContainerServiceV20141113',
    name: 'ecs',
    operations: {
      CreateCluster,
      ListClusters,
      DescribeClusters,
      ...taskDefinitions.operations,
      ...services.operations,
    },
    failNextRollout(service, cluster = 'default') {
      const ref = arns.serviceRef(service);
      failNext.add(`${ref.cluster ?? arns.clusterName(cluster)}/${ref.name}`);
    },
    advance() {
      services.advanceAll();
    },
  };
}
