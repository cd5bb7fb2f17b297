import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, paginateListClusters, paginateListServices, type Service } from '@aws-sdk/client-ecs';
import pLimit from 'p-limit';
import { chunkList } from '../aws.js';
import type { RedeployDeps } from './deps.js';
import { errorCodeOf, errorText } from '../errors.js';
import { ClusterNotFoundError, RedeployDiscoveryError } from './errors.js';
import { referencesOfTaskDefinition, type TaskDefinitionReferences } from './taskDefinitionCache.js';

/** AWS's page and batch limits for these calls. */
export const LIST_PAGE_SIZE = 100;
export const DESCRIBE_SERVICES_BATCH = 10;
// 1 000 pages of 100 = 100 000 services: far above ECS's per-cluster quota; only stops a runaway loop.
const MAX_PAGES = 1_000;

/** One service as redeploy decides on it. */
export interface DiscoveredService {
  clusterArn: string;
  clusterName: string;
  serviceArn: string;
  serviceName: string;
  /** ACTIVE, DRAINING or INACTIVE. */
  status: string;
  desiredCount: number;
  taskDefinitionArn: string | undefined;
  /** ECS (rolling update), CODE_DEPLOY or EXTERNAL. */
  deploymentController: string;
  primaryDeployment: { id: string; createdAt: Date | undefined } | undefined;
  /** The task definition's references; undefined when it could not be read (see `taskDefinitionError`). */
  references: TaskDefinitionReferences | undefined;
  taskDefinitionError?: string;
}

/** The cluster name from a cluster ARN (`…:cluster/name`), or the name itself. */
export const clusterNameOf = (clusterArnOrName: string): string => clusterArnOrName.replace(/^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\//, '');

async function listClusters(deps: RedeployDeps): Promise<string[]> {
  const arns: string[] = [];
  try {
    let pages = 0;
    for await (const page of paginateListClusters({ client: deps.ecs, pageSize: LIST_PAGE_SIZE }, {})) {
      arns.push(...(page.clusterArns ?? []));
      if (++pages >= MAX_PAGES) throw new RedeployDiscoveryError(`redeploy: ListClusters still paging after ${MAX_PAGES} pages`);
    }
  } catch (err) {
    if (err instanceof RedeployDiscoveryError) throw err;
    throw new RedeployDiscoveryError(`redeploy: cannot list the ECS clusters: ${errorText(err)}`, { cause: err });
  }
  return arns;
}

class ClusterMissing extends Error {
  constructor(readonly sdkError: unknown) {
    super('cluster not found');
  }
}

/** Service ARNs of a cluster; ClusterMissing when ECS answers ClusterNotFoundException. */
async function listServiceArns(deps: RedeployDeps, cluster: string): Promise<string[]> {
  const arns: string[] = [];
  const reads = deps.pacing.reads;
  try {
    let pages = 0;
    const paginator = paginateListServices({ client: deps.ecs, pageSize: LIST_PAGE_SIZE }, { cluster });
    for (;;) {
      await reads.acquire();
      const next = await paginator.next();
      if (next.done) break;
      arns.push(...(next.value.serviceArns ?? []));
      if (++pages >= MAX_PAGES) throw new RedeployDiscoveryError(`redeploy: ListServices of cluster ${cluster} still paging after ${MAX_PAGES} pages`);
    }
  } catch (err) {
    if (err instanceof RedeployDiscoveryError) throw err;
    if (errorCodeOf(err) === 'ClusterNotFoundException') throw new ClusterMissing(err);
    throw new RedeployDiscoveryError(`redeploy: cannot list the services of cluster ${cluster}: ${errorText(err)}`, { cause: err });
  }
  return arns;
}

// DescribeClusters takes at most 100 clusters a call.
const DESCRIBE_CLUSTERS_BATCH = 100;

/** Each cluster's activeServicesCount, keyed by the name or ARN as configured; clusters not reported are absent. */
async function activeServiceCounts(deps: RedeployDeps, clusters: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const batch of chunkList(clusters, DESCRIBE_CLUSTERS_BATCH)) {
    await deps.pacing.reads.acquire();
    try {
      const out = await deps.ecs.send(new DescribeClustersCommand({ clusters: batch }));
      for (const c of out.clusters ?? []) {
        const given = batch.find((b) => b === c.clusterArn || b === c.clusterName);
        if (given !== undefined && c.activeServicesCount !== undefined) counts.set(given, c.activeServicesCount);
      }
    } catch (err) {
      // Not knowing the counts only means listing again.
      deps.logger?.debug('DescribeClusters failed; listing the services again', { error: errorText(err) });
    }
  }
  return counts;
}

/**
 * DescribeServices for up to 10 services of one cluster. Services that vanished since the
 * listing come back in `failures` (reason MISSING) and are left out.
 */
export async function describeServiceBatch(deps: RedeployDeps, cluster: string, serviceArns: string[]): Promise<Service[]> {
  await deps.pacing.reads.acquire();
  try {
    const out = await deps.ecs.send(new DescribeServicesCommand({ cluster, services: serviceArns }));
    for (const f of out.failures ?? []) deps.logger?.debug('service not described', { cluster, ecsService: f.arn, reason: f.reason });
    return out.services ?? [];
  } catch (err) {
    throw new RedeployDiscoveryError(`redeploy: cannot describe services of cluster ${cluster}: ${errorText(err)}`, { cause: err });
  }
}

