import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { loadConfig } from '../config.js';
import { createEventBridgeClient, createSecretsManagerClient, createSsmClient } from '../aws.js';
import { createPostgresGateway } from '../postgres/gateway.js';
import type { RotationDeps } from '../rotation/deps.js';
import { resolveStalePending } from '../rotation/resolveStalePending.js';
import type { SyncDeps } from '../sync/deps.js';
import { runSyncTrigger, type SyncOutcome } from '../sync/runSyncTrigger.js';
import { SyncEventSchema, type SyncTrigger } from '../sync/syncTrigger.js';
import { parseEvent } from './middleware/parseEvent.js';
import { logOutcome } from './middleware/logOutcome.js';

const config = loadConfig();
const logger = new Logger({ serviceName: 'keyroll' });
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const secretsManager = createSecretsManagerClient(clientOptions);
const eventBridge = createEventBridgeClient(clientOptions);
const deps: SyncDeps = {
  secretsManager,
  ssm: createSsmClient(clientOptions),
  eventBridge,
  logger,
  settings: {
    kmsKeyId: config.SSM_KMS_KEY_ID,
    putTps: config.SSM_PUT_TPS,
    eventBusName: config.EVENT_BUS_NAME,
    pathPrefixes: config.SSM_PATH_PREFIXES,
  },
};
// Healing a stale AWSPENDING decides from database logins, so the reconcile needs rotation's deps.
const rotationDeps: RotationDeps = {
  secretsManager,
  eventBridge,
  db: createPostgresGateway({
    caBundle: config.DB_CA_BUNDLE,
    onLambda: config.AWS_LAMBDA_FUNCTION_NAME !== undefined,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
  }),
  logger,
  settings: {
    passwordLength: config.PASSWORD_LENGTH,
    excludeCharacters: config.EXCLUDE_CHARACTERS,
    eventBusName: config.EVENT_BUS_NAME,
  },
};

// Stop starting secrets this long before the Lambda timeout, so the summary is still logged.
const DEADLINE_MARGIN_MS = 30_000;

/** Mirrors one secret, reconciles all of them, or ignores the event, as the parsed trigger says. */
export const lambdaHandler = async (trigger: SyncTrigger, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SyncOutcome> => {
  const remaining = context?.getRemainingTimeInMillis?.();
  const outcome = await runSyncTrigger(deps, trigger, {
    healStalePending: async (secretArn) => {
      const report = await resolveStalePending(rotationDeps, secretArn);
      return { action: report.action, reason: report.reason };
    },
    ...(remaining !== undefined ? { deadlineAt: Date.now() + remaining - DEADLINE_MARGIN_MS } : {}),
  });
  logger.appendKeys({ result: outcome.kind });
  return outcome;
};

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .use(
    logOutcome({
      logger,
      keysOf: (e) => {
        const parsed = SyncEventSchema.safeParse(e);
        if (!parsed.success) return {};
        const t = parsed.data;
        return { trigger: t.trigger, secretArn: t.kind === 'reconcile' ? undefined : t.secretId };
      },
    }),
  )
  .use(parseEvent({ schema: SyncEventSchema, name: 'sync event' }));
