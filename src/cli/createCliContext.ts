import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createEcsClient, createEventBridgeClient, createLambdaClient, createLazyRdsClient, createSecretsManagerClient, createSqsClient, createSsmClient, type ClientOptions } from '../aws.js';
import type { Config } from '../config.js';
import type { PostgresGateway } from '../postgres/gateway.js';
import { createRedeployDeps, type RedeployDeps } from '../redeploy/deps.js';
import { createTaskDefinitionCache } from '../redeploy/taskDefinitionCache.js';
import { createRotationDeps, type RotationDeps } from '../rotation/deps.js';
import { createSyncDeps, type SyncDeps } from '../sync/deps.js';
import type { CliOutput } from './createCliOutput.js';

/** The options every command accepts (commander's `optsWithGlobals()`). */
export interface GlobalOptions {
  profile?: string;
  endpointUrl?: string;
  region?: string;
  json?: boolean;
  verbose?: boolean;
  caBundle?: string;
  cluster?: string[];
}

/** A logger for the domain functions: silent unless `--verbose`, then one line per entry on stderr. */
export type CliLogger = Required<Pick<NonNullable<SyncDeps['logger']>, 'info' | 'warn' | 'debug'>>;

/** What a command needs: output and the dependencies of the domain functions (configured from the environment and the global options), built on first use. */
export interface CliContext {
  readonly out: CliOutput;
  /** KEYROLL_ROTATE_FUNCTION_ARN, read by the CLI entry. */
  readonly rotateFunctionArn: string | undefined;
  /** KEYROLL_FAILED_QUEUE, read by the CLI entry: the failed-events queue's name or URL. */
  readonly failedQueue: string | undefined;
  readonly logger: CliLogger;
  secretsManager(): SecretsManagerClient;
  ssm(): SSMClient;
  ecs(): ECSClient;
  /** For asking the rotate function to heal (doctor --fix). */
  lambda(): LambdaClient;
  /** For the failed-events queue (replay-failed). */
  sqs(): SQSClient;
  db(): PostgresGateway;
  syncDeps(): SyncDeps;
  rotationDeps(): RotationDeps;
  redeployDeps(settings?: Partial<RedeployDeps['settings']>): RedeployDeps;
  /** Releases the SDK clients' sockets so the process can exit. */
  close(): void;
}

function createCliLogger(out: CliOutput, verbose: boolean): CliLogger {
  const write = (level: string) => (message: string | object, ...extra: unknown[]) => {
    if (!verbose) return;
    const keys = Object.assign({}, ...extra.filter((e): e is object => typeof e === 'object' && e !== null));
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    out.note(`[${level}] ${text}${Object.keys(keys).length ? ` ${JSON.stringify(keys)}` : ''}`);
  };
  return { info: write('info'), warn: write('warn'), debug: write('debug') } as CliLogger;
}

/**
 * Builds the dependencies of the domain functions from the global options and configuration:
 * the SDK clients (endpoint and region from `--endpoint-url` / `--region`, else the SDK's own
 * AWS_ENDPOINT_URL / AWS_REGION handling), the PostgreSQL gateway (`--ca-bundle`, else
 * DB_CA_BUNDLE) and the settings of sync, rotation and redeploy. Nothing is built until asked.
 */
export function createCliContext(input: {
  out: CliOutput;
  config: Config;
  options: GlobalOptions;
  rotateFunctionArn: string | undefined;
  failedQueue?: string | undefined;
}): CliContext {
  const { out, config, options } = input;
  const clientOptions: ClientOptions = {
    maxAttempts: config.AWS_MAX_ATTEMPTS,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  };
  const built: Array<{ destroy(): void }> = [];
  const once = <T extends { destroy(): void }>(make: () => T): (() => T) => {
    let value: T | undefined;
    return () => {
      if (!value) {
        value = make();
        built.push(value);
      }
      return value;
    };
  };
  const secretsManager = once(() => createSecretsManagerClient(clientOptions));
  const ssm = once(() => createSsmClient(clientOptions));
  const ecs = once(() => createEcsClient(clientOptions));
  const eventBridge = once(() => createEventBridgeClient(clientOptions));
  const lambda = once(() => createLambdaClient(clientOptions));
  const sqs = once(() => createSqsClient(clientOptions));
  const logger = createCliLogger(out, options.verbose === true);
  // The global options win over the environment, for every domain's settings alike.
  const effective: Config = {
    ...config,
    ...(options.caBundle !== undefined ? { DB_CA_BUNDLE: options.caBundle } : {}),
    ...(options.cluster?.length ? { ECS_CLUSTERS: options.cluster } : {}),
  };
  // Built once: the gateway behind rotationDeps() is the one doctor's own checks use (db()).
  let rotation: RotationDeps | undefined;
  const rds = createLazyRdsClient(clientOptions);
  const rotationDeps = () => (rotation ??= createRotationDeps(effective, { secretsManager: secretsManager(), eventBridge: eventBridge(), rds, logger }));
  // One cache for the run: status decides every secret against the same task definitions.
  const taskDefinitionCache = createTaskDefinitionCache();

  return {
    out,
    rotateFunctionArn: input.rotateFunctionArn,
    failedQueue: input.failedQueue,
    logger,
    secretsManager,
    ssm,
    ecs,
    lambda,
    sqs,
    db: () => rotationDeps().db,
    syncDeps: () => createSyncDeps(effective, { secretsManager: secretsManager(), ssm: ssm(), eventBridge: eventBridge(), logger }),
    rotationDeps,
    redeployDeps: (settings = {}) => {
      const deps = createRedeployDeps(effective, { ecs: ecs(), eventBridge: eventBridge(), logger, taskDefinitionCache });
      // The CLI restarts only without --dry-run, whatever DRY_RUN says (that switch is the Lambda's).
      return { ...deps, settings: { ...deps.settings, dryRun: false, ...settings } };
    },
    close() {
      for (const client of built.splice(0)) client.destroy();
    },
  };
}
