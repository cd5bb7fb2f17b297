import type { EventBridgeEnvelope } from '../events.js';
import { describeChange, type Change } from './change.js';
import type { RedeployEventDeps } from './deps.js';
import { redeployForChange, type RedeployOptions, type RedeployResult } from './redeployForChange.js';
import { resolveChange } from './resolveChange.js';

export type RedeployEventOutcome =
  | { outcome: 'redeployed'; change: Change; result: RedeployResult }
  | { outcome: 'ignored'; reason: string };

/**
 * The redeploy function's whole job: turns the event into a change (`resolveChange`) and
 * rolls the services that use it (`redeployForChange`). An event that changes nothing (a
 * parameter outside the prefixes, a mirrored secret's "Secret Rotated", an operation other
 * than Update) is a clean no-op: nothing is discovered, restarted or published.
 * @throws EventShapeError, RedeployInputError, ClusterNotFoundError, RedeployDiscoveryError (see those functions).
 */
export async function redeployForEvent(
  deps: RedeployEventDeps,
  event: EventBridgeEnvelope,
  options: RedeployOptions = {},
): Promise<RedeployEventOutcome> {
  const resolved = await resolveChange(deps, event);
  if ('ignored' in resolved) {
    deps.logger?.info('event ignored', { reason: resolved.ignored });
    return { outcome: 'ignored', reason: resolved.ignored };
  }
  deps.logger?.debug('change resolved', { change: describeChange(resolved.change) });
  const result = await redeployForChange(deps, resolved.change, options);
  return { outcome: 'redeployed', change: resolved.change, result };
}
