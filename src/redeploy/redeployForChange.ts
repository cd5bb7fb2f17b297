import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { clip, errorText } from '../errors.js';
import { DETAIL_SERVICES_REDEPLOYED, keyrollEventEntry, SERVICES_LISTED_MAX, type ServicesRedeployedDetail } from '../events.js';
import { describeChange, validateChange, type Change } from './change.js';
import { decideService } from './decideService.js';
import type { RedeployDeps } from './deps.js';
import { discoverServices, type DiscoveredService } from './discoverServices.js';
import { parameterSetOf } from './matchReference.js';
import { restartServices } from './restartServices.js';
import { waitForRollouts } from './waitForRollouts.js';

/** One service and why it landed where it did. */
export interface ServiceOutcome {
  cluster: string;
  service: string;
  reason: string;
}

export interface RedeployResult {
  dryRun: boolean;
  /** Services given a new deployment (or that would be, in a dry run). */
  restarted: ServiceOutcome[];
  /** Services that reference the change but need no restart: pinned, no desired tasks, already rolling, not ACTIVE. */
  skipped: ServiceOutcome[];
  /** Services that needed a restart and did not get one, or whose rollout failed. */
  failed: ServiceOutcome[];
  /** Services that do not reference the change (not part of the event: it would grow with the fleet). */
  unaffected: ServiceOutcome[];
  /** Whether "Services Redeployed" was published. */
  published: boolean;
}

export interface RedeployOptions {
  /** Overrides `settings.dryRun` (the CLI's `plan`). */
  dryRun?: boolean;
  /** Overrides `settings.waitTimeoutMs`, e.g. to stay inside the Lambda's remaining time. */
  waitTimeoutMs?: number;
  /** Publish "Services Redeployed" when something was restarted or failed (default true). */
  publish?: boolean;
  /** Epoch ms after which no restart starts (the Lambda's remaining time); those left are reported failed. */
  deadlineAt?: number;
}

const outcomeOf = (s: DiscoveredService, reason: string): ServiceOutcome => ({ cluster: s.clusterName, service: s.serviceName, reason });
const byName = (a: ServiceOutcome, b: ServiceOutcome) => a.cluster.localeCompare(b.cluster) || a.service.localeCompare(b.service);

/**
 * Rolls the ECS services that use a changed secret or parameter: discovers every service of
 * the configured clusters, decides each (see `decideService`), forces a new deployment of those
 * that need one, at most `concurrency` at a time and each once, optionally waits for their
 * rollouts, then publishes "Services Redeployed" (only when something was restarted or failed;
 * bounded in size; a failed publish is logged, never thrown). In a dry run the decisions are the
 * same and nothing is restarted. Delivering the same change again restarts nothing: every service
 * it restarted now has a primary deployment created after the change.
 * @throws RedeployInputError for a change without secret or parameters, or a malformed one.
 * @throws ClusterNotFoundError when a configured cluster does not exist; RedeployDiscoveryError
 *   when ECS refuses discovery (nothing restarted in either case).
 */
