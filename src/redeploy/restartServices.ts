import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import pLimit from 'p-limit';
import type { RedeployDeps } from './deps.js';
import type { DiscoveredService } from './discoverServices.js';
import { nameOfError } from './errors.js';

export type RestartOutcome =
  | { service: DiscoveredService; ok: true; deploymentId: string | undefined }
  | { service: DiscoveredService; ok: false; reason: string };

function reasonOf(err: unknown): string {
  const name = nameOfError(err);
  if (name === 'ServiceNotFoundException' || name === 'ServiceNotActiveException') {
    return `service no longer exists (deleted after discovery): ${name}`;
  }
  if (name === 'ClusterNotFoundException') return `cluster no longer exists: ${name}`;
  return `UpdateService failed: ${name}`;
}

/**
 * Forces a new deployment of each service, at most `settings.concurrency` at a time, each
 * service once even if listed twice. ECS's rolling update (minimumHealthyPercent, circuit
 * breaker) keeps capacity. Throttling is retried by the SDK client; a failure of one service
 * (deleted meanwhile, refused) is reported for that service and the others still roll.
 * Never throws.
 */
export async function restartServices(deps: RedeployDeps, services: readonly DiscoveredService[]): Promise<RestartOutcome[]> {
  const unique = [...new Map(services.map((s) => [s.serviceArn, s])).values()];
  const limit = pLimit(deps.settings.concurrency);
  return limit.map(unique, async (service): Promise<RestartOutcome> => {
    try {
      const out = await deps.ecs.send(
        new UpdateServiceCommand({ cluster: service.clusterArn, service: service.serviceArn, forceNewDeployment: true }),
      );
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
