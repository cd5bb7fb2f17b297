import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { loadConfig } from '../config.js';
import { createEcsClient, createEventBridgeClient, createSecretsManagerClient } from '../aws.js';
import { EventBridgeEnvelopeSchema, type EventBridgeEnvelope } from '../events.js';
import type { RedeployEventDeps } from '../redeploy/deps.js';
import { redeployForEvent, type RedeployEventOutcome } from '../redeploy/redeployForEvent.js';
import { createTaskDefinitionCache } from '../redeploy/taskDefinitionCache.js';
import { parseEvent } from './middleware/parseEvent.js';
import { logOutcome } from './middleware/logOutcome.js';

const config = loadConfig();
const logger = new Logger({ serviceName: 'keyroll' });
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const deps: RedeployEventDeps = {
  ecs: createEcsClient(clientOptions),
  eventBridge: createEventBridgeClient(clientOptions),
  secretsManager: createSecretsManagerClient(clientOptions),
  logger,
  // Module scope: task definition revisions are immutable, so the cache lives as long as the container.
  taskDefinitionCache: createTaskDefinitionCache(),
  settings: {
    clusters: config.ECS_CLUSTERS,
    concurrency: config.REDEPLOY_CONCURRENCY,
    wait: config.REDEPLOY_WAIT,
    waitTimeoutMs: config.REDEPLOY_WAIT_TIMEOUT_SECONDS * 1000,
    dryRun: config.DRY_RUN,
    eventBusName: config.EVENT_BUS_NAME,
    ssmPathPrefixes: config.SSM_PATH_PREFIXES,
  },
};

// Time kept back from the wait for publishing "Services Redeployed" and returning.
const WAIT_MARGIN_MS = 30_000;

/** Rolls the ECS services that use the secret or parameters the event says changed. */
export const lambdaHandler = async (event: EventBridgeEnvelope, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<RedeployEventOutcome> => {
  const remaining = context?.getRemainingTimeInMillis?.();
  const waitTimeoutMs =
    remaining === undefined ? undefined : Math.max(0, Math.min(deps.settings.waitTimeoutMs, remaining - WAIT_MARGIN_MS));
  const outcome = await redeployForEvent(deps, event, waitTimeoutMs === undefined ? {} : { waitTimeoutMs });
  logger.appendKeys(
    outcome.outcome === 'ignored'
      ? { result: 'ignored' }
      : {
          result: 'redeployed',
          restarted: outcome.result.restarted.length,
          skipped: outcome.result.skipped.length,
          failed: outcome.result.failed.length,
        },
  );
  return outcome;
};

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
  .use(
    logOutcome({
      logger,
      keysOf: (e) => {
        const ev = (e ?? {}) as Record<string, unknown>;
        const detail = (ev.detail ?? {}) as Record<string, unknown>;
        return {
          detailType: str(ev['detail-type']),
          secretArn: str(detail.secretArn),
          parameterName: str(detail.name) && ev.source === 'aws.ssm' ? str(detail.name) : undefined,
        };
      },
    }),
  )
  .use(parseEvent({ schema: EventBridgeEnvelopeSchema, name: 'redeploy event' }));