export async function redeployForChange(deps: RedeployDeps, change: Change, options: RedeployOptions = {}): Promise<RedeployResult> {
  validateChange(change);
  const dryRun = options.dryRun ?? deps.settings.dryRun;
  const services = await discoverServices(deps);
  const parameters = parameterSetOf(change);

  const result: RedeployResult = { dryRun, restarted: [], skipped: [], failed: [], unaffected: [], published: false };
  const toRestart: DiscoveredService[] = [];
  const reasons = new Map<string, string>();
  for (const s of services) {
    const decision = decideService(s, change, parameters);
    if (decision.action === 'restart') {
      toRestart.push(s);
      reasons.set(s.serviceArn, decision.reason);
    } else if (decision.action === 'skip') result.skipped.push(outcomeOf(s, decision.reason));
    else if (decision.action === 'fail') result.failed.push(outcomeOf(s, decision.reason));
    else result.unaffected.push(outcomeOf(s, decision.reason));
  }
  deps.logger?.info('redeploy decided', {
    change: describeChange(change),
    services: services.length,
    toRestart: toRestart.length,
    skipped: result.skipped.length,
    dryRun,
  });

  if (dryRun) {
    result.restarted.push(...toRestart.map((s) => outcomeOf(s, `would force a new deployment (dry run): ${reasons.get(s.serviceArn)}`)));
  } else {
    const restarts = await restartServices(deps, toRestart, options.deadlineAt);
    const started = restarts.flatMap((r) => (r.ok ? [r] : []));
    for (const r of restarts) if (!r.ok) result.failed.push(outcomeOf(r.service, r.reason));
    const rollouts =
      deps.settings.wait && started.length > 0
        ? await waitForRollouts(
            deps,
            started.map((r) => ({ clusterArn: r.service.clusterArn, serviceArn: r.service.serviceArn, deploymentId: r.deploymentId })),
            options.waitTimeoutMs ?? deps.settings.waitTimeoutMs,
          )
        : undefined;
    for (const r of started) {
      const rollout = rollouts?.get(r.service.serviceArn);
      if (rollout?.state === 'FAILED') result.failed.push(outcomeOf(r.service, rollout.reason));
      else {
        const why = reasons.get(r.service.serviceArn);
        const what = `forced a new deployment${why ? ` (${why})` : ''}`;
        result.restarted.push(outcomeOf(r.service, rollout ? `${what}: ${rollout.reason}` : what));
      }
    }
  }
  for (const list of [result.restarted, result.skipped, result.failed, result.unaffected]) list.sort(byName);

  if (!result.dryRun) {
    deps.metrics?.record('ServicesRestarted', result.restarted.length);
    deps.metrics?.record('ServicesSkipped', result.skipped.length);
    deps.metrics?.record('ServicesFailed', result.failed.length);
  }
  if (options.publish ?? true) result.published = await publishRedeployed(deps, change, result);
  return result;
}

/**
 * Publishes "Services Redeployed" when something was restarted or failed, bounded (counts plus
 * capped lists). The restarts already happened, so a refused or failed publish is logged, never
 * thrown: an invocation whose restarts succeeded does not fail (and is not retried) for it.
 * @returns whether the event was published (false also when there was nothing to say).
 */
async function publishRedeployed(deps: RedeployDeps, change: Change, result: RedeployResult): Promise<boolean> {
  if (result.restarted.length === 0 && result.failed.length === 0) return false;
  const cap = (list: ServiceOutcome[]) => list.slice(0, SERVICES_LISTED_MAX).map((o) => ({ ...o, reason: clip(o.reason, 300) }));
  const detail: ServicesRedeployedDetail = {
    secretArn: change.secretArn ?? null,
    parameters: change.parameterNames.slice(0, SERVICES_LISTED_MAX),
    versionId: change.versionId ?? null,
    dryRun: result.dryRun,
    counts: { restarted: result.restarted.length, skipped: result.skipped.length, failed: result.failed.length },
    truncated: [result.restarted, result.skipped, result.failed, change.parameterNames].some((l) => l.length > SERVICES_LISTED_MAX),
    restarted: cap(result.restarted),
    skipped: cap(result.skipped),
    failed: cap(result.failed),
  };
  let refused: string | undefined;
  try {
    const out = await deps.eventBridge.send(
      new PutEventsCommand({
        Entries: [keyrollEventEntry(DETAIL_SERVICES_REDEPLOYED, detail, deps.settings.eventBusName, change.secretArn ? [change.secretArn] : [])],
      }),
    );
    if (out.FailedEntryCount) refused = `${out.Entries?.[0]?.ErrorCode ?? 'unknown error'}: ${clip(out.Entries?.[0]?.ErrorMessage ?? '', 200)}`;
  } catch (err) {
    refused = errorText(err);
  }
  if (refused === undefined) return true;
  deps.metrics?.record('EventsNotPublished', 1);
  deps.logger?.warn(`"${DETAIL_SERVICES_REDEPLOYED}" not published; the restarts stand`, { change: describeChange(change), error: refused });
  return false;
}
