import type { Operation, ServiceContext } from './types.js';
import type { EcsArns } from './ecsArns.js';
import type { EcsTaskDefinitions } from './ecsTaskDefinitions.js';
import { clusterNotFound, invalidParameter, serviceNotActive, serviceNotFound } from './ecsErrors.js';
import { readBoolean, readInteger, readObject, readObjectList, readStringList } from './requestFields.js';
import { readString, readTags, requireString } from './ecsInput.js';
import { paginateEcs } from './ecsPagination.js';
import {
  advanceService,
  drainService,
  scaleService,
  startDeployment,
  type RolloutContext,
  type ServiceRecord,
} from './ecsRollout.js';

type Json = Record<string, unknown>;

/** A cluster and the services created in it (INACTIVE ones included, as DescribeServices still shows them). */
export interface ClusterRecord {
  readonly seq: number;
  readonly name: string;
  readonly arn: string;
  readonly tags: Array<{ key: string; value: string }>;
  readonly settings: Json[];
  readonly services: Map<string, ServiceRecord>;
}

export interface EcsServicesDeps {
  readonly ctx: ServiceContext;
  readonly arns: EcsArns;
  readonly taskDefinitions: EcsTaskDefinitions;
  readonly clusters: Map<string, ClusterRecord>;
  readonly rolloutMs: number;
  /** Keys (`cluster/service`) whose next deployment is to fail (the test knob). */
  readonly failNext: Set<string>;
  nextSeq(): number;
}

export interface EcsServices {
  readonly operations: {
    CreateService: Operation;
    ListServices: Operation;
    DescribeServices: Operation;
    UpdateService: Operation;
    DeleteService: Operation;
  };
  /** The cluster named by a request's `cluster` member (default `default`). @throws ClusterNotFoundException */
  clusterOf(input: Json): ClusterRecord;
  /** Applies every due transition to every service of the cluster (or of all clusters). */
  advanceAll(cluster?: ClusterRecord): void;
}

// AWS: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const LAUNCH_TYPES = ['EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES'];
const DEFAULT_DEPLOYMENT_CONFIGURATION = {
  deploymentCircuitBreaker: { enable: false, rollback: false },
  maximumPercent: 200,
  minimumHealthyPercent: 100,
};

/** deploymentConfiguration merged over `base`; the circuit breaker needs both flags, as AWS's model says. */
function readDeploymentConfiguration(input: Json, base: Json): Json | undefined {
  const dc = readObject(input, 'deploymentConfiguration');
  if (!dc) return undefined;
  const out: Json = { ...structuredClone(base), ...structuredClone(dc) };
  for (const key of ['maximumPercent', 'minimumHealthyPercent'] as const) {
    const v = readInteger(dc, key);
    if (v !== undefined && v < 0) throw invalidParameter(`deploymentConfiguration.${key} must be 0 or greater.`);
  }
  const max = readInteger(out, 'maximumPercent');
  const min = readInteger(out, 'minimumHealthyPercent');
  if (max !== undefined && min !== undefined && max < min) {
    throw invalidParameter('deploymentConfiguration.maximumPercent must be greater than or equal to minimumHealthyPercent.');
  }
  const breaker = readObject(dc, 'deploymentCircuitBreaker');
  if (breaker) {
    const enable = readBoolean(breaker, 'enable');
    const rollback = readBoolean(breaker, 'rollback');
    if (enable === undefined || rollback === undefined) {
      throw invalidParameter('deploymentCircuitBreaker requires both enable and rollback.');
    }
  }
  return out;
}

/** Members CreateService and UpdateService store and answer as given. */
const PASSTHROUGH = [
  'loadBalancers',
  'serviceRegistries',
  'placementConstraints',
  'placementStrategy',
  'capacityProviderStrategy',
  'healthCheckGracePeriodSeconds',
  'enableECSManagedTags',
  'propagateTags',
  'enableExecuteCommand',
  'availabilityZoneRebalancing',
] as const;

