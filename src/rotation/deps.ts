import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { PostgresGateway } from '../postgres/gateway.js';

/** What the rotation steps need, passed in by the handler or the CLI. */
export interface RotationDeps {
  secretsManager: SecretsManagerClient;
  eventBridge: EventBridgeClient;
  db: PostgresGateway;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  clock?: () => Date;
  settings: RotationSettings;
}

export interface RotationSettings {
  passwordLength: number;
  excludeCharacters: string;
  eventBusName: string;
}
