import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../config.js';
import { createEventBridgeClient, createSecretsManagerClient } from '../aws.js';
import { RotationEventSchema, type RotationEvent } from '../events.js';
import { runRotationStep, type StepOutcome } from '../rotation/rotate.js';
import { createRotationDeps } from '../rotation/deps.js';
import { stringOf, wrapLambdaHandler } from './wrapLambdaHandler.js';

const config = loadConfig();
const logger = new Logger({ serviceName: 'keyroll' });
const clientOptions = { maxAttempts: config.AWS_MAX_ATTEMPTS };
const secretsManager = createSecretsManagerClient(clientOptions);
const deps = createRotationDeps(config, { secretsManager, eventBridge: createEventBridgeClient(clientOptions), logger });

/** Runs one step of Secrets Manager's rotation for the secret in the event. */
export const lambdaHandler = async (event: RotationEvent): Promise<StepOutcome> => {
  const outcome = await runRotationStep(deps, event);
  logger.appendKeys({ result: outcome.result });
  return outcome;
};

// Read from the raw event, which may not parse: a malformed one is still named in the error line.
function keysOf(e: unknown): Record<string, string | undefined> {
  const ev = (e ?? {}) as Record<string, unknown>;
  return { secretArn: stringOf(ev.SecretId), step: stringOf(ev.Step), token: stringOf(ev.ClientRequestToken) };
}

export const handler = wrapLambdaHandler(lambdaHandler, { logger, schema: RotationEventSchema, name: 'rotation event', keysOf });
