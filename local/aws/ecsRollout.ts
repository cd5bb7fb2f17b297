import { randomInt, randomUUID } from 'node:crypto';
import type { ServiceContext } from './types.js';

/**
 * The lifecycle of ECS service deployments, computed from timestamps rather than timers: a
 * deployment's tasks "start" `rolloutMs` after it was created, and whoever next looks at the
 * service (any ECS call naming it, or `advanceService`) applies every transition that fell
 * due since, stamped with the instant it was due. No work is left running between requests.
 */

type Json = Record<string, unknown>;

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface DeploymentRecord {
  readonly id: string;
  status: 'PRIMARY' | 'ACTIVE';
  readonly taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
  readonly createdAt: Date;
  updatedAt: Date;
  readonly launchType?: string;
  readonly platformVersion?: string;
  readonly networkConfiguration?: Json;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  /** Epoch ms at which the pending tasks are running, or the circuit breaker trips; Infinity when nothing is due. */
  settleAt: number;
  /** Set by the test knob: this deployment's tasks never start. */
  readonly failing: boolean;
}

export interface ServiceEvent {
  id: string;
  createdAt: Date;
  message: string;
}

export interface ServiceRecord {
  /** Creation order across the endpoint: ListServices pages in this order. */
  readonly seq: number;
  readonly serviceName: string;
  readonly serviceArn: string;
  readonly clusterName: string;
  readonly clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  /** Epoch ms at which a DRAINING service becomes INACTIVE. */
  inactiveAt?: number;
  desiredCount: number;
  taskDefinition: string;
  launchType?: string;
  platformVersion?: string;
  networkConfiguration?: Json;
  deploymentConfiguration: Json;
  /** Settings stored and answered as given (loadBalancers, propagateTags, enableExecuteCommand…). */
  settings: Json;
  tags: Array<{ key: string; value: string }>;
  readonly createdAt: Date;
  /** PRIMARY first, then the ACTIVE ones it is replacing, newest first. */
  deployments: DeploymentRecord[];
  /** Newest first, at most 100, as DescribeServices shows them. */
  events: ServiceEvent[];
  /** The last deployment that reached COMPLETED: where a circuit-breaker rollback returns to. */
  lastCompleted?: { id: string; taskDefinition: string };
}

export interface RolloutContext {
  readonly ctx: ServiceContext;
  readonly rolloutMs: number;
}

const MAX_EVENTS = 100;

/** `ecs-svc/` and 19 digits, the shape of AWS's deployment ids. */
function newDeploymentId(): string {
  let digits = String(randomInt(1, 10));
  for (let i = 0; i < 18; i++) digits += String(randomInt(0, 10));
  return `ecs-svc/${digits}`;
}

/** EventBridge examples carry second precision: `2020-05-23T11:11:11Z`. */
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

// AWS: the breaker's threshold is 0.5 × the desired count, at least 3 and at most 200.
const breakerThreshold = (desired: number) => Math.min(200, Math.max(3, Math.ceil(desired * 0.5)));

function addEvent(svc: ServiceRecord, at: Date, message: string): void {
  svc.events.unshift({ id: randomUUID(), createdAt: at, message: `(service ${svc.serviceName}) ${message}` });
  if (svc.events.length > MAX_EVENTS) svc.events.length = MAX_EVENTS;
}

type DeploymentEventName = 'SERVICE_DEPLOYMENT_IN_PROGRESS' | 'SERVICE_DEPLOYMENT_COMPLETED' | 'SERVICE_DEPLOYMENT_FAILED';

/** ECS's own "ECS Deployment State Change" event (source aws.ecs), as its developer guide shows it. */
function publishDeploymentEvent(
  rc: RolloutContext,
  svc: ServiceRecord,
  d: DeploymentRecord,
  eventName: DeploymentEventName,
  reason: string,
  at: Date,
): void {
  rc.ctx.publish({
    source: 'aws.ecs',
    detailType: 'ECS Deployment State Change',
    resources: [svc.serviceArn],
    time: at,
    detail: {
      eventType: eventName === 'SERVICE_DEPLOYMENT_FAILED' ? 'ERROR' : 'INFO',
      eventName,
      deploymentId: d.id,
      updatedAt: isoSeconds(at),
      reason,
    },
  });
}