/** The ECS service operations of one endpoint, with rollouts computed lazily (see ecsRollout.ts). */
export function createEcsServices(deps: EcsServicesDeps): EcsServices {
  const { ctx, arns, taskDefinitions, clusters } = deps;
  const rc: RolloutContext = { ctx, rolloutMs: deps.rolloutMs };

  const clusterOf = (input: Json): ClusterRecord => {
    const cluster = clusters.get(arns.clusterName(readString(input, 'cluster') ?? 'default'));
    if (!cluster) throw clusterNotFound();
    return cluster;
  };

  /** A service of this cluster by name or ARN; an ARN naming another cluster matches nothing. */
  const findService = (cluster: ClusterRecord, ref: string): ServiceRecord | undefined => {
    const parsed = arns.serviceRef(ref);
    if (parsed.cluster !== undefined && parsed.cluster !== cluster.name) return undefined;
    const svc = cluster.services.get(parsed.name);
    if (svc) advanceService(rc, svc, ctx.now());
    return svc;
  };

  const requireService = (input: Json): ServiceRecord => {
    const cluster = clusterOf(input);
    const svc = findService(cluster, requireString(input, 'service'));
    if (!svc) throw serviceNotFound();
    return svc;
  };

  const describe = (svc: ServiceRecord, withTags: boolean): Json => ({
    serviceArn: svc.serviceArn,
    serviceName: svc.serviceName,
    clusterArn: svc.clusterArn,
    loadBalancers: [],
    serviceRegistries: [],
    placementConstraints: [],
    placementStrategy: [],
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
    ...structuredClone(svc.settings),
    status: svc.status,
    desiredCount: svc.desiredCount,
    runningCount: svc.deployments.reduce((n, d) => n + d.runningCount, 0),
    pendingCount: svc.deployments.reduce((n, d) => n + d.pendingCount, 0),
    ...(svc.launchType ? { launchType: svc.launchType } : {}),
    ...(svc.platformVersion ? { platformVersion: svc.platformVersion } : {}),
    taskDefinition: svc.taskDefinition,
    deploymentConfiguration: structuredClone(svc.deploymentConfiguration),
    deployments: svc.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      desiredCount: d.desiredCount,
      pendingCount: d.pendingCount,
      runningCount: d.runningCount,
      failedTasks: d.failedTasks,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      ...(d.launchType ? { launchType: d.launchType } : {}),
      ...(d.platformVersion ? { platformVersion: d.platformVersion } : {}),
      ...(d.networkConfiguration ? { networkConfiguration: structuredClone(d.networkConfiguration) } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutStateReason,
    })),
    events: svc.events.map((e) => ({ ...e })),
    createdAt: svc.createdAt,
    ...(svc.networkConfiguration ? { networkConfiguration: structuredClone(svc.networkConfiguration) } : {}),
    schedulingStrategy: (svc.settings.schedulingStrategy as string | undefined) ?? 'REPLICA',
    deploymentController: { type: 'ECS' },
    createdBy: `arn:aws:iam::${ctx.accountId}:root`,
    ...(withTags ? { tags: svc.tags.map((t) => ({ ...t })) } : {}),
  });

  /** Starts a deployment, consuming the knob if it was set for this service. */
  const deploy = (svc: ServiceRecord, now: Date) => {
    const failing = deps.failNext.delete(`${svc.clusterName}/${svc.serviceName}`);
    startDeployment(rc, svc, now, { failing });
    advanceService(rc, svc, now);
  };

  const readLaunchType = (input: Json) => {
    const launchType = readString(input, 'launchType');
    if (launchType !== undefined && !LAUNCH_TYPES.includes(launchType)) {
      throw invalidParameter(`launchType must be one of ${LAUNCH_TYPES.join(', ')}.`);
    }
    return launchType;
  };

  const readPassthrough = (input: Json): Json => {
    const out: Json = {};
    for (const key of PASSTHROUGH) if (input[key] !== undefined && input[key] !== null) out[key] = structuredClone(input[key]);
    return out;
  };

  const CreateService: Operation = (input) => {
    const cluster = clusterOf(input);
    const serviceName = requireString(input, 'serviceName');
    if (!NAME.test(serviceName)) {
      throw invalidParameter('serviceName must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.');
    }
    const existing = cluster.services.get(serviceName);
    if (existing) advanceService(rc, existing, ctx.now());
    if (existing && existing.status !== 'INACTIVE') throw invalidParameter('Creation of service was not idempotent.');
    const controller = readObject(input, 'deploymentController');
    const controllerType = controller ? readString(controller, 'type') : undefined;
    if (controllerType !== undefined && controllerType !== 'ECS') {
      throw invalidParameter(`deploymentController type ${controllerType} is not emulated by the local endpoint; use ECS.`);
    }
    const taskDefinition = taskDefinitions.resolveForService(requireString(input, 'taskDefinition'));
    const schedulingStrategy = readString(input, 'schedulingStrategy') ?? 'REPLICA';
    if (schedulingStrategy !== 'REPLICA' && schedulingStrategy !== 'DAEMON') {
      throw invalidParameter('schedulingStrategy must be REPLICA or DAEMON.');
    }
    let desiredCount = readInteger(input, 'desiredCount');
    if (schedulingStrategy === 'REPLICA' && desiredCount === undefined) {
      throw invalidParameter('desiredCount is required when schedulingStrategy is REPLICA.');
    }
    if (desiredCount !== undefined && desiredCount < 0) throw invalidParameter('desiredCount must be 0 or greater.');
    // DAEMON runs one task per container instance, and this endpoint has none.
    if (schedulingStrategy === 'DAEMON') desiredCount = 0;
    const capacityProviders = readObjectList(input, 'capacityProviderStrategy');
    const launchType = readLaunchType(input) ?? (capacityProviders?.length ? undefined : 'EC2');
    const platformVersion = readString(input, 'platformVersion') ?? (launchType === 'FARGATE' ? 'LATEST' : undefined);
    const deploymentConfiguration =
      readDeploymentConfiguration(input, DEFAULT_DEPLOYMENT_CONFIGURATION) ?? structuredClone(DEFAULT_DEPLOYMENT_CONFIGURATION);
    const networkConfiguration = readObject(input, 'networkConfiguration');
    const tags = readTags(input);

    const now = ctx.now();
    const svc: ServiceRecord = {
      seq: deps.nextSeq(),
      serviceName,
      serviceArn: arns.service(cluster.name, serviceName),
      clusterName: cluster.name,
      clusterArn: cluster.arn,
      status: 'ACTIVE',
      desiredCount: desiredCount ?? 0,
      taskDefinition: taskDefinition.arn,
      ...(launchType ? { launchType } : {}),
      ...(platformVersion ? { platformVersion } : {}),
      ...(networkConfiguration ? { networkConfiguration: structuredClone(networkConfiguration) } : {}),
      deploymentConfiguration,
      settings: { ...readPassthrough(input), schedulingStrategy },
      tags,
      createdAt: now,
      deployments: [],
      events: [],
    };
    // A re-created name is a new service: it goes to the end of the listing order.
    cluster.services.delete(serviceName);
    cluster.services.set(serviceName, svc);
    deploy(svc, now);
    return { service: describe(svc, true) };
  };

  const ListServices: Operation = (input) => {
    const cluster = clusterOf(input);
    const launchType = readLaunchType(input);
    const schedulingStrategy = readString(input, 'schedulingStrategy');
    const now = ctx.now();
    // DRAINING and INACTIVE services are no longer listed, only described.
    const listed = [...cluster.services.values()]
      .map((svc) => {
        advanceService(rc, svc, now);
        return svc;
      })
      .filter(
        (svc) =>
          svc.status === 'ACTIVE' &&
          (launchType === undefined || svc.launchType === launchType) &&
          (schedulingStrategy === undefined || (svc.settings.schedulingStrategy ?? 'REPLICA') === schedulingStrategy),
      )
      .sort((a, b) => a.seq - b.seq);
    const page = paginateEcs(listed, (svc) => String(svc.seq).padStart(12, '0'), {
      maxResults: readInteger(input, 'maxResults'),
      nextToken: readString(input, 'nextToken'),
      defaultMax: 10,
      max: 100,
    });
    return { serviceArns: page.items.map((s) => s.serviceArn), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  };

  const DescribeServices: Operation = (input) => {
    const cluster = clusterOf(input);
    const refs = readStringList(input, 'services') ?? [];
    if (refs.length === 0) throw invalidParameter('services can not be empty.');
    if (refs.length > 10) throw invalidParameter('service names can have at most 10 items.');
    const withTags = (readStringList(input, 'include') ?? []).includes('TAGS');
    const services: Json[] = [];
    const failures: Json[] = [];
    for (const ref of refs) {
      const svc = findService(cluster, ref);
      if (svc) services.push(describe(svc, withTags));
      else failures.push({ arn: ref.startsWith('arn:') ? ref : arns.service(cluster.name, ref), reason: 'MISSING' });
    }
    return { services, failures };
  };

  const UpdateService: Operation = (input) => {
    const svc = requireService(input);
    if (svc.status !== 'ACTIVE') throw serviceNotActive();
    // Everything is read and checked before anything changes: a refused update changes nothing.
    const desiredCount = readInteger(input, 'desiredCount');
    if (desiredCount !== undefined && desiredCount < 0) throw invalidParameter('desiredCount must be 0 or greater.');
    const tdRef = readString(input, 'taskDefinition');
    const taskDefinition = tdRef === undefined ? undefined : taskDefinitions.resolveForService(tdRef);
    const force = readBoolean(input, 'forceNewDeployment') ?? false;
    const deploymentConfiguration = readDeploymentConfiguration(input, svc.deploymentConfiguration);
    const networkConfiguration = readObject(input, 'networkConfiguration');
    const platformVersion = readString(input, 'platformVersion');
    const passthrough = readPassthrough(input);

    const newDeployment =
      force ||
      (taskDefinition !== undefined && taskDefinition.arn !== svc.taskDefinition) ||
      (networkConfiguration !== undefined && JSON.stringify(networkConfiguration) !== JSON.stringify(svc.networkConfiguration)) ||
      (platformVersion !== undefined && platformVersion !== svc.platformVersion);

    const now = ctx.now();
    if (taskDefinition) svc.taskDefinition = taskDefinition.arn;
    if (deploymentConfiguration) svc.deploymentConfiguration = deploymentConfiguration;
    if (networkConfiguration) svc.networkConfiguration = structuredClone(networkConfiguration);
    if (platformVersion) svc.platformVersion = platformVersion;
    Object.assign(svc.settings, passthrough);
    if (newDeployment) {
      if (desiredCount !== undefined) svc.desiredCount = desiredCount;
      deploy(svc, now);
    } else if (desiredCount !== undefined && desiredCount !== svc.desiredCount) {
      scaleService(rc, svc, desiredCount, now);
      advanceService(rc, svc, now);
    }
    return { service: describe(svc, false) };
  };

  const DeleteService: Operation = (input) => {
    const svc = requireService(input);
    if (svc.status !== 'ACTIVE') throw serviceNotActive();
    const force = readBoolean(input, 'force') ?? false;
    if (!force && svc.desiredCount > 0) throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    drainService(rc, svc, ctx.now());
    return { service: describe(svc, false) };
  };

  return {
    operations: { CreateService, ListServices, DescribeServices, UpdateService, DeleteService },
    clusterOf,
    advanceAll(cluster) {
      const now = ctx.now();
      for (const c of cluster ? [cluster] : clusters.values()) {
        for (const svc of c.services.values()) advanceService(rc, svc, now);
      }
    },
  };
}
