import type { Change } from './change.js';
import type { DiscoveredService } from './discoverServices.js';
import { matchReference, parameterSetOf } from './matchReference.js';

/** Reasons reported in results and in "Services Redeployed". */
export const REASON_ALREADY_ROLLING = 'already rolling with the new value';
export const REASON_NO_DESIRED_TASKS = 'no desired tasks (desiredCount 0)';
export const REASON_UNREFERENCED = 'does not reference the change';

/** What to do with one service for one change. */
export type ServiceDecision =
  | { action: 'restart'; reason: string }
  | { action: 'skip'; reason: string }
  | { action: 'fail'; reason: string }
  | { action: 'ignore'; reason: typeof REASON_UNREFERENCED };

/**
 * Decides one service: does any container reference the change (and unpinned), and does the
 * service need new tasks to read it. In order: an unreadable task definition fails; no
 * reference → ignore; only pinned references → skip "pinned …"; not ACTIVE → skip; desiredCount 0
 * → skip; a deployment controller other than ECS → fail (keyroll cannot roll it); a primary
 * deployment created after the change → skip "already rolling with the new value"; else restart.
 * Pure; never throws.
 */
export function decideService(service: DiscoveredService, change: Change, parameters = parameterSetOf(change)): ServiceDecision {
  if (!service.references) return { action: 'fail', reason: service.taskDefinitionError ?? 'task definition unknown' };

  const targets = new Set<string>();
  const pins = new Set<string>();
  for (const ref of service.references.references) {
    const m = matchReference(ref.valueFrom, change, parameters);
    if (m.kind === 'affected') targets.add(m.target);
    else if (m.kind === 'pinned') pins.add(m.reason);
  }
  if (targets.size === 0) {
    return pins.size === 0 ? { action: 'ignore', reason: REASON_UNREFERENCED } : { action: 'skip', reason: [...pins].join('; ') };
  }
  if (service.status !== 'ACTIVE') return { action: 'skip', reason: `service is ${service.status}` };
  if (service.desiredCount === 0) return { action: 'skip', reason: REASON_NO_DESIRED_TASKS };
  if (service.deploymentController !== 'ECS') {
    return { action: 'fail', reason: `uses the ${service.deploymentController} deployment controller, which keyroll does not drive: deploy it there` };
  }
  const started = service.primaryDeployment?.createdAt;
  if (started && started.getTime() > change.changedAt.getTime()) return { action: 'skip', reason: REASON_ALREADY_ROLLING };
  return { action: 'restart', reason: `references the ${[...targets].sort().join(' and ')}` };
}
