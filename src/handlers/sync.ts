import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config.js';
import { createEventBridgeClient, createLambdaClient, createSecretsManagerClient, createSsmClient } from '../aws.js';
import { createSyncDeps } from '../sync/deps.js';
import { healViaRotate } from '../sync/healViaRotate.js';
import { runSyncTrigger, type SyncOutcome } from '../sync/runSyncTrigger.js';
import { SyncEventSchema, type SyncTrigger } from '../sync/syncTrigger.js';
import { createMetrics } from './metrics.js';
import { detailVersionIdOf, wrapLambdaHandler } from './wrapLambdaHandler.js';

const config = loadConfig();
const logger = new Logger({ serviceName: config.POWERTOOLS_SERVICE_NAME });
const { metrics, sink } = createMetrics(config);
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const deps = createSyncDeps(config, {
  secretsManager: createSecretsManagerClient(clientOptions),
  ssm: createSsmClient(clientOptions),
  eventBridge: createEventBridgeClient(clientOptions),
  logger,
  metrics: sink,
});
// The reconcile asks the rotate function to heal stale AWSPENDING labels (sync never logs in to a database).
const healStalePending = config.ROTATE_FUNCTION_NAME ? healViaRotate(createLambdaClient(clientOptions), config.ROTATE_FUNCTION_NAME) : undefined;

// A reconcile stops starting writes this long before the Lambda timeout, so it can hand on the rest and log its summary.
const DEADLINE_MARGIN_MS = 30_000;

/** Mirrors one secret, reconciles (all, or a continuation's share), or ignores the event, as the parsed trigger says. */
export const lambdaHandler = async (trigger: SyncTrigger, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SyncOutcome> => {
  const remaining = context?.getRemainingTimeInMillis?.();
  const outcome = await runSyncTrigger(deps, trigger, {
    ...(healStalePending ? { healStalePending } : {}),
    ...(remaining !== undefined ? { deadlineAt: Date.now() + remaining - DEADLINE_MARGIN_MS } : {}),
  });
  logger.appendKeys({ result: outcome.kind });
  return outcome;
};

// The trigger and the secret exist only once the event parses (CloudTrail's detail names the secret in three ways).
function keysOf(e: unknown): Record<string, string | undefined> {
  const parsed = SyncEventSchema.safeParse(e);
  if (!parsed.success) return {};
  const t = parsed.data;
  return { trigger: t.trigger, secretArn: t.kind === 'reconcile' ? undefined : t.secretId?.slice(0, 2048) };
}

export const handler = wrapLambdaHandler(lambdaHandler, { logger, metrics, schema: SyncEventSchema, name: 'sync event', keysOf, correlationIdOf: detailVersionIdOf });
