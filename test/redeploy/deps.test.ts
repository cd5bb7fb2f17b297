import { describe, expect, it } from 'vitest';
import { createEcsClient, createEventBridgeClient, createSecretsManagerClient, createSsmClient } from '../../src/aws.js';
import { loadConfig } from '../../src/config.js';
import { createRedeployDeps } from '../../src/redeploy/deps.js';
import { createTaskDefinitionCache } from '../../src/redeploy/taskDefinitionCache.js';

const clients = () => ({
  ecs: createEcsClient({ region: 'us-east-1' }),
  eventBridge: createEventBridgeClient({ region: 'us-east-1' }),
  taskDefinitionCache: createTaskDefinitionCache(),
});

describe('createRedeployDeps', () => {
  it('takes clusters, concurrency, wait, dry run, event bus and prefixes from the configuration', () => {
    // Prepare
    const config = loadConfig({
      ECS_CLUSTERS: 'prod,arn:aws:ecs:us-east-1:123456789012:cluster/batch',
      REDEPLOY_CONCURRENCY: '3',
      REDEPLOY_WAIT: 'true',
      REDEPLOY_WAIT_TIMEOUT_SECONDS: '120',
      DRY_RUN: 'yes',
      EVENT_BUS_NAME: 'keyroll-bus',
      SSM_PATH_PREFIXES: '/billing',
    });

    // Act
    const deps = createRedeployDeps(config, clients());

    // Assess
    expect(deps.settings).toEqual({
      clusters: ['prod', 'arn:aws:ecs:us-east-1:123456789012:cluster/batch'],
      concurrency: 3,
      wait: true,
      waitTimeoutMs: 120_000,
      dryRun: true,
      eventBusName: 'keyroll-bus',
      ssmPathPrefixes: ['/billing'],
      mirrorRules: { prefix: '/', bindings: new Map() },
    });
  });

  it('builds the ECS pacing once, from REDEPLOY_UPDATE_TPS and ECS_READ_TPS', async () => {
    // Prepare
    const deps = createRedeployDeps(loadConfig({ REDEPLOY_UPDATE_TPS: '10', ECS_READ_TPS: '100' }), clients());

    // Act: three updates at 10/s take at least 200 ms; the limiter is the deps' own, shared by every call.
    const started = Date.now();
    for (let i = 0; i < 3; i++) await deps.pacing.updates.acquire();

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('keeps the caller\'s task definition cache, so it outlives the call', () => {
    // Prepare
    const given = clients();

    // Act
    const deps = createRedeployDeps(loadConfig({}), given);

    // Assess
    expect(deps.taskDefinitionCache).toBe(given.taskDefinitionCache);
  });

  it('includes Secrets Manager and SSM only when the caller gives them, for redeploying events', () => {
    // Prepare
    const secretsManager = createSecretsManagerClient({ region: 'us-east-1' });
    const ssm = createSsmClient({ region: 'us-east-1' });

    // Act
    const forEvents = createRedeployDeps(loadConfig({}), { ...clients(), secretsManager, ssm });
    const forChanges = createRedeployDeps(loadConfig({}), clients());

    // Assess
    expect([forEvents.secretsManager, forEvents.ssm]).toEqual([secretsManager, ssm]);
    expect(forChanges).not.toHaveProperty('secretsManager');
    expect(forChanges).not.toHaveProperty('ssm');
  });
});