/**
 * Starts a new PRIMARY deployment of the service's current task definition; the previous
 * PRIMARY becomes ACTIVE and keeps its running tasks until the new one completes.
 */
export function startDeployment(
  rc: RolloutContext,
  svc: ServiceRecord,
  at: Date,
  options: { failing: boolean; rollingBackTo?: string },
): DeploymentRecord {
  for (const d of svc.deployments) d.status = 'ACTIVE';
  const id = newDeploymentId();
  const reason = options.rollingBackTo
    ? `ECS deployment circuit breaker: rolling back to deploymentId ${options.rollingBackTo}.`
    : `ECS deployment ${id} in progress.`;
  const immediate = svc.desiredCount === 0 && !options.failing;
  const d: DeploymentRecord = {
    id,
    status: 'PRIMARY',
    taskDefinition: svc.taskDefinition,
    desiredCount: svc.desiredCount,
    runningCount: 0,
    pendingCount: svc.desiredCount,
    failedTasks: 0,
    createdAt: at,
    updatedAt: at,
    ...(svc.launchType ? { launchType: svc.launchType } : {}),
    ...(svc.platformVersion ? { platformVersion: svc.platformVersion } : {}),
    ...(svc.networkConfiguration ? { networkConfiguration: structuredClone(svc.networkConfiguration) } : {}),
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: reason,
    settleAt: immediate ? at.getTime() : at.getTime() + rc.rolloutMs,
    failing: options.failing,
  };
  svc.deployments.unshift(d);
  publishDeploymentEvent(rc, svc, d, 'SERVICE_DEPLOYMENT_IN_PROGRESS', reason, at);
  return d;
}

function completeDeployment(rc: RolloutContext, svc: ServiceRecord, d: DeploymentRecord, at: Date): void {
  const started = d.desiredCount - d.runningCount;
  d.rolloutState = 'COMPLETED';
  d.rolloutStateReason = `ECS deployment ${d.id} completed.`;
  d.runningCount = d.desiredCount;
  d.pendingCount = 0;
  d.updatedAt = at;
  d.settleAt = Infinity;
  // The replaced deployments' tasks are stopped once the new ones are healthy.
  svc.deployments = [d];
  svc.lastCompleted = { id: d.id, taskDefinition: d.taskDefinition };
  if (started > 0) {
    const tasks = Array.from({ length: Math.min(started, 10) }, () => `(task ${randomUUID().replaceAll('-', '')})`);
    addEvent(svc, at, `has started ${started} tasks: ${tasks.join(' ')}.`);
  }
  addEvent(svc, at, `(deployment ${d.id}) deployment completed.`);
  addEvent(svc, at, 'has reached a steady state.');
  publishDeploymentEvent(rc, svc, d, 'SERVICE_DEPLOYMENT_COMPLETED', d.rolloutStateReason, at);
}

/**
 * A deployment whose tasks never start: with the circuit breaker on it turns FAILED (and,
 * with rollback, a new PRIMARY returns to the last completed deployment); without it ECS keeps
 * retrying, so it stays IN_PROGRESS for good. Returns true when a rollback deployment started.
 */
