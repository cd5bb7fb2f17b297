import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { loadConfig } from '../config.js';
import { createEventBridgeClient, createSecretsManagerClient } from '../aws.js';
import { RotationEventSchema, type RotationEvent } from '../events.js';
import { createPostgresGateway } from '../postgres/gateway.js';
import { runRotationStep, type StepOutcome } from '../rotation/rotate.js';
import type { RotationDeps } from '../rotation/deps.js';
import { parseEvent } from './middleware/parseEvent.js';
import { logOutcome } from './middleware/logOutcome.js';

const config = loadConfig();
const logger = new Logger({ serviceName: 'keyroll' });
const deps: RotationDeps = {
  secretsManager: createSecretsManagerClient({ maxAttempts: config.AWS_MAX_ATTEMPTS }),
  eventBridge: createEventBridgeClient({ maxAttempts: config.AWS_MAX_ATTEMPTS }),
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

/** Runs one step of Secrets Manager's rotation for the secret in the event. */
export const lambdaHandler = async (event: RotationEvent): Promise<StepOutcome> => {
  const outcome = await runRotationStep(deps, event);
  logger.appendKeys({ result: outcome.result });
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
        return { secretArn: str(ev.SecretId), step: str(ev.Step), token: str(ev.ClientRequestToken) };
      },
    }),
  )
  .use(parseEvent({ schema: RotationEventSchema, name: 'rotation event' }));
