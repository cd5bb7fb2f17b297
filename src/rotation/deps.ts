import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../config.js';
import type { MetricsSink } from '../metrics.js';
import { createPostgresGateway, type PostgresGateway } from '../postgres/gateway.js';

/** What the rotation steps need, passed in by the handler or the CLI. */
export interface RotationDeps {
  secretsManager: SecretsManagerClient;
  eventBridge: EventBridgeClient;
  /** RDS, for the endpoint of an RDS-managed master secret (built on first use). */
  rds?: () => Promise<RDSClient>;
  db: PostgresGateway;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Where the steps' outcomes and durations go (the handler's; the CLI records none). */
  metrics?: MetricsSink;
  clock?: () => Date;
  settings: RotationSettings;
}

export interface RotationSettings {
  passwordLength: number;
  excludeCharacters: string;
  eventBusName: string;
}

/** The clients and logger the caller built (handler: at module scope; CLI: on first use). */
export type RotationClients = Pick<RotationDeps, 'secretsManager' | 'eventBridge' | 'logger' | 'metrics' | 'rds'>;

/**
 * Builds the rotation steps' dependencies from the configuration: the PostgreSQL gateway
 * (DB_CA_BUNDLE, DB_CONNECT_TIMEOUT_MS, and the Lambda runtime's CA file when
 * AWS_LAMBDA_FUNCTION_NAME says this runs on Lambda) and the settings (PASSWORD_LENGTH,
 * EXCLUDE_CHARACTERS, EVENT_BUS_NAME). Makes no call and opens no connection.
 */
export function createRotationDeps(config: Config, clients: RotationClients): RotationDeps {
  return {
    secretsManager: clients.secretsManager,
    eventBridge: clients.eventBridge,
    db: createPostgresGateway({
      caBundle: config.DB_CA_BUNDLE,
      onLambda: config.AWS_LAMBDA_FUNCTION_NAME !== undefined,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    }),
    ...(clients.logger ? { logger: clients.logger } : {}),
    ...(clients.rds ? { rds: clients.rds } : {}),
    ...(clients.metrics ? { metrics: clients.metrics } : {}),
    settings: {
      passwordLength: config.PASSWORD_LENGTH,
      excludeCharacters: config.EXCLUDE_CHARACTERS,
      eventBusName: config.EVENT_BUS_NAME,
    },
  };
}
