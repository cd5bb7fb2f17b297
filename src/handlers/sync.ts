import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config.js';
import { createEventBridgeClient, createSecretsManagerClient, createSsmClient } from '../aws.js';
import { createRotationDeps } from '../rotation/deps.js';
import { resolveStalePending } from '../rotation/resolveStalePending.js';
import { createSyncDeps } from '../sync/deps.js';
import { runSyncTrigger, type SyncOutcome } from '../sync/runSyncTrigger.js';
import { SyncEventSchema, type SyncTrigger } from '../sync/syncTrigger.js';
import { wrapLambdaHandler } from './wrapLambdaHandler.js';

const config = loadConfig();
const logger = new Logger({ serviceName: 'keyroll' });
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const secretsManager = createSecretsManagerClient(clientOptions);
const eventBridge = createEventBridgeClient(clientOptions);
const deps = createSyncDeps(config, { secretsManager, ssm: createSsmClient(clientOptions), eventBridge, logger });
// Healing a stale AWSPENDING decides from database logins, so the reconcile needs rotation's deps.
const rotationDeps = createRotationDeps(config, { secretsManager, eventBridge, logger });

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

// The trigger and the secret exist only once the event parses (CloudTrail's detail names the secret in three ways).
function keysOf(e: unknown): Record<string, string | undefined> {
  const parsed = SyncEventSchema.safeParse(e);
  if (!parsed.success) return {};
  const t = parsed.data;
  return { trigger: t.trigger, secretArn: t.kind === 'reconcile' ? undefined : t.secretId };
}

export const handler = wrapLambdaHandler(lambdaHandler, { logger, schema: SyncEventSchema, name: 'sync event', keysOf });
