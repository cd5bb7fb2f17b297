import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { AwsEndpoint } from '../local/aws/server.js';
import { syncSecret } from '../src/sync/syncSecret.js';
import { callsByOperation, nameOf, startBenchStack, waitFor } from './benchStack.js';
import { secretName, seedServices } from './fleet.js';
import type { Bench } from './types.js';

const SERVICES = 3_000;
const CLUSTERS = ['fleet-a', 'fleet-b', 'fleet-c'];
const ENTRY_LIMIT_BYTES = 256 * 1024;

/** The most calls of `operation` answered ok within any one second of the request log. */
function peakPerSecond(endpoint: AwsEndpoint, operation: string): number {
  const times = endpoint.requestLog.filter((r) => r.operation === operation && r.outcome === 'ok').map((r) => r.at.getTime()).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/**
 * One change of a mirrored secret used by `users` of 3,000 services over 3 clusters, through the
 * deployed sync and redeploy bundles (their own processes): ECS's UpdateService rate emulated at
 * 5/s and its service reads at 20/s (× `compression` when time-compressed), redeploy paced at
 * REDEPLOY_UPDATE_TPS 4/s and ECS_READ_TPS 15/s (× the same). Calls, UpdateService's peak rate,
 * the size of "Services Redeployed", whether the invocation succeeded, and redeploy's peak RSS.
 */
async function measure(users: number, compression: number) {
  const stack = await startBenchStack({
    params: { ecsClusters: CLUSTERS.join(','), redeployUpdateTps: String(4 * compression), ecsReadTps: String(15 * compression) },
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
    only: ['sync', 'redeploy'],
  });
  try {
    const { sm, ssm, events } = stack.clients;
    const name = 'bench/fleet/db';
    const value = (password: string) => JSON.stringify({ engine: 'postgres', host: 'db', username: 'fleet', password });
    const secret = await sm.send(new CreateSecretCommand({ Name: name, SecretString: value('Fleet-Start-1!'), Tags: [{ Key: 'keyroll:ssm-path', Value: `/${name}` }] }));
    await syncSecret({ secretsManager: sm, ssm, eventBridge: events, settings: { putTps: 1000, eventBusName: 'bench-seed', mirrorRules: { prefix: '/', bindings: new Map() } } }, secret.ARN!, { publish: 'never' });
    await seedServices(stack.clients, { count: SERVICES, clusters: CLUSTERS, secrets: SERVICES, valueFrom: (i) => (i < users ? `/${name}/url` : `/${secretName(i)}/url`) });
    stack.endpoint.setRateLimit('ecs.UpdateService', 5 * compression);
    stack.endpoint.setRateLimit('ecs.DescribeServices', 20 * compression);
    stack.endpoint.setRateLimit('ecs.ListServices', 20 * compression);
    await stack.endpoint.idle(60_000);
    stack.endpoint.resetLog();
    const eventsBefore = stack.endpoint.eventBridge.events.length;
    const redeploy = stack.host.functions.get(nameOf('redeploy'))!;
    const invocationsBefore = redeploy.invocations;

    const started = performance.now();
    await sm.send(new PutSecretValueCommand({ SecretId: secret.ARN, SecretString: value('Fleet-Rotated-2!') }));
    const emitted = () => stack.endpoint.eventBridge.events.slice(eventsBefore).filter((e) => e['detail-type'] === 'Services Redeployed');
    await waitFor('"Services Redeployed"', () => emitted().length > 0, 1_800_000);
    await stack.endpoint.idle(60_000);
    const durationMs = performance.now() - started;

    const detail = emitted()[0]!.detail as { counts: { restarted: number; failed: number }; truncated: boolean };
    const entryBytes = Buffer.byteLength(JSON.stringify(detail)) + Buffer.byteLength('keyrollServices Redeployed') + 14;
    const byOperation = callsByOperation(stack.endpoint);
    const failedLines = redeploy.lines().filter((l) => l.includes('"invocation failed"')).length;
    return {
      metrics: {
        restarted: detail.counts.restarted,
        failed: detail.counts.failed,
        redeployInvocations: redeploy.invocations - invocationsBefore,
        redeployInvocationsFailed: failedLines,
        ecsCalls: Object.entries(byOperation).filter(([k]) => k.startsWith('ecs.')).reduce((a, [, n]) => a + n, 0),
        updateServiceThrottled: stack.endpoint.requestLog.filter((r) => r.operation === 'UpdateService' && r.outcome === 'ThrottlingException').length,
        updateServicePeakPerSecond: peakPerSecond(stack.endpoint, 'UpdateService'),
        updateServiceLimitPerSecond: 5 * compression,
        eventEntryBytes: entryBytes,
        eventTruncated: detail.truncated ? 1 : 0,
        durationMs: Math.round(durationMs),
        redeployPeakRssMiB: await redeploy.peakRssMiB(),
      },
      callsByOperation: byOperation,
    };
  } finally {
    await stack.stop();
  }
}

export const run: Bench = async () => {
  const some = await measure(300, 1);
  const all = await measure(SERVICES, 10);
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(some.metrics)) metrics[`of300${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
  for (const [k, v] of Object.entries(all.metrics)) metrics[`of3000${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
  return {
    name: 'fleetRedeploy',
    metrics,
    params: {
      services: SERVICES,
      clusters: CLUSTERS.length,
      taskDefinitions: SERVICES / 10,
      of300: { compression: 1, callsByOperation: some.callsByOperation },
      of3000: { compression: 10, callsByOperation: all.callsByOperation },
      entryLimitBytes: ENTRY_LIMIT_BYTES,
    },
    notes:
      'Targets (issue #11): the invocation succeeds and every entry stays under 256 KB; UpdateService never above ECS\'s 5/s. The 3,000-user case is time-compressed 10× (limits 50/s and 200/s, pacing 40/s and 150/s): at the real rates its 3,000 restarts take 12.5 minutes.',
  };
};