type Resolved = TaskDefinitionReferences | { error: string };

/**
 * The references of each distinct task definition: from the cache, else DescribeTaskDefinition
 * once (then cached). A definition that cannot be read is reported on its services, not thrown.
 */
async function resolveTaskDefinitions(deps: RedeployDeps, arns: Iterable<string>, limit: ReturnType<typeof pLimit>): Promise<Map<string, Resolved>> {
  const resolved = new Map<string, Resolved>();
  const missing: string[] = [];
  for (const arn of new Set(arns)) {
    const hit = deps.taskDefinitionCache.get(arn);
    if (hit) resolved.set(arn, hit);
    else missing.push(arn);
  }
  await limit.map(missing, async (arn) => {
    try {
      await deps.pacing.reads.acquire();
      const out = await deps.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      if (!out.taskDefinition) throw new Error('DescribeTaskDefinition answered no task definition');
      // Keyed by the ARN the service names: that exact revision, which never changes.
      const entry = referencesOfTaskDefinition(out.taskDefinition, arn);
      deps.taskDefinitionCache.set(arn, entry);
      resolved.set(arn, entry);
    } catch (err) {
      resolved.set(arn, { error: `cannot read task definition ${arn}: ${errorCodeOf(err)}` });
    }
  });
  return resolved;
}

/**
 * Finds every service of the configured clusters (else of every cluster) with its task
 * definition's references: ListServices (100 a page, all pages) per cluster, DescribeServices
 * in batches of 10, DescribeTaskDefinition once per distinct revision not already cached.
 * A service listed twice (a cluster named by name and by ARN) appears once.
 * @throws ClusterNotFoundError when a configured cluster does not exist; RedeployDiscoveryError
 *   when ECS refuses a listing. Nothing has been restarted at that point.
 */
export async function discoverServices(deps: RedeployDeps): Promise<DiscoveredService[]> {
  const limit = pLimit(deps.settings.concurrency);
  const configured = deps.settings.clusters.length > 0;
  const cache = deps.discoveryCache;
  const clusters = configured ? [...deps.settings.clusters] : await (cache ? cache.clusters(() => listClusters(deps)) : listClusters(deps));

  const counts = cache && clusters.some((c) => cache.hasServices(c)) ? await activeServiceCounts(deps, clusters) : new Map<string, number>();
  const listed = await Promise.all(
    clusters.map((cluster) =>
      limit(async (): Promise<{ arns: string[] } | { notFound: unknown }> => {
        try {
          const load = () => listServiceArns(deps, cluster);
          return { arns: await (cache ? cache.services(cluster, load, counts.get(cluster) ?? -1) : load()) };
        } catch (err) {
          if (err instanceof ClusterMissing) return { notFound: err.sdkError };
          throw err;
        }
      }),
    ),
  );
  const byCluster = new Map<string, string[]>();
  const seen = new Set<string>();
  const missingClusters: string[] = [];
  let notFound: unknown;
  clusters.forEach((cluster, i) => {
    const result = listed[i]!;
    if ('notFound' in result) {
      missingClusters.push(cluster);
      notFound ??= result.notFound;
      return;
    }
    const fresh = result.arns.filter((arn) => !seen.has(arn));
    fresh.forEach((arn) => seen.add(arn));
    byCluster.set(cluster, fresh);
  });
  if (configured && missingClusters.length) {
    throw new ClusterNotFoundError(
      `redeploy: cluster ${missingClusters.map((c) => `"${c}"`).join(', ')} does not exist; nothing was restarted`,
      missingClusters,
      { cause: notFound },
    );
  }
  // A cluster deleted between ListClusters and ListServices has no service left to roll.
  for (const c of missingClusters) deps.logger?.debug('cluster vanished during discovery', { cluster: c });

  const batches = [...byCluster].flatMap(([cluster, arns]) => chunkList(arns, DESCRIBE_SERVICES_BATCH).map((b) => [cluster, b] as const));
  const described = (await limit.map(batches, ([cluster, arns]) => describeServiceBatch(deps, cluster, arns))).flat();

  const taskDefinitions = await resolveTaskDefinitions(
    deps,
    described.flatMap((s) => (s.taskDefinition ? [s.taskDefinition] : [])),
    limit,
  );

  return described.map((s) => toDiscovered(s, taskDefinitions));
}

function toDiscovered(s: Service, taskDefinitions: Map<string, Resolved>): DiscoveredService {
  const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
  const td = s.taskDefinition;
  const resolved = td ? taskDefinitions.get(td) : { error: 'the service names no task definition' };
  const error = resolved && 'error' in resolved ? resolved.error : undefined;
  return {
    clusterArn: s.clusterArn ?? '',
    clusterName: clusterNameOf(s.clusterArn ?? ''),
    serviceArn: s.serviceArn ?? '',
    serviceName: s.serviceName ?? s.serviceArn ?? '',
    status: s.status ?? 'ACTIVE',
    desiredCount: s.desiredCount ?? 0,
    taskDefinitionArn: td,
    deploymentController: s.deploymentController?.type ?? 'ECS',
    primaryDeployment: primary?.id ? { id: primary.id, createdAt: primary.createdAt } : undefined,
    references: resolved && !('error' in resolved) ? resolved : undefined,
    ...(error ? { taskDefinitionError: error } : {}),
  };
}
