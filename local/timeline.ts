/**
 * The readable account of a pipeline run on the local stack: each Lambda invocation made
 * through serverless-offline (rotation steps with their durations, sync and redeploy with what
 * triggered them) and the events on the bus (keyroll's three, Secrets Manager's rotation
 * outcome, ECS rollouts), printed as they happen with times relative to the start.
 * Only names, versions, counts and reasons are printed: never a value.
 */
import type { AwsEndpoint } from './aws/server.js';
import type { EventEnvelope } from './aws/types.js';
import type { InvocationRecord, InvocationTrigger, OfflineInvoker } from './offlineInvoker.js';

/** A secret the timeline names by a label. */
export interface TimelineSecret {
  arn: string;
  label: string;
  /** Its `keyroll:ssm-path`: parameter names under it are attributed to the secret. */
  ssmPath?: string;
}

/** An ECS service whose rollouts the timeline shows. */
export interface TimelineService {
  arn: string;
  /** `cluster/service`. */
  name: string;
  /** The label of the line (the secret it uses, or anything else). */
  label: string;
}

/** Options of {@link startTimeline}. */
export interface TimelineOptions {
  endpoint: Pick<AwsEndpoint, 'eventBridge'>;
  invoker: Pick<OfflineInvoker, 'invocations' | 'earliestRunning'>;
  secrets: TimelineSecret[];
  services: TimelineService[];
  /** serverless.yml's function key of a deployed function name (`keyroll-local-sync` → `sync`). */
  functionKeyOf: (functionName: string) => string;
  print: (line: string) => void;
  /** How often the bus and the invocation log are read (default 50 ms). */
  pollMs?: number;
  clock?: () => number;
}

/** A running timeline. */
export interface Timeline {
  /** Milliseconds since the epoch the relative times count from. */
  readonly startedAt: number;
  /** Adds a line of the caller's own (e.g. the RotateSecret call) at `at` (default: now, ms since the epoch). */
  note(secretArn: string | undefined, text: string, at?: number): void;
  /** Prints whatever is pending, stops polling, then prints the ignored-by-design summary. */
  stop(): void;
}

