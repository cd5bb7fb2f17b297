import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../config.js';
import type { TaskDefinitionCache } from './taskDefinitionCache.js';

/** What redeploying a change needs, passed in by the handler or the CLI. */
export interface RedeployDeps {
  ecs: ECSClient;
  eventBridge: EventBridgeClient;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  clock?: () => Date;
  /**
   * Task definitions by revision ARN. Revisions are immutable, so the caller keeps one cache
   * for the life of the process (the Lambda container) and passes it to every call.
   */
  taskDefinitionCache: TaskDefinitionCache;
  settings: RedeploySettings;
}

/** What redeploying an EventBridge event needs: the above, and Secrets Manager to read a secret's tags and when its current value was created. */
export interface RedeployEventDeps extends RedeployDeps {
  secretsManager: SecretsManagerClient;
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
}

/**
 * What the caller built and keeps: the clients, the logger, and the task definition cache,
 * which must outlive one call (module scope in the handler), so it is never made here.
 */
export interface RedeployClients extends Pick<RedeployDeps, 'ecs' | 'eventBridge' | 'logger' | 'taskDefinitionCache'> {
  /** Needed to redeploy for an event (a secret's tags); the CLI, which forms the change itself, leaves it out. */
  secretsManager?: SecretsManagerClient;
}

/**
 * Builds the redeploy functions' dependencies: the caller's clients and cache, and the
 * settings from the configuration (ECS_CLUSTERS, REDEPLOY_CONCURRENCY, REDEPLOY_WAIT,
 * REDEPLOY_WAIT_TIMEOUT_SECONDS, DRY_RUN, EVENT_BUS_NAME, SSM_PATH_PREFIXES). With Secrets
 * Manager among the clients, the result can redeploy for an event. Makes no call.
 */
export function createRedeployDeps(config: Config, clients: RedeployClients & { secretsManager: SecretsManagerClient }): RedeployEventDeps;
export function createRedeployDeps(config: Config, clients: RedeployClients): RedeployDeps;
export function createRedeployDeps(config: Config, clients: RedeployClients): RedeployDeps | RedeployEventDeps {
  return {
    ecs: clients.ecs,
    eventBridge: clients.eventBridge,
    ...(clients.secretsManager ? { secretsManager: clients.secretsManager } : {}),
    ...(clients.logger ? { logger: clients.logger } : {}),
    taskDefinitionCache: clients.taskDefinitionCache,
    settings: {
      clusters: config.ECS_CLUSTERS,
      concurrency: config.REDEPLOY_CONCURRENCY,
      wait: config.REDEPLOY_WAIT,
      waitTimeoutMs: config.REDEPLOY_WAIT_TIMEOUT_SECONDS * 1000,
      dryRun: config.DRY_RUN,
      eventBusName: config.EVENT_BUS_NAME,
      ssmPathPrefixes: config.SSM_PATH_PREFIXES,
    },
  };
}
