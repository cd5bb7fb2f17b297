import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../config.js';
import type { MetricsSink } from '../metrics.js';
import type { MirrorRules } from '../mirrorPath.js';

/** What the sync functions need, built by the handler or the CLI. */
export interface SyncDeps {
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
  eventBridge: EventBridgeClient;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Where ParametersWritten, SecretsSynced, the reconcile's counts and EventsNotPublished go (the handler's; the CLI records none). */
  metrics?: MetricsSink;
  clock?: () => Date;
  settings: SyncSettings;
}

export interface SyncSettings {
  /** KMS key for SecureString parameters when the secret has no `keyroll:kms-key` tag; absent = the account default. */
  kmsKeyId?: string | undefined;
  /** PutParameter calls per second one sync or reconcile run may make (SSM_PUT_TPS, default 3). */
  putTps: number;
  eventBusName: string;
  /** Which paths a secret may mirror to (SSM_PATH_PREFIX, SSM_PATH_BINDINGS). */
  mirrorRules: MirrorRules;
}

/** The clients and logger the caller built (handler: at module scope; CLI: on first use). */
export type SyncClients = Pick<SyncDeps, 'secretsManager' | 'ssm' | 'eventBridge' | 'logger' | 'metrics'>;

/**
 * Builds the sync functions' dependencies: the caller's clients and the settings from the
 * configuration (SSM_KMS_KEY_ID, SSM_PUT_TPS, EVENT_BUS_NAME, SSM_PATH_PREFIX, SSM_PATH_BINDINGS). Makes no call.
 */
export function createSyncDeps(config: Config, clients: SyncClients): SyncDeps {
  return {
    secretsManager: clients.secretsManager,
    ssm: clients.ssm,
    eventBridge: clients.eventBridge,
    ...(clients.logger ? { logger: clients.logger } : {}),
    ...(clients.metrics ? { metrics: clients.metrics } : {}),
    settings: {
      kmsKeyId: config.SSM_KMS_KEY_ID,
      putTps: config.SSM_PUT_TPS,
      eventBusName: config.EVENT_BUS_NAME,
      mirrorRules: { prefix: config.SSM_PATH_PREFIX, bindings: config.SSM_PATH_BINDINGS },
    },
  };
}
