import { callsByOperation, nameOf, startBenchStack } from './benchStack.js';
import { scheduledEvent, seedSecrets, seedServices } from './fleet.js';
import type { Bench } from './types.js';

const SECRETS = 1_000;
const SERVICES = 500;
const CLUSTERS = ['bench-a', 'bench-b'];

/**
 * The hourly reconcile with nothing to repair: 1,000 mirrored secrets × 6 parameters, 500 services
 * over 2 clusters. The scheduled event goes to the deployed reconcile bundle (its own process, its
 * timeout's deadline); every call of the whole stack is counted from the request log, redeploy's
 * included (it must make none), and every event keyroll emits (it must emit none).
 */
export const run: Bench = async () => {
  const stack = await startBenchStack({ params: { ecsClusters: CLUSTERS.join(',') }, env: { POWERTOOLS_LOG_LEVEL: 'WARN' } });
  try {
    await seedSecrets(stack.clients, SECRETS, { mirrored: true });
    await seedServices(stack.clients, { count: SERVICES, clusters: CLUSTERS, secrets: SECRETS });
    await stack.endpoint.idle(60_000);
    stack.endpoint.resetLog();
    const eventsBefore = stack.endpoint.eventBridge.events.length;

    const started = performance.now();
    const outcome = (await stack.host.invoke(nameOf('reconcile'), scheduledEvent())) as { report: { inSync: number; repaired: number; failed: number; deferred: number } };
    await stack.endpoint.idle(60_000);
    const durationMs = performance.now() - started;

    const byOperation = callsByOperation(stack.endpoint);
    const calls = Object.values(byOperation).reduce((a, b) => a + b, 0);
    const ecsCalls = Object.entries(byOperation).filter(([k]) => k.startsWith('ecs.')).reduce((a, [, n]) => a + n, 0);
    const emitted = stack.endpoint.eventBridge.events.slice(eventsBefore).filter((e) => e.source === 'keyroll').length;
    const reconcile = stack.host.functions.get(nameOf('reconcile'))!;
    return {
      name: 'steadyState',
      metrics: {
        calls,
        eventsEmitted: emitted,
        ecsCalls,
        redeployInvocations: stack.host.functions.get(nameOf('redeploy'))!.invocations,
        inSync: outcome.report.inSync,
        repaired: outcome.report.repaired,
        failed: outcome.report.failed,
        durationMs: Math.round(durationMs),
        reconcilePeakRssMiB: await reconcile.peakRssMiB(),
      },
      params: { secrets: SECRETS, parametersPerSecret: 6, services: SERVICES, clusters: CLUSTERS.length, callsByOperation: byOperation },
      notes: 'Targets (issue #11): calls ≤ 800, 0 events, 0 ECS calls. The minimum: 10 ListSecrets pages, 50 BatchGetSecretValue, 600 GetParameters, 120 DescribeParameters = 780.',
    };
  } finally {
    await stack.stop();
  }
};
