import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config.js';
import { createEventBridgeClient, createLazyRdsClient, createSecretsManagerClient } from '../aws.js';
import { RotateFunctionEventSchema, type RotateFunctionEvent } from '../events.js';
import { createRotationDeps } from '../rotation/deps.js';
import { handleRotateEvent } from '../rotation/handleRotateEvent.js';
import type { StalePendingReport } from '../rotation/resolveStalePending.js';
import type { StepOutcome } from '../rotation/rotate.js';
import { createMetrics } from './metrics.js';
import { stringOf, wrapLambdaHandler } from './wrapLambdaHandler.js';

const config = loadConfig();
const logger = new Logger({ serviceName: config.POWERTOOLS_SERVICE_NAME });
const { metrics, sink } = createMetrics(config);
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const deps = createRotationDeps(config, {
  secretsManager: createSecretsManagerClient(clientOptions),
  eventBridge: createEventBridgeClient(clientOptions),
  rds: createLazyRdsClient(clientOptions),
  logger,
  metrics: sink,
});

/** Runs one step of Secrets Manager's rotation, or heals a stale AWSPENDING when the reconcile or the CLI asks. */
export const lambdaHandler = async (event: RotateFunctionEvent, context?: Pick<Context, 'invokedFunctionArn'>): Promise<StepOutcome | StalePendingReport> => {
  const outcome = await handleRotateEvent(deps, event, context?.invokedFunctionArn ? { functionArn: context.invokedFunctionArn } : {});
  logger.appendKeys({ result: 'result' in outcome ? outcome.result : outcome.action });
  return outcome;
};

// Read from the raw event, which may not parse: a malformed one is still named in the error line.
function keysOf(e: unknown): Record<string, string | undefined> {
  const ev = (e ?? {}) as Record<string, unknown>;
  return { secretArn: stringOf(ev.SecretId), step: stringOf(ev.Step) ?? stringOf(ev.action), token: stringOf(ev.ClientRequestToken) };
}

// The version the rotation creates: the events it causes (Secret Rotated, Secret Synced…) carry it as versionId.
const correlationIdOf = (e: unknown): string | undefined => stringOf((e as Record<string, unknown> | null)?.ClientRequestToken);

export const handler = wrapLambdaHandler(lambdaHandler, { logger, metrics, schema: RotateFunctionEventSchema, name: 'rotation event', keysOf, correlationIdOf });
