import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createEcsClient, createEventBridgeClient, createSecretsManagerClient, createSsmClient, type ClientOptions } from '../aws.js';
import type { Config } from '../config.js';
import { createPostgresGateway, type PostgresGateway } from '../postgres/gateway.js';
import type { RedeployDeps } from '../redeploy/deps.js';
import { createTaskDefinitionCache } from '../redeploy/taskDefinitionCache.js';
import type { RotationDeps } from '../rotation/deps.js';
import type { SyncDeps } from '../sync/deps.js';
import type { CliOutput } from './createCliOutput.js';

/** The options every command accepts (commander's `optsWithGlobals()`). */
export interface GlobalOptions {
  endpointUrl?: string;
  region?: string;
  json?: boolean;
  verbose?: boolean;
  caBundle?: string;
  cluster?: string[];
}

/** A logger for the domain functions: silent unless `--verbose`, then one line per entry on stderr. */
export type CliLogger = Required<Pick<NonNullable<SyncDeps['logger']>, 'info' | 'warn' | 'debug'>>;

/** What a command needs: output, configuration and the dependencies of the domain functions, built on first use. */
export interface CliContext {
  readonly out: CliOutput;
  readonly config: Config;
  readonly options: GlobalOptions;
  /** KEYROLL_ROTATE_FUNCTION_ARN, read by the CLI entry. */
  readonly rotateFunctionArn: string | undefined;
  readonly logger: CliLogger;
  secretsManager(): SecretsManagerClient;
  ssm(): SSMClient;
  ecs(): ECSClient;
  eventBridge(): EventBridgeClient;
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
}): CliContext {
  const { out, config, options } = input;
  const clientOptions: ClientOptions = {
    maxAttempts: config.AWS_MAX_ATTEMPTS,
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
  let gateway: PostgresGateway | undefined;
  const db = () =>
    (gateway ??= createPostgresGateway({
      caBundle: options.caBundle ?? config.DB_CA_BUNDLE,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    }));
  const logger = createCliLogger(out, options.verbose === true);
  // One cache for the run: status decides every secret against the same task definitions.
  const taskDefinitionCache = createTaskDefinitionCache();
  const clusters = options.cluster?.length ? options.cluster : config.ECS_CLUSTERS;

  return {
    out,
    config,
    options,
    rotateFunctionArn: input.rotateFunctionArn,
    logger,
    secretsManager,
    ssm,
    ecs,
    eventBridge,
    db,
    syncDeps: () => ({
      secretsManager: secretsManager(),
      ssm: ssm(),
      eventBridge: eventBridge(),
      logger,
      settings: {
        kmsKeyId: config.SSM_KMS_KEY_ID,
        putTps: config.SSM_PUT_TPS,
        eventBusName: config.EVENT_BUS_NAME,
        pathPrefixes: config.SSM_PATH_PREFIXES,
      },
    }),
    rotationDeps: () => ({
      secretsManager: secretsManager(),
      eventBridge: eventBridge(),
      db: db(),
      logger,
      settings: {
        passwordLength: config.PASSWORD_LENGTH,
        excludeCharacters: config.EXCLUDE_CHARACTERS,
        eventBusName: config.EVENT_BUS_NAME,
      },
    }),
    redeployDeps: (settings = {}) => ({
      ecs: ecs(),
      eventBridge: eventBridge(),
      logger,
      taskDefinitionCache,
      settings: {
        clusters,
        concurrency: config.REDEPLOY_CONCURRENCY,
        wait: config.REDEPLOY_WAIT,
        waitTimeoutMs: config.REDEPLOY_WAIT_TIMEOUT_SECONDS * 1000,
        dryRun: false,
        eventBusName: config.EVENT_BUS_NAME,
        ssmPathPrefixes: config.SSM_PATH_PREFIXES,
        ...settings,
      },
    }),
    close() {
      for (const client of built.splice(0)) client.destroy();
    },
  };
}