interface Entry {
  at: number;
  label: string;
  lines: string[];
  /** For a bus event: its id, so it can be placed before the invocations it triggered. */
  eventId?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const short = (id: unknown) => (typeof id === 'string' ? id.slice(0, 8) : '?');

/** Starts reading the bus and the invocation log from now on, printing entries in time order. */
export function startTimeline(options: TimelineOptions): Timeline {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const events = options.endpoint.eventBridge.events;
  const invocations = options.invoker.invocations;
  let eventsSeen = events.length;
  let invocationsSeen = invocations.length;
  const labelWidth = Math.max(12, ...options.secrets.map((s) => s.label.length), ...options.services.map((s) => s.label.length));
  const serviceByArn = new Map(options.services.map((s) => [s.arn, s]));
  const pending: Entry[] = [];
  const ignored = new Map<string, { count: number; reason: string }>();
  // When the first target of each event was asked to handle it: the event happened before.
  const deliveredAt = new Map<string, number>();

  const secretLabel = (arn: string | undefined): string => {
    if (!arn) return '';
    const known = options.secrets.find((s) => s.arn === arn || arn.startsWith(`${s.arn}:`));
    if (known) return known.label;
    const m = /:secret:(.+?)(?:-[A-Za-z0-9]{6})?$/.exec(arn);
    return m ? m[1]! : arn;
  };
  const parameterLabel = (name: string | undefined): string => {
    if (!name) return '';
    return options.secrets.find((s) => s.ssmPath && name.startsWith(`${s.ssmPath}/`))?.label ?? '';
  };

  const triggerLabel = (t: InvocationTrigger): string => {
    if (t.kind === 'rotation') return t.step;
    if (t.kind === 'other') return 'a direct invocation';
    if (t.source === 'aws.secretsmanager') return t.eventName ? `CloudTrail ${t.eventName}` : `Secrets Manager ${t.detailType}`;
    if (t.source === 'aws.ssm') return `Parameter Store Change ${t.parameterName ?? ''}`.trim();
    if (t.source === 'aws.events') return 'the schedule';
    return t.detailType;
  };

  const labelOfTrigger = (t: InvocationTrigger): string =>
    t.kind === 'rotation' ? secretLabel(t.secretId) : t.kind === 'event' ? secretLabel(t.secretId) || parameterLabel(t.parameterName) : '';

  const withLabels = (text: string) => options.secrets.reduce((t, s) => t.replaceAll(s.arn, s.label), text);

  const entryOfInvocation = (r: InvocationRecord): Entry | undefined => {
    if (r.trigger.kind === 'event' && r.trigger.eventId) {
      const known = deliveredAt.get(r.trigger.eventId);
      deliveredAt.set(r.trigger.eventId, Math.min(known ?? Infinity, r.requestedAt.getTime()));
    }
    const fn = options.functionKeyOf(r.functionName);
    const label = labelOfTrigger(r.trigger);
    if (r.ok && r.ignored !== undefined) {
      // Ignored on purpose (a mirrored parameter's own change, a stage move that is not AWSCURRENT's):
      // counted, shown once at the end, so the flow itself stays readable.
      const kind = r.trigger.kind === 'event' && r.trigger.source === 'aws.ssm' ? 'Parameter Store Change' : triggerLabel(r.trigger);
      const key = `${fn} ← ${kind}`;
      const seen = ignored.get(key);
      if (seen) seen.count += 1;
      else ignored.set(key, { count: 1, reason: withLabels(r.ignored) });
      return undefined;
    }
    const what = r.trigger.kind === 'rotation' ? `${fn} ${r.trigger.step}` : `${fn} ← ${triggerLabel(r.trigger)}`;
    const waited = r.startedAt.getTime() - r.requestedAt.getTime();
    const queue = waited >= 50 ? ` (waited ${waited} ms for its reserved concurrency)` : '';
    const outcome = r.ok ? `✔ ${r.durationMs} ms${queue}` : `✘ ${r.durationMs} ms${queue}: ${withLabels(r.error ?? 'failed')}`;
    return { at: r.startedAt.getTime(), label, lines: [`${what.padEnd(34)} ${outcome}`] };
  };

  const entryOfEvent = (e: EventEnvelope, at: number): Entry | undefined => {
    const d = isObject(e.detail) ? e.detail : {};
    const type = e['detail-type'];
    if (e.source === 'keyroll') {
      const label = secretLabel(typeof d['secretArn'] === 'string' ? d['secretArn'] : undefined) || parameterLabel(strings(d['parameters'])[0]);
      if (type === 'Secret Rotated') {
        return { at, label, lines: [`⇢ Secret Rotated (${String(d['strategy'])}, version ${short(d['versionId'])} is AWSCURRENT)`] };
      }
      if (type === 'Secret Synced') {
        const written = strings(d['written']);
        const unchanged = strings(d['unchanged']);
        const what =
          written.length > 0
            ? `wrote ${written.length} parameter${written.length === 1 ? '' : 's'} ${listNames(written)}${unchanged.length ? `, ${unchanged.length} unchanged` : ''}`
            : `wrote nothing: ${unchanged.length} parameters already equal AWSCURRENT`;
        return { at, label, lines: [`⇢ Secret Synced: ${what}`] };
      }
      if (type === 'Services Redeployed') return { at, label, lines: redeployedLines(d) };
      return { at, label, lines: [`⇢ ${type}`] };
    }
    if (e.source === 'aws.secretsmanager' && type === 'AWS Service Event via CloudTrail') {
      const name = d['eventName'];
      const extra = isObject(d['additionalEventData']) ? d['additionalEventData'] : {};
      const label = secretLabel(typeof extra['SecretId'] === 'string' ? extra['SecretId'] : undefined);
      if (name === 'RotationSucceeded') return { at, label, lines: ['Secrets Manager: rotation succeeded'] };
      if (name === 'RotationFailed') return { at, label, lines: ['✘ Secrets Manager: rotation failed (AWSPENDING stays for the next attempt)'] };
      return undefined;
    }
    if (e.source === 'aws.ecs' && type === 'ECS Deployment State Change') {
      const service = serviceByArn.get(e.resources[0] ?? '');
      if (!service) return undefined;
      if (d['eventName'] === 'SERVICE_DEPLOYMENT_COMPLETED') {
        return { at, label: service.label, lines: [`ECS ${service.name}: deployment ${String(d['deploymentId'])} completed`] };
      }
      if (d['eventName'] === 'SERVICE_DEPLOYMENT_FAILED') {
        return { at, label: service.label, lines: [`✘ ECS ${service.name}: deployment ${String(d['deploymentId'])} failed: ${String(d['reason'])}`] };
      }
    }
    return undefined;
  };

  const print = (entry: Entry) => {
    const time = `+${((entry.at - startedAt) / 1000).toFixed(2)}s`.padStart(8);
    const [first, ...rest] = entry.lines;
    options.print(`  ${time}  ${entry.label.padEnd(labelWidth)}  ${first}`);
    const indent = ' '.repeat(2 + 8 + 2 + labelWidth + 2);
    for (const line of rest) options.print(`${indent}${line}`);
  };

  const collect = () => {
    const now = clock();
    while (eventsSeen < events.length) {
      const event = events[eventsSeen]!;
      const entry = entryOfEvent(event, now);
      eventsSeen += 1;
      if (entry) pending.push({ ...entry, eventId: event.id });
    }
    while (invocationsSeen < invocations.length) {
      const entry = entryOfInvocation(invocations[invocationsSeen]!);
      invocationsSeen += 1;
      if (entry) pending.push(entry);
    }
  };

  // An invocation is logged when it ends but shown at its start: hold back what happened after
  // the start of one still running, so its line comes before the events it published.
  const flush = (all: boolean) => {
    collect();
    const horizon = all ? Infinity : (options.invoker.earliestRunning()?.getTime() ?? Infinity);
    // Events are seen when the bus is read; the invocations they triggered say when they really were.
    for (const e of pending) {
      const delivered = e.eventId === undefined ? undefined : deliveredAt.get(e.eventId);
      if (delivered !== undefined && delivered <= e.at) e.at = delivered - 1;
    }
    pending.sort((a, b) => a.at - b.at);
    while (pending.length > 0 && pending[0]!.at < horizon) print(pending.shift()!);
  };

  const timer = setInterval(() => flush(false), options.pollMs ?? 50);
  let stopped = false;

  return {
    startedAt,
    note(secretArn, text, at) {
      pending.push({ at: at ?? clock(), label: secretLabel(secretArn), lines: [text] });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      flush(true);
      if (ignored.size > 0) {
        options.print('  Left alone on purpose (each function decides from the event itself):');
        for (const [key, { count, reason }] of ignored) options.print(`    ${key} ×${count}: ${reason}`);
      }
    },
  };
}

/** `/path/{a, b, c}` when the names share a parent path, else the names. */
function listNames(names: string[]): string {
  const parents = new Set(names.map((n) => n.slice(0, n.lastIndexOf('/'))));
  if (parents.size === 1) {
    const parent = [...parents][0]!;
    return `${parent}/{${names.map((n) => n.slice(parent.length + 1)).join(', ')}}`;
  }
  return names.join(', ');
}

interface Decision {
  cluster: string;
  service: string;
  reason: string;
}

const decisionsOf = (v: unknown): Decision[] =>
  Array.isArray(v)
    ? v.filter(isObject).map((x) => ({ cluster: String(x['cluster'] ?? ''), service: String(x['service'] ?? ''), reason: String(x['reason'] ?? '') }))
    : [];

function redeployedLines(detail: Record<string, unknown>): string[] {
  const restarted = decisionsOf(detail['restarted']);
  const skipped = decisionsOf(detail['skipped']);
  const failed = decisionsOf(detail['failed']);
  const dry = detail['dryRun'] === true ? ' (dry run)' : '';
  if (restarted.length === 0 && failed.length === 0) {
    if (skipped.length === 0) return [`⇢ Services Redeployed${dry}: no service uses it`];
    const reasons = new Map<string, number>();
    for (const s of skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
    const why = [...reasons].map(([reason, n]) => `${n} ${reason}`).join('; ');
    return [`⇢ Services Redeployed${dry}: nothing restarted; skipped ${why}`];
  }
  return [
    `⇢ Services Redeployed${dry}:`,
    ...restarted.map((s) => `  ↻ restarted ${s.cluster}/${s.service}: ${s.reason}`),
    ...skipped.map((s) => `  – skipped ${s.cluster}/${s.service}: ${s.reason}`),
    ...failed.map((s) => `  ✘ failed ${s.cluster}/${s.service}: ${s.reason}`),
  ];
}
