import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from '@aws-lambda-powertools/logger';
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

/** What redeploying an EventBridge event needs: the above, and Secrets Manager to read a secret's tags. */
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
