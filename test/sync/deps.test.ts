import { describe, expect, it } from 'vitest';
import { createEventBridgeClient, createSecretsManagerClient, createSsmClient } from '../../src/aws.js';
import { loadConfig } from '../../src/config.js';
import { createSyncDeps } from '../../src/sync/deps.js';

const clients = () => ({
  secretsManager: createSecretsManagerClient({ region: 'us-east-1' }),
  ssm: createSsmClient({ region: 'us-east-1' }),
  eventBridge: createEventBridgeClient({ region: 'us-east-1' }),
});

describe('createSyncDeps', () => {
  it('takes the KMS key, the PutParameter rate, the event bus and the mirror rules from the configuration', () => {
    // Prepare
    const config = loadConfig({ SSM_KMS_KEY_ID: 'alias/keyroll', SSM_PUT_TPS: '2.5', EVENT_BUS_NAME: 'keyroll-bus', SSM_PATH_PREFIX: '/apps/', SSM_PATH_BINDINGS: 'legacy=/legacy/db' });

    // Act
    const deps = createSyncDeps(config, clients());

    // Assess
    expect(deps.settings).toEqual({
      kmsKeyId: 'alias/keyroll',
      putTps: 2.5,
      eventBusName: 'keyroll-bus',
      mirrorRules: { prefix: '/apps/', bindings: new Map([['legacy', '/legacy/db']]) },
    });
  });

  it('passes the caller\'s clients through unchanged', () => {
    // Prepare
    const given = clients();

    // Act
    const deps = createSyncDeps(loadConfig({}), given);

    // Assess
    expect(deps.secretsManager).toBe(given.secretsManager);
    expect(deps.ssm).toBe(given.ssm);
    expect(deps.eventBridge).toBe(given.eventBridge);
  });
});
