import { describe, expect, it } from 'vitest';
import { createEventBridgeClient, createSecretsManagerClient } from '../../src/aws.js';
import { loadConfig } from '../../src/config.js';
import { createRotationDeps } from '../../src/rotation/deps.js';

const clients = () => ({
  secretsManager: createSecretsManagerClient({ region: 'us-east-1' }),
  eventBridge: createEventBridgeClient({ region: 'us-east-1' }),
});

describe('createRotationDeps', () => {
  it('takes the password rules and the event bus from the configuration', () => {
    // Prepare
    const config = loadConfig({ PASSWORD_LENGTH: '48', EXCLUDE_CHARACTERS: '%&', EVENT_BUS_NAME: 'keyroll-bus' });

    // Act
    const deps = createRotationDeps(config, clients());

    // Assess
    expect(deps.settings).toEqual({ passwordLength: 48, excludeCharacters: '%&', eventBusName: 'keyroll-bus' });
  });

  it('builds the database gateway with the configured CA bundle', () => {
    // Prepare
    const config = loadConfig({ DB_CA_BUNDLE: '/etc/ssl/rds-global-bundle.pem' });

    // Act
    const deps = createRotationDeps(config, clients());

    // Assess
    expect(deps.db.caSource).toEqual({ kind: 'configured', bundle: '/etc/ssl/rds-global-bundle.pem' });
  });

  it('passes the caller\'s clients and logger through unchanged', () => {
    // Prepare
    const given = { ...clients(), logger: { info: () => undefined, warn: () => undefined, debug: () => undefined } };

    // Act
    const deps = createRotationDeps(loadConfig({}), given);

    // Assess
    expect(deps.secretsManager).toBe(given.secretsManager);
    expect(deps.eventBridge).toBe(given.eventBridge);
    expect(deps.logger).toBe(given.logger);
  });
});