function failDeployment(rc: RolloutContext, svc: ServiceRecord, d: DeploymentRecord, at: Date): boolean {
  const breaker = (svc.deploymentConfiguration.deploymentCircuitBreaker ?? {}) as { enable?: boolean; rollback?: boolean };
  d.failedTasks = breakerThreshold(d.desiredCount);
  d.updatedAt = at;
  d.settleAt = Infinity;
  if (!breaker.enable) {
    addEvent(svc, at, 'is unable to consistently start tasks successfully.');
    return false;
  }
  d.rolloutState = 'FAILED';
  d.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
  d.pendingCount = 0;
  addEvent(svc, at, `(deployment ${d.id}) deployment failed: tasks failed to start.`);
  publishDeploymentEvent(rc, svc, d, 'SERVICE_DEPLOYMENT_FAILED', d.rolloutStateReason, at);
  const target = svc.lastCompleted;
  if (!breaker.rollback || !target) return false;
  svc.taskDefinition = target.taskDefinition;
  addEvent(svc, at, `rolling back to deployment ${target.id}.`);
  startDeployment(rc, svc, at, { failing: false, rollingBackTo: target.id });
  return true;
}

/** Applies every transition of the service that is due at `now`, in the order they fell due. */
export function advanceService(rc: RolloutContext, svc: ServiceRecord, now: Date): void {
  const t = now.getTime();
  if (svc.status === 'DRAINING') {
    if (svc.inactiveAt !== undefined && svc.inactiveAt <= t) {
      svc.status = 'INACTIVE';
      const primary = svc.deployments[0];
      svc.deployments = primary ? [primary] : [];
      for (const d of svc.deployments) {
        d.runningCount = 0;
        d.pendingCount = 0;
        d.updatedAt = new Date(svc.inactiveAt);
      }
    }
    return;
  }
  if (svc.status !== 'ACTIVE') return;
  // Each pass settles the PRIMARY; only a rollback starts another one, so the loop ends within two passes.
  for (let pass = 0; pass < 4; pass++) {
    const d = svc.deployments[0];
    if (!d || d.settleAt > t) return;
    const at = new Date(d.settleAt);
    if (d.rolloutState !== 'IN_PROGRESS') {
      // A completed deployment that was scaled up: its new tasks are now running.
      d.runningCount = d.desiredCount;
      d.pendingCount = 0;
      d.updatedAt = at;
      d.settleAt = Infinity;
      addEvent(svc, at, 'has reached a steady state.');
      return;
    }
    if (!d.failing) {
      completeDeployment(rc, svc, d, at);
      return;
    }
    if (!failDeployment(rc, svc, d, at)) return;
  }
}

/** UpdateService with a new desiredCount and nothing that needs a new deployment. */
export function scaleService(rc: RolloutContext, svc: ServiceRecord, desiredCount: number, now: Date): void {
  svc.desiredCount = desiredCount;
  const d = svc.deployments[0];
  if (!d) return;
  d.desiredCount = desiredCount;
  d.updatedAt = now;
  if (d.rolloutState === 'IN_PROGRESS') {
    d.pendingCount = Math.max(0, desiredCount - d.runningCount);
    if (desiredCount === 0 && !d.failing) d.settleAt = now.getTime();
  } else if (d.rolloutState === 'COMPLETED') {
    if (desiredCount > d.runningCount) {
      d.pendingCount = desiredCount - d.runningCount;
      d.settleAt = now.getTime() + rc.rolloutMs;
    } else {
      const stopped = d.runningCount - desiredCount;
      d.runningCount = desiredCount;
      d.pendingCount = 0;
      d.settleAt = Infinity;
      if (stopped > 0) addEvent(svc, now, `has stopped ${stopped} running tasks.`);
    }
  }
}

/** DeleteService: DRAINING at once, INACTIVE once its tasks have stopped (rolloutMs later, if any ran). */
export function drainService(rc: RolloutContext, svc: ServiceRecord, now: Date): void {
  const running = svc.deployments.reduce((n, d) => n + d.runningCount, 0);
  svc.status = 'DRAINING';
  svc.desiredCount = 0;
  for (const d of svc.deployments) {
    d.desiredCount = 0;
    d.pendingCount = 0;
    d.settleAt = Infinity;
  }
  svc.inactiveAt = now.getTime() + (running > 0 ? rc.rolloutMs : 0);
}
