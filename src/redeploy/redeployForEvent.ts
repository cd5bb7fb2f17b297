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
  options: RedeployOptions & { remainingMs?: number } = {},
): Promise<RedeployEventOutcome> {
  const resolved = await resolveChange(deps, event);
  if ('ignored' in resolved) {
    deps.logger?.info('event ignored', { reason: resolved.ignored });
    return { outcome: 'ignored', reason: resolved.ignored };
  }
  deps.logger?.debug('change resolved', { change: describeChange(resolved.change) });
  const { remainingMs, ...rest } = options;
  const result = await redeployForChange(deps, resolved.change, { ...withinRemaining(deps, remainingMs), ...rest });
  return { outcome: 'redeployed', change: resolved.change, result };
}

// Time kept back from the wait and the restarts for publishing "Services Redeployed" and returning.
const WAIT_MARGIN_MS = 30_000;

/** The wait and the restarts bounded by the invocation's remaining time (the Lambda's), margin kept. */
function withinRemaining(deps: RedeployEventDeps, remainingMs: number | undefined): RedeployOptions {
  if (remainingMs === undefined) return {};
  return { waitTimeoutMs: Math.max(0, Math.min(deps.settings.waitTimeoutMs, remainingMs - WAIT_MARGIN_MS)), deadlineAt: Date.now() + remainingMs - WAIT_MARGIN_MS };
}

/** The outcome line's keys: what was done, in counts (never names: the event lists them). */
export function outcomeKeys(outcome: RedeployEventOutcome): Record<string, string | number> {
  if (outcome.outcome === 'ignored') return { result: 'ignored' };
  const { restarted, skipped, failed } = outcome.result;
  return { result: 'redeployed', restarted: restarted.length, skipped: skipped.length, failed: failed.length };
}
