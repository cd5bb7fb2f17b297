import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedeployDeps } from './deps.js';
import { chunkList } from '../aws.js';
import { DESCRIBE_SERVICES_BATCH, describeServiceBatch } from './discoverServices.js';
import { errorCodeOf } from '../errors.js';

const DEFAULT_POLL_INTERVAL_MS = 5_000;
const seconds = (ms: number) => (ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(1));

/** A deployment redeploy started and follows. */
export interface TrackedRollout {
  clusterArn: string;
  serviceArn: string;
  deploymentId: string | undefined;
}

/** Where a rollout ended up when the wait ended. */
export type RolloutResult =
  | { state: 'COMPLETED'; reason: string }
  | { state: 'FAILED'; reason: string }
  | { state: 'IN_PROGRESS'; reason: string };

type Step = RolloutResult | { state: 'FOLLOW'; deploymentId: string } | undefined;

/**
 * One look at a service: the tracked deployment's rolloutState. A deployment that left the
 * list either failed and was rolled back (the service's events say "(deployment <id>) deployment
 * failed") or was superseded by a later deployment, whose PRIMARY is then followed instead,
 * since its tasks also start after the change. Services without rolloutState (behind a Classic Load
 * Balancer) count as done at steady state.
 */
export function stepOfRollout(service: Service, deploymentId: string | undefined): Step {
  if (service.status && service.status !== 'ACTIVE') return { state: 'FAILED', reason: `service became ${service.status} during the rollout` };
  const deployments = service.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const tracked: Deployment | undefined = deploymentId ? deployments.find((d) => d.id === deploymentId) : primary;
  if (!tracked) {
    // A circuit-breaker rollback that completed between two polls leaves only the rollback
    // deployment in the list; the service's events still say ours failed.
    const failure = deploymentId
      ? service.events?.find((e) => e.message?.includes(`(deployment ${deploymentId}) deployment failed`))
      : undefined;
    if (failure) return { state: 'FAILED', reason: `rollout FAILED: deployment ${deploymentId} failed and was replaced${primary?.id ? ` by ${primary.id}` : ''}` };
    return primary?.id ? { state: 'FOLLOW', deploymentId: primary.id } : undefined;
  }
  switch (tracked.rolloutState) {
    case 'COMPLETED':
      return { state: 'COMPLETED', reason: 'rollout COMPLETED' };
    case 'FAILED':
      // The circuit breaker marks the deployment FAILED (and, with rollback on, starts a new one
      // with the last completed revision): the new value did not reach the service either way.
      return { state: 'FAILED', reason: `rollout FAILED${tracked.rolloutStateReason ? `: ${tracked.rolloutStateReason}` : ''}` };
    case 'IN_PROGRESS':
      return undefined;
    default:
      return deployments.length === 1 && tracked.runningCount === tracked.desiredCount
        ? { state: 'COMPLETED', reason: 'steady state reached' }
        : undefined;
  }
}

/**
 * Polls DescribeServices (batches of 10 per cluster) until every tracked rollout is COMPLETED
 * or FAILED, or `timeoutMs` has passed; what is still rolling then is reported IN_PROGRESS.
 * A service that disappears is FAILED. DescribeServices errors are retried at the next poll.
 * The waiter `waitUntilServicesStable` is not used: it ignores rolloutState, so it would call a
 * circuit-breaker rollback that reached steady state a success. Never throws.
 */
export async function waitForRollouts(
  deps: RedeployDeps,
  rollouts: readonly TrackedRollout[],
  timeoutMs: number,
): Promise<Map<string, RolloutResult>> {
  const results = new Map<string, RolloutResult>();
  const pending = new Map(rollouts.map((r) => [r.serviceArn, { ...r }]));
  const poll = Math.max(1, deps.settings.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
  const deadline = Date.now() + Math.max(0, timeoutMs);
  const maxPolls = Math.ceil(timeoutMs / poll) + 1;

  for (let i = 0; i < maxPolls && pending.size > 0; i++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(poll, left));
    const byCluster = new Map<string, string[]>();
    for (const r of pending.values()) {
      const arns = byCluster.get(r.clusterArn);
      if (arns) arns.push(r.serviceArn);
      else byCluster.set(r.clusterArn, [r.serviceArn]);
    }
    for (const [cluster, arns] of byCluster) {
      for (const batch of chunkList(arns, DESCRIBE_SERVICES_BATCH)) {
        let services: Service[];
        try {
          services = await describeServiceBatch(deps, cluster, batch);
        } catch (err) {
          deps.logger?.warn('rollout poll failed; retrying at the next poll', { cluster, error: errorCodeOf((err as { cause?: unknown }).cause ?? err) });
          continue;
        }
        const seen = new Set(services.map((s) => s.serviceArn));
        for (const arn of batch) {
          if (!seen.has(arn)) {
            results.set(arn, { state: 'FAILED', reason: 'service deleted during the rollout' });
            pending.delete(arn);
          }
        }
        for (const s of services) {
          const r = pending.get(s.serviceArn ?? '');
          if (!r) continue;
          const step = stepOfRollout(s, r.deploymentId);
          if (!step || step.state === 'IN_PROGRESS') continue;
          if (step.state === 'FOLLOW') {
            r.deploymentId = step.deploymentId;
            continue;
          }
          results.set(r.serviceArn, step);
          pending.delete(r.serviceArn);
        }
      }
    }
  }
  for (const r of pending.values()) {
    results.set(r.serviceArn, { state: 'IN_PROGRESS', reason: `rollout still IN_PROGRESS when the wait ended after ${seconds(timeoutMs)} s` });
  }
  return results;
}
