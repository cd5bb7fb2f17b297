import type { RotateFunctionEvent } from '../events.js';
import { STALE_PENDING_GRACE_MS } from '../secret.js';
import type { RotationDeps } from './deps.js';
import { resolveStalePending, type StalePendingReport } from './resolveStalePending.js';
import { runRotationStep, type StepOutcome } from './rotate.js';

/**
 * What the rotate function does with an event: a rotation step from Secrets Manager
 * (runRotationStep), or a heal request from the reconcile or `keyroll doctor --fix`
 * (resolveStalePending, for a secret this function rotates, left alone when it changed within
 * the grace period: a rotation may be running).
 * @throws what runRotationStep and resolveStalePending throw.
 */
export async function handleRotateEvent(
  deps: RotationDeps,
  event: RotateFunctionEvent,
  options: { functionArn?: string } = {},
): Promise<StepOutcome | StalePendingReport> {
  if ('action' in event) {
    const report = await resolveStalePending(deps, event.SecretId, {
      dryRun: event.dryRun === true,
      graceMs: STALE_PENDING_GRACE_MS,
      ...(options.functionArn ? { rotationFunctionArn: options.functionArn } : {}),
    });
    if (!report.dryRun && (report.action === 'finished' || report.action === 'dropped')) deps.metrics?.record('StalePendingHealed', 1);
    return report;
  }
  return runRotationStep(deps, event);
}
