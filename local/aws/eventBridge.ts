/**
 * EventBridge on the local endpoint: event buses, PutEvents with AWS's per-entry errors,
 * rules (from serverless.yml through `addRule`, or from PutRule/PutTargets) and delivery
 * of every matching event to the rules' Lambda targets in the background.
 */
import { AwsApiError, validation, type BusEvent, type EventEnvelope, type ServiceContext, type ServiceEmulation } from './types.js';
import { compileEventPattern, EventPatternError, parseEventPattern, type EventMatcher } from './eventPattern.js';
import { LambdaRegistry } from './lambdas.js';
import { createConstraintError, readField } from './requestFields.js';

/** A rule: events on `eventBusName` (default bus when absent) matching `pattern` go to Lambda `target`. */
export interface EventRule {
  name: string;
  /** Bus name or ARN; the bus is created when missing, as deploying the rule would. */
  eventBusName?: string;
  pattern: Record<string, unknown>;
  /** Lambda function name (or ARN) invoked with the matching event. */
  target: string;
  /** A disabled rule stays listed but routes nothing (default true). */
  enabled?: boolean;
  /** Constant JSON delivered instead of the event (EventBridge target `Input`). */
  input?: unknown;
  /** JSONPath into the event (`$.detail`, `$.detail.a`) delivered instead of the whole event. */
  inputPath?: string;
  /** The key of the function under `functions` in serverless.yml, when the rule came from there. */
  functionKey?: string;
  /**
   * The SQS queue (name) the function's on-failure destination names: an invocation that still
   * fails after the retries is sent there as Lambda's invocation record.
   */
  onFailureQueue?: string;
}

/** One attempt to hand an event to a rule's target. */
export interface EventDelivery {
  rule: string;
  eventBusName: string;
  targetId: string;
  /** Lambda function name (or the target ARN when it is not a Lambda function). */
  target: string;
  eventId: string;
  ok: boolean;
  /** The target's error message when `ok` is false. */
  error?: string;
  at: Date;
}

/** How the emulation starts: the rules to route with, and the PutEvents size limit. */
export interface EventBridgeOptions {
  rules: EventRule[];
  /** Largest total entry size of one PutEvents request, computed as AWS documents it (default 256 KiB). */
  maxEntriesBytes?: number;
  /** Retries of a failed Lambda target before its on-failure destination (see AwsEndpointOptions). */
  asyncRetries?: number;
}

/**
 * Lambda's record of an asynchronous invocation that failed every attempt, as it sends it to an
 * on-failure destination (AWS Lambda, "Capturing records of asynchronous invocations").
 */
