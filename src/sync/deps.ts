import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Logger } from '@aws-lambda-powertools/logger';

/** What the sync functions need, built by the handler or the CLI. */
export interface SyncDeps {
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
  eventBridge: EventBridgeClient;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  clock?: () => Date;
  settings: SyncSettings;
}

export interface SyncSettings {
  /** KMS key for SecureString parameters when the secret has no `keyroll:kms-key` tag; absent = the account default. */
  kmsKeyId?: string;
  /** PutParameter calls per second one sync or reconcile run may make (SSM_PUT_TPS, default 3). */
  putTps: number;
  eventBusName: string;
  /** When not empty, a secret's `keyroll:ssm-path` must lie under one of these. */
  pathPrefixes: readonly string[];
}
