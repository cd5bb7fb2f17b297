import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config.js';
import { createEcsClient, createEventBridgeClient, createSecretsManagerClient, createSsmClient } from '../aws.js';
import { EventBridgeEnvelopeSchema, type EventBridgeEnvelope } from '../events.js';
import { createRedeployDeps } from '../redeploy/deps.js';
import { createDiscoveryCache } from '../redeploy/discoveryCache.js';
import { outcomeKeys, redeployForEvent, type RedeployEventOutcome } from '../redeploy/redeployForEvent.js';
import { createTaskDefinitionCache } from '../redeploy/taskDefinitionCache.js';
import { createMetrics } from './metrics.js';
import { detailVersionIdOf, stringOf, wrapLambdaHandler } from './wrapLambdaHandler.js';

const config = loadConfig();
const logger = new Logger({ serviceName: config.POWERTOOLS_SERVICE_NAME });
const { metrics, sink } = createMetrics(config);
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const deps = createRedeployDeps(config, {
  ecs: createEcsClient(clientOptions),
  eventBridge: createEventBridgeClient(clientOptions),
  secretsManager: createSecretsManagerClient(clientOptions),
  ssm: createSsmClient(clientOptions),
  logger,
  metrics: sink,
  // Module scope: task definition revisions are immutable, so they are kept as long as the
  // container; cluster and service lists for a short TTL; the ECS pacing spans invocations.
  taskDefinitionCache: createTaskDefinitionCache(),
  discoveryCache: createDiscoveryCache(),
});

/** Rolls the ECS services that use the secret or parameters the event says changed (as Secrets Manager and SSM confirm). */
export const lambdaHandler = async (event: EventBridgeEnvelope, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<RedeployEventOutcome> => {
  const remainingMs = context?.getRemainingTimeInMillis?.();
  const outcome = await redeployForEvent(deps, event, remainingMs === undefined ? {} : { remainingMs });
  logger.appendKeys(outcomeKeys(outcome));
  return outcome;
};

// Read from the raw event, which may not parse: a malformed one is still named in the error line.
function keysOf(e: unknown): Record<string, string | undefined> {
  const ev = (e ?? {}) as Record<string, unknown>;
  const detail = (ev.detail ?? {}) as Record<string, unknown>;
  return {
    detailType: stringOf(ev['detail-type']),
    secretArn: stringOf(detail.secretArn),
    parameterName: stringOf(detail.name) && ev.source === 'aws.ssm' ? stringOf(detail.name) : undefined,
  };
}

export const handler = wrapLambdaHandler(lambdaHandler, { logger, metrics, schema: EventBridgeEnvelopeSchema, name: 'redeploy event', keysOf, correlationIdOf: detailVersionIdOf });