function invocationRecordOf(functionArn: string, payload: unknown, err: unknown, attempts: number): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: { requestId: crypto.randomUUID(), functionArn: `${functionArn}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: attempts },
    requestPayload: payload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      // A function's own error type when the invoker carries it (a hosted bundle's, serverless-offline's).
      errorType: typeof (err as { errorType?: unknown })?.errorType === 'string' ? (err as { errorType: string }).errorType : err instanceof Error ? err.name : typeof err,
      errorMessage: err instanceof Error ? err.message : String(err),
      trace: [],
    },
  });
}

/** The EventBridge service of the endpoint, plus the knobs the local stack and tests use. */
export interface EventBridgeEmulation extends ServiceEmulation {
  /**
   * Puts an event on its bus (default bus when unnamed) without PutEvents' checks, so the
   * other emulations can publish `aws.*` events; returns the envelope. An event naming a
   * bus that does not exist is dropped, as AWS drops it.
   */
  publish(event: BusEvent): EventEnvelope;
  /**
   * Adds (or replaces) a rule with one Lambda target, creating its bus when missing.
   * @throws EventPatternError when EventBridge would refuse the pattern.
   */
  addRule(rule: EventRule): void;
  /** Every event put on an existing bus, in order. */
  readonly events: EventEnvelope[];
  /** Every finished delivery to a rule target, in completion order (await `idle()` first). */
  readonly deliveries: EventDelivery[];
}

interface TargetState {
  id: string;
  arn: string;
  /** Constant input, as the JSON text EventBridge stores. */
  input?: string;
  inputPath?: string;
  onFailureQueue?: string;
}

interface RuleState {
  name: string;
  arn: string;
  busName: string;
  patternText?: string;
  matcher?: EventMatcher;
  scheduleExpression?: string;
  state: string;
  description?: string;
  targets: Map<string, TargetState>;
}

interface BusState {
  name: string;
  arn: string;
  created: Date;
  modified: Date;
  rules: Map<string, RuleState>;
}

const DEFAULT_BUS = 'default';
const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];
const NAME_PATTERN = /^[.\-_A-Za-z0-9]+$/;
const BUS_NAME_PATTERN = /^[/.\-_A-Za-z0-9]+$/;
const MAX_TARGETS_PER_RULE = 5;
const MAX_BUSES = 100;

const constraint = (field: string, value: unknown, rule: string) =>
  createConstraintError(field, rule, value === undefined || value === null ? null : String(value));

function requireName(input: Record<string, unknown>, key: string, field: string, pattern: RegExp, max: number): string {
  const value = input[key];
  if (typeof value !== 'string') throw constraint(field, value, 'Member must not be null');
  if (value.length < 1) throw constraint(field, value, 'Member must have length greater than or equal to 1');
  if (value.length > max) throw constraint(field, value, `Member must have length less than or equal to ${max}`);
  if (!pattern.test(value)) throw constraint(field, value, `Member must satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';

const optionalString = (input: Record<string, unknown>, key: string): string | undefined =>
  readField(input, key, isString, 'a string', (k) => new AwsApiError('SerializationException', `${k} must be a string`));

/**
 * The matcher for an EventPattern member (PutRule, TestEventPattern).
 * @throws InvalidEventPatternException for text that is not JSON or a pattern EventBridge would refuse.
 */
function compilePatternText(text: string): EventMatcher {
  try {
    return compileEventPattern(parseEventPattern(text));
  } catch (err) {
    if (err instanceof EventPatternError) throw new AwsApiError('InvalidEventPatternException', err.message);
    throw err;
  }
}

/** `name` from a bus name or a bus ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return DEFAULT_BUS;
  const m = /^arn:aws[a-z-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return m ? m[1]! : nameOrArn;
}

/** AWS's formula: Time counts 14 bytes, then the UTF-8 bytes of Source, DetailType, Detail and each resource. */
function entrySize(entry: Record<string, unknown>): number {
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  let size = entry['Time'] !== undefined && entry['Time'] !== null ? 14 : 0;
  size += bytes(entry['Source']) + bytes(entry['DetailType']) + bytes(entry['Detail']);
  if (Array.isArray(entry['Resources'])) for (const r of entry['Resources']) size += bytes(r);
  return size;
}

// EventBridge writes times to the second: "2015-10-08T16:53:06Z".
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function timeOf(raw: unknown, fallback: Date): Date {
  if (typeof raw === 'number' && Number.isFinite(raw)) return new Date(raw * 1000);
  if (typeof raw === 'string' && !Number.isNaN(Date.parse(raw))) return new Date(raw);
  return fallback;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The value at a simple JSONPath (`$`, `$.a.b`, `$['a-b'].c`), undefined when absent. */
function valueAtPath(root: unknown, path: string): unknown {
  if (path === '$') return root;
  const steps: string[] = [];
  const re = /\.([^.[\]]+)|\[['"]([^'"]+)['"]\]|\[(\d+)\]/gy;
  re.lastIndex = 1;
  if (!path.startsWith('$')) throw validation(`InputPath must start with $: ${path}`);
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) throw validation(`InputPath is not a supported JSONPath: ${path}`);
    steps.push((m[1] ?? m[2] ?? m[3])!);
  }
  let node = root;
  for (const step of steps) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

function payloadFor(target: TargetState, envelope: EventEnvelope): unknown {
  if (target.input !== undefined) return JSON.parse(target.input);
  if (target.inputPath !== undefined) return valueAtPath(envelope, target.inputPath) ?? null;
  return structuredClone(envelope);
}

function paginate<T>(items: T[], input: Record<string, unknown>): { page: T[]; next?: string } {
  const limit = input['Limit'];
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100)) {
    throw constraint('limit', limit, 'Member must have value less than or equal to 100');
  }
  const token = optionalString(input, 'NextToken');
  let start = 0;
  if (token !== undefined) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw validation('The NextToken provided is invalid.');
  }
  const end = limit === undefined ? items.length : start + (limit as number);
  const page = items.slice(start, end);
  return end < items.length ? { page, next: Buffer.from(String(end), 'utf8').toString('base64url') } : { page };
}

