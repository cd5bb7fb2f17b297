import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../config.js';
import type { MetricsSink } from '../metrics.js';
import type { MirrorRules } from '../mirrorPath.js';
import { createRateLimiter, type RateLimiter } from '../rateLimiter.js';
import type { DiscoveryCache } from './discoveryCache.js';
import type { TaskDefinitionCache } from './taskDefinitionCache.js';

/** What redeploying a change needs, passed in by the handler or the CLI. */
export interface RedeployDeps {
  ecs: ECSClient;
  eventBridge: EventBridgeClient;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Where ServicesRestarted/Skipped/Failed and EventsNotPublished go (the handler's; the CLI records none). */
  metrics?: MetricsSink;
  clock?: () => Date;
  /**
   * Task definitions by revision ARN. Revisions are immutable, so the caller keeps one cache
   * for the life of the process (the Lambda container) and passes it to every call.
   */
  taskDefinitionCache: TaskDefinitionCache;
  /** Cluster and service lists, kept for a short time across invocations of a warm container (see discoveryCache). */
  discoveryCache?: DiscoveryCache;
  /**
   * Token buckets under ECS's rates: `updates` for UpdateService, `reads` for ListServices,
   * DescribeServices and DescribeTaskDefinition. Built once with the deps, so they pace every call a
   * warm container makes (redeploy runs one invocation at a time).
   */
  pacing: { reads: RateLimiter; updates: RateLimiter };
  settings: RedeploySettings;
}

/**
 * What redeploying an EventBridge event needs: the above, and what the change is read from instead
 * of the event's claims: Secrets Manager (the secret, its tags, its current version and when it was
 * created) and SSM's parameter metadata (which parameters are the secret's, when they were written).
 */
export interface RedeployEventDeps extends RedeployDeps {
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
}

export interface RedeploySettings {
  /** Cluster names or ARNs to search; empty = every cluster of the account and region (ListClusters). */
  clusters: readonly string[];
  /** How many UpdateService (and discovery) calls run at once. */
  concurrency: number;
  /** Wait for each restarted service's rollout to reach COMPLETED or FAILED. */
  wait: boolean;
  /** Upper bound of that wait. */
  waitTimeoutMs: number;
  /** Time between two polls of DescribeServices while waiting (default 5 000 ms). */
  pollIntervalMs?: number;
  /** Decide everything, restart nothing. */
  dryRun: boolean;
  eventBusName: string;
  /** Parameter name prefixes whose "Parameter Store Change" events redeploy; empty = none do. */
  ssmPathPrefixes?: readonly string[];
  /** Which parameters mirror which secret (SSM_PATH_PREFIX, SSM_PATH_BINDINGS): the only names a change is matched against. */
  mirrorRules?: MirrorRules;
}

/**
 * What the caller built and keeps: the clients, the logger, and the task definition cache,
 * which must outlive one call (module scope in the handler), so it is never made here.
 */
export interface RedeployClients extends Pick<RedeployDeps, 'ecs' | 'eventBridge' | 'logger' | 'metrics' | 'taskDefinitionCache' | 'discoveryCache'> {
  /** Needed to redeploy for an event; the CLI, which forms the change itself, leaves them out. */
  secretsManager?: SecretsManagerClient;
  ssm?: SSMClient;
}

/**
 * Builds the redeploy functions' dependencies: the caller's clients and cache, and the
 * settings from the configuration (ECS_CLUSTERS, REDEPLOY_CONCURRENCY, REDEPLOY_WAIT,
 * REDEPLOY_WAIT_TIMEOUT_SECONDS, DRY_RUN, EVENT_BUS_NAME, SSM_PATH_PREFIXES, REDEPLOY_UPDATE_TPS,
 * ECS_READ_TPS, SSM_PATH_PREFIX, SSM_PATH_BINDINGS). With Secrets Manager and SSM among the
 * clients, the result can redeploy for an event. Makes no call.
 */
export function createRedeployDeps(config: Config, clients: RedeployClients & { secretsManager: SecretsManagerClient; ssm: SSMClient }): RedeployEventDeps;
export function createRedeployDeps(config: Config, clients: RedeployClients): RedeployDeps;
export function createRedeployDeps(config: Config, clients: RedeployClients): RedeployDeps | RedeployEventDeps {
  return {
    pacing: { reads: createRateLimiter(config.ECS_READ_TPS), updates: createRateLimiter(config.REDEPLOY_UPDATE_TPS) },
    ecs: clients.ecs,
    eventBridge: clients.eventBridge,
    ...(clients.secretsManager ? { secretsManager: clients.secretsManager } : {}),
    ...(clients.ssm ? { ssm: clients.ssm } : {}),
    ...(clients.logger ? { logger: clients.logger } : {}),
    ...(clients.metrics ? { metrics: clients.metrics } : {}),
    taskDefinitionCache: clients.taskDefinitionCache,
    ...(clients.discoveryCache ? { discoveryCache: clients.discoveryCache } : {}),
    settings: {
      clusters: config.ECS_CLUSTERS,
      concurrency: config.REDEPLOY_CONCURRENCY,
      wait: config.REDEPLOY_WAIT,
      waitTimeoutMs: config.REDEPLOY_WAIT_TIMEOUT_SECONDS * 1000,
      dryRun: config.DRY_RUN,
      eventBusName: config.EVENT_BUS_NAME,
      ssmPathPrefixes: config.SSM_PATH_PREFIXES,
      mirrorRules: { prefix: config.SSM_PATH_PREFIX, bindings: config.SSM_PATH_BINDINGS },
    },
  };
}
