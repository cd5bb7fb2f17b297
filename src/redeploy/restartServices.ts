import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import pLimit from 'p-limit';
import { errorCodeOf } from '../errors.js';
import type { RedeployDeps } from './deps.js';
import type { DiscoveredService } from './discoverServices.js';

export type RestartOutcome =
  | { service: DiscoveredService; ok: true; deploymentId: string | undefined }
  | { service: DiscoveredService; ok: false; reason: string };

function reasonOf(err: unknown): string {
  const code = errorCodeOf(err);
  if (code === 'ServiceNotFoundException' || code === 'ServiceNotActiveException') return `service no longer exists (deleted after discovery): ${code}`;
  if (code === 'ClusterNotFoundException') return `cluster no longer exists: ${code}`;
  return `UpdateService failed: ${code}`;
}

/**
 * Forces a new deployment of each service, each once even if listed twice: at most
 * `settings.concurrency` at a time *and* no faster than the `pacing.updates` token bucket
 * (ECS's UpdateService rate), so a fleet-wide change never bursts into throttling. ECS's rolling
 * update (minimumHealthyPercent, circuit breaker) keeps capacity. A failure of one service
 * (deleted meanwhile, refused) is reported for that service and the others still roll; one not
 * started before `deadlineAt` is reported not restarted (a redelivery of the change restarts it).
 * Never throws.
 */
export async function restartServices(deps: RedeployDeps, services: readonly DiscoveredService[], deadlineAt?: number): Promise<RestartOutcome[]> {
  const unique = [...new Map(services.map((s) => [s.serviceArn, s])).values()];
  const limit = pLimit(deps.settings.concurrency);
  return limit.map(unique, async (service): Promise<RestartOutcome> => {
    await deps.pacing.updates.acquire();
    if (deadlineAt !== undefined && Date.now() >= deadlineAt) {
      return { service, ok: false, reason: 'not restarted: the invocation ran out of time (a redelivery of the change restarts it)' };
    }
    try {
      const out = await deps.ecs.send(new UpdateServiceCommand({ cluster: service.clusterArn, service: service.serviceArn, forceNewDeployment: true }));
      const deploymentId = out.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
      deps.logger?.info('service restarted', { cluster: service.clusterName, ecsService: service.serviceName, deploymentId });
      return { service, ok: true, deploymentId };
    } catch (err) {
      const reason = reasonOf(err);
      deps.logger?.warn('service not restarted', { cluster: service.clusterName, ecsService: service.serviceName, reason });
      return { service, ok: false, reason };
    }
  });
}