/**
 * Creates the EventBridge emulation. Rules given here (read from serverless.yml by the local
 * stack) are added with `addRule`.
 * @throws EventPatternError when a given rule's pattern is one EventBridge would refuse.
 */
export function createEventBridge(ctx: ServiceContext, options: EventBridgeOptions): EventBridgeEmulation {
  const maxEntriesBytes = options.maxEntriesBytes ?? 256 * 1024;
  const asyncRetries = options.asyncRetries ?? 0;
  const events: EventEnvelope[] = [];
  const deliveries: EventDelivery[] = [];
  const buses = new Map<string, BusState>();
  const arnPrefix = `arn:aws:events:${ctx.region}:${ctx.accountId}`;
  const lambdaArn = (name: string) => `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;

  const createBus = (name: string): BusState => {
    const now = ctx.now();
    const bus: BusState = { name, arn: `${arnPrefix}:event-bus/${name}`, created: now, modified: now, rules: new Map() };
    buses.set(name, bus);
    return bus;
  };
  createBus(DEFAULT_BUS);

  const busOrThrow = (nameOrArn: string | undefined): BusState => {
    const name = busNameOf(nameOrArn);
    const bus = buses.get(name);
    if (!bus) throw new AwsApiError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  };

  const ruleOrThrow = (bus: BusState, name: string): RuleState => {
    const rule = bus.rules.get(name);
    if (!rule) throw new AwsApiError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  };

  const ruleArn = (bus: BusState, name: string) =>
    bus.name === DEFAULT_BUS ? `${arnPrefix}:rule/${name}` : `${arnPrefix}:rule/${bus.name}/${name}`;

  const deliver = (bus: BusState, envelope: EventEnvelope) => {
    for (const rule of bus.rules.values()) {
      if (rule.state === 'DISABLED' || !rule.matcher || !rule.matcher(envelope)) continue;
      for (const target of rule.targets.values()) {
        const lambda = target.arn.startsWith('arn:') ? /^arn:aws[a-z-]*:lambda:/.test(target.arn) : true;
        const record: EventDelivery = {
          rule: rule.name,
          eventBusName: bus.name,
          targetId: target.id,
          target: lambda ? LambdaRegistry.functionNameOf(target.arn) : target.arn,
          eventId: envelope.id,
          ok: false,
          at: ctx.now(),
        };
        ctx.background(`events ${rule.name} -> ${target.id}`, async () => {
          // A failing target is recorded, never rethrown: the other targets still get the event.
          // EventBridge invokes Lambda asynchronously: Lambda retries, then hands the event with
          // its error to the function's on-failure destination.
          const payload = payloadFor(target, envelope);
          let attempts = 0;
          for (;;) {
            attempts++;
            try {
              if (!lambda) throw new Error(`target ${target.arn} is not a Lambda function: the local endpoint only invokes Lambda targets`);
              await ctx.invoke(target.arn, payload);
              deliveries.push({ ...record, ok: true });
              return;
            } catch (err) {
              if (lambda && attempts <= asyncRetries) continue;
              deliveries.push({ ...record, error: err instanceof Error ? err.message : String(err) });
              if (lambda && target.onFailureQueue) ctx.sendToQueue(target.onFailureQueue, invocationRecordOf(target.arn, payload, err, attempts));
              return;
            }
          }
        });
      }
    }
  };

  const putOnBus = (busName: string, envelope: EventEnvelope) => {
    const bus = buses.get(busName);
    // AWS accepts events for a bus that does not exist, answers an EventId and drops them.
    if (!bus) return;
    events.push(envelope);
    deliver(bus, envelope);
  };

  const envelopeOf = (e: { source: string; detailType: string; detail: unknown; resources?: string[]; time?: Date }): EventEnvelope => ({
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': e.detailType,
    source: e.source,
    account: ctx.accountId,
    time: isoSeconds(e.time ?? ctx.now()),
    region: ctx.region,
    resources: [...(e.resources ?? [])],
    detail: structuredClone(e.detail),
  });

  const publish = (event: BusEvent): EventEnvelope => {
    const envelope = envelopeOf(event);
    putOnBus(busNameOf(event.eventBusName), envelope);
    return envelope;
  };

  const addRule = (rule: EventRule) => {
    const matcher = compileEventPattern(rule.pattern);
    const name = busNameOf(rule.eventBusName);
    const bus = buses.get(name) ?? createBus(name);
    const target: TargetState = {
      id: `${rule.name}-target`,
      arn: rule.target.startsWith('arn:') ? rule.target : lambdaArn(rule.target),
      ...(rule.input !== undefined ? { input: JSON.stringify(rule.input) } : {}),
      ...(rule.inputPath !== undefined ? { inputPath: rule.inputPath } : {}),
      ...(rule.onFailureQueue !== undefined ? { onFailureQueue: rule.onFailureQueue } : {}),
    };
    bus.rules.set(rule.name, {
      name: rule.name,
      arn: ruleArn(bus, rule.name),
      busName: bus.name,
      patternText: JSON.stringify(rule.pattern),
      matcher,
      state: rule.enabled === false ? 'DISABLED' : 'ENABLED',
      targets: new Map([[target.id, target]]),
    });
  };

  const putEntry = (entry: unknown): EntryResult => {
    const e = (entry !== null && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
    for (const field of ['Source', 'DetailType', 'Detail']) {
      if (typeof e[field] !== 'string' || e[field] === '') {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
      }
    }
    const source = e['Source'] as string;
    if (source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    let detail: unknown;
    try {
      detail = JSON.parse(e['Detail'] as string);
    } catch {
      detail = undefined;
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const resources = Array.isArray(e['Resources']) ? e['Resources'].filter((r): r is string => typeof r === 'string') : [];
    const envelope = envelopeOf({
      source,
      detailType: e['DetailType'] as string,
      detail,
      resources,
      time: timeOf(e['Time'], ctx.now()),
    });
    putOnBus(busNameOf(optionalString(e, 'EventBusName')), envelope);
    return { EventId: envelope.id };
  };

  const ruleView = (rule: RuleState) => ({
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.patternText !== undefined ? { EventPattern: rule.patternText } : {}),
    ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
    State: rule.state,
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
    EventBusName: rule.busName,
  });

  const busView = (bus: BusState) => ({ Name: bus.name, Arn: bus.arn, CreationTime: bus.created, LastModifiedTime: bus.modified });

  const targetView = (t: TargetState) => ({
    Id: t.id,
    Arn: t.arn,
    ...(t.input !== undefined ? { Input: t.input } : {}),
    ...(t.inputPath !== undefined ? { InputPath: t.inputPath } : {}),
  });

  const setRuleState = (input: Record<string, unknown>, state: string) => {
    const bus = busOrThrow(optionalString(input, 'EventBusName'));
    ruleOrThrow(bus, requireName(input, 'Name', 'name', NAME_PATTERN, 64)).state = state;
    return {};
  };

  const operations = {
    PutEvents(input: Record<string, unknown>) {
      const entries = input['Entries'];
      if (!Array.isArray(entries)) throw constraint('entries', undefined, 'Member must not be null');
      if (entries.length < 1) throw constraint('entries', '[]', 'Member must have length greater than or equal to 1');
      // The value is summarised rather than echoed: entries carry whole event details.
      if (entries.length > 10) throw constraint('entries', `[${entries.length} entries]`, 'Member must have length less than or equal to 10');
      const total = entries.reduce<number>((sum, entry) => sum + entrySize((entry ?? {}) as Record<string, unknown>), 0);
      if (total > maxEntriesBytes) throw validation('Total size of the entries in the request is over the limit.');
      const results = entries.map(putEntry);
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },

    CreateEventBus(input: Record<string, unknown>) {
      const name = requireName(input, 'Name', 'name', BUS_NAME_PATTERN, 256);
      if (buses.has(name)) throw new AwsApiError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
      if (buses.size >= MAX_BUSES) throw new AwsApiError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
      return { EventBusArn: createBus(name).arn };
    },

    DeleteEventBus(input: Record<string, unknown>) {
      const name = requireName(input, 'Name', 'name', BUS_NAME_PATTERN, 256);
      if (name === DEFAULT_BUS) throw validation('Cannot delete event bus default.');
      buses.delete(name);
      return {};
    },

    DescribeEventBus(input: Record<string, unknown>) {
      return busView(busOrThrow(optionalString(input, 'Name')));
    },

    ListEventBuses(input: Record<string, unknown>) {
      const prefix = optionalString(input, 'NamePrefix') ?? '';
      const { page, next } = paginate([...buses.values()].filter((b) => b.name.startsWith(prefix)), input);
      return { EventBuses: page.map(busView), ...(next ? { NextToken: next } : {}) };
    },

    PutRule(input: Record<string, unknown>) {
      const name = requireName(input, 'Name', 'name', NAME_PATTERN, 64);
      const bus = busOrThrow(optionalString(input, 'EventBusName'));
      const patternText = optionalString(input, 'EventPattern');
      const scheduleExpression = optionalString(input, 'ScheduleExpression');
      const state = optionalString(input, 'State') ?? 'ENABLED';
      if (!RULE_STATES.includes(state)) throw constraint('state', state, `Member must satisfy enum value set: [${RULE_STATES.join(', ')}]`);
      if (patternText === undefined && scheduleExpression === undefined) {
        throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
      }
      if (scheduleExpression !== undefined) {
        if (bus.name !== DEFAULT_BUS) throw validation('ScheduleExpression is supported only on the default event bus.');
        if (!/^(rate|cron)\(.+\)$/.test(scheduleExpression)) throw validation('Parameter ScheduleExpression is not valid.');
      }
      const matcher = patternText === undefined ? undefined : compilePatternText(patternText);
      const description = optionalString(input, 'Description');
      const existing = bus.rules.get(name);
      const rule: RuleState = {
        name,
        arn: ruleArn(bus, name),
        busName: bus.name,
        ...(patternText !== undefined ? { patternText } : {}),
        ...(matcher ? { matcher } : {}),
        ...(scheduleExpression !== undefined ? { scheduleExpression } : {}),
        state,
        ...(description !== undefined ? { description } : {}),
        targets: existing?.targets ?? new Map(),
      };
      bus.rules.set(name, rule);
      return { RuleArn: rule.arn };
    },

    DescribeRule(input: Record<string, unknown>) {
      const bus = busOrThrow(optionalString(input, 'EventBusName'));
      const rule = ruleOrThrow(bus, requireName(input, 'Name', 'name', NAME_PATTERN, 64));
      return { ...ruleView(rule), CreatedBy: ctx.accountId };
    },

    ListRules(input: Record<string, unknown>) {
      const bus = busOrThrow(optionalString(input, 'EventBusName'));
      const prefix = optionalString(input, 'NamePrefix') ?? '';
      const { page, next } = paginate([...bus.rules.values()].filter((r) => r.name.startsWith(prefix)), input);
      return { Rules: page.map(ruleView), ...(next ? { NextToken: next } : {}) };
    },

    EnableRule: (input: Record<string, unknown>) => setRuleState(input, 'ENABLED'),
    DisableRule: (input: Record<string, unknown>) => setRuleState(input, 'DISABLED'),

    DeleteRule(input: Record<string, unknown>) {
      const name = requireName(input, 'Name', 'name', NAME_PATTERN, 64);
      const bus = busOrThrow(optionalString(input, 'EventBusName'));
      const rule = bus.rules.get(name);
      if (!rule) return {};
      if (rule.targets.size > 0 && input['Force'] !== true) throw validation("Rule can't be deleted since it has targets.");
      bus.rules.delete(name);
      return {};
    },

    PutTargets(input: Record<string, unknown>) {
      const bus = busOrThrow(optionalString(input, 'EventBusName'));
      const rule = ruleOrThrow(bus, requireName(input, 'Rule', 'rule', NAME_PATTERN, 64));
      const targets = input['Targets'];
      if (!Array.isArray(targets)) throw constraint('targets', undefined, 'Member must not be null');
      if (targets.length < 1 || targets.length > 10) {
        throw constraint('targets', `[${targets.length} targets]`, 'Member must have length less than or equal to 10');
      }
      const parsed = targets.map((raw, i): TargetState => {
        const t = (raw ?? {}) as Record<string, unknown>;
        const id = requireName(t, 'Id', `targets.${i + 1}.member.id`, NAME_PATTERN, 64);
        const arn = optionalString(t, 'Arn');
        if (!arn) throw constraint(`targets.${i + 1}.member.arn`, undefined, 'Member must not be null');
        const inputText = optionalString(t, 'Input');
        const inputPath = optionalString(t, 'InputPath');
        if ([inputText, inputPath, t['InputTransformer']].filter((x) => x !== undefined && x !== null).length > 1) {
          throw validation(`Target ${id}: only one of Input, InputPath or InputTransformer may be given.`);
        }
        if (t['InputTransformer'] !== undefined && t['InputTransformer'] !== null) {
          throw validation(`Target ${id}: InputTransformer is not supported by the local endpoint.`);
        }
        if (inputText !== undefined) {
          try {
            JSON.parse(inputText);
          } catch {
            throw validation(`Target ${id}: Input is not valid JSON.`);
          }
        }
        return { id, arn, ...(inputText !== undefined ? { input: inputText } : {}), ...(inputPath !== undefined ? { inputPath } : {}) };
      });
      const ids = new Set([...rule.targets.keys(), ...parsed.map((t) => t.id)]);
      if (ids.size > MAX_TARGETS_PER_RULE) {
        throw new AwsApiError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
      }
      for (const t of parsed) rule.targets.set(t.id, t);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },

    RemoveTargets(input: Record<string, unknown>) {
      const bus = busOrThrow(optionalString(input, 'EventBusName'));
      const rule = ruleOrThrow(bus, requireName(input, 'Rule', 'rule', NAME_PATTERN, 64));
      const ids = input['Ids'];
      if (!Array.isArray(ids) || ids.length < 1) throw constraint('ids', undefined, 'Member must not be null');
      for (const id of ids) if (typeof id === 'string') rule.targets.delete(id);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },

    ListTargetsByRule(input: Record<string, unknown>) {
      const bus = busOrThrow(optionalString(input, 'EventBusName'));
      const rule = ruleOrThrow(bus, requireName(input, 'Rule', 'rule', NAME_PATTERN, 64));
      const { page, next } = paginate([...rule.targets.values()], input);
      return { Targets: page.map(targetView), ...(next ? { NextToken: next } : {}) };
    },

    TestEventPattern(input: Record<string, unknown>) {
      const patternText = optionalString(input, 'EventPattern');
      if (patternText === undefined) throw constraint('eventPattern', undefined, 'Member must not be null');
      const eventText = optionalString(input, 'Event');
      if (eventText === undefined) throw constraint('event', undefined, 'Member must not be null');
      const matcher = compilePatternText(patternText);
      let event: unknown;
      try {
        event = JSON.parse(eventText);
      } catch {
        throw validation('Parameter Event is not valid.');
      }
      return { Result: matcher(event) };
    },
  };

  for (const rule of options.rules) addRule(rule);

  return { targetPrefix: 'AWSEvents', name: 'events', operations, events, deliveries, publish, addRule };
}
