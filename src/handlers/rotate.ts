import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config.js';
import { createEventBridgeClient, createSecretsManagerClient } from '../aws.js';
import { RotateFunctionEventSchema, type RotateFunctionEvent } from '../events.js';
import { runRotationStep, type StepOutcome } from '../rotation/rotate.js';
import { resolveStalePending, type StalePendingReport } from '../rotation/resolveStalePending.js';
import { createRotationDeps } from '../rotation/deps.js';
import { STALE_PENDING_GRACE_MS } from '../secret.js';
import { stringOf, wrapLambdaHandler } from './wrapLambdaHandler.js';

const config = loadConfig();
const logger = new Logger({ serviceName: 'keyroll' });
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const deps = createRotationDeps(config, { secretsManager: createSecretsManagerClient(clientOptions), eventBridge: createEventBridgeClient(clientOptions), logger });

// A heal request leaves a secret alone that changed this recently: a rotation may be running.
const HEAL_GRACE_MS = STALE_PENDING_GRACE_MS;

/** Runs one step of Secrets Manager's rotation, or heals a stale AWSPENDING when sync or the CLI asks. */
export const lambdaHandler = async (event: RotateFunctionEvent, context?: Pick<Context, 'invokedFunctionArn'>): Promise<StepOutcome | StalePendingReport> => {
  if ('action' in event) {
    const report = await resolveStalePending(deps, event.SecretId, {
      dryRun: event.dryRun === true,
      graceMs: HEAL_GRACE_MS,
      ...(context?.invokedFunctionArn ? { rotationFunctionArn: context.invokedFunctionArn } : {}),
    });
    logger.appendKeys({ result: report.action });
    return report;
  }
  const outcome = await runRotationStep(deps, event);
  logger.appendKeys({ result: outcome.result });
  return outcome;
};

// Read from the raw event, which may not parse: a malformed one is still named in the error line.
function keysOf(e: unknown): Record<string, string | undefined> {
  const ev = (e ?? {}) as Record<string, unknown>;
  return { secretArn: stringOf(ev.SecretId), step: stringOf(ev.Step) ?? stringOf(ev.action), token: stringOf(ev.ClientRequestToken) };
}

export const handler = wrapLambdaHandler(lambdaHandler, { logger, schema: RotateFunctionEventSchema, name: 'rotation event', keysOf });
