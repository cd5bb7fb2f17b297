/**
 * Reads the EventBridge routing of serverless.yml for the local stack: `eventBridge` events
 * become rules for the local endpoint, `schedule` events become scheduled rules the stack
 * fires. Resolves the plain variable forms serverless.yml uses (`${self:…}`, `${sls:stage}`,
 * `${opt:…}`, `${param:…}`, `${env:…}`, `${aws:region}`, fallbacks) from the options only.
 */
import { createHash } from 'node:crypto';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';
import { KeyrollError } from '../src/errors.js';
import { compileEventPattern, EventPatternError } from './aws/eventPattern.js';
import type { EventRule } from './aws/eventBridge.js';
import type { LambdaInvoker } from './aws/types.js';

/** serverless.yml cannot be turned into rules; the message names the place in the file. */
export class ServerlessRulesError extends KeyrollError {}

/** What the command line and the environment would give serverless; nothing is read from the process. */
export interface ServerlessRulesOptions {
  /** `--stage`; otherwise provider.stage, otherwise `dev`. */
  stage?: string;
  /** `--region`; otherwise provider.region, otherwise `us-east-1`. */
  region?: string;
  /** Answers `${aws:accountId}` (default `000000000000`, the local endpoint's account). */
  accountId?: string;
  /** `--param name=value` pairs; they win over the `params:` section of the file. */
  params?: Record<string, string>;
  /** Answers `${env:X}`: pass the environment in, nothing reads process.env here. */
  env?: Record<string, string | undefined>;
  /** Other CLI options, for `${opt:name}` besides stage and region. */
  opts?: Record<string, string>;
  /**
   * Names targets `<prefix><function key>` instead of the names serverless gives deployed
   * functions (`name:`, else `<service>-<stage>-<key>`). `''` makes targets the bare keys,
   * for in-process handlers registered under them.
   */
  functionNamePrefix?: string;
}

/** A `schedule` event (or an `eventBridge` event with `schedule`): one expression, one target. */
export interface ScheduledRule {
  name: string;
  /** The key under `functions`. */
  functionKey: string;
  /** The function name the target is invoked by (see ServerlessRulesOptions.functionNamePrefix). */
  target: string;
  /** `rate(5 minutes)` or `cron(0 3 * * ? *)`. */
  expression: string;
  enabled: boolean;
  /** Constant input delivered instead of the Scheduled Event. */
  input?: unknown;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// CloudFormation short forms (`!Ref Bus`, `!GetAtt Bus.Name`, …) so the yaml parser keeps them as the long forms.
const CFN_FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Equals', 'Not', 'And', 'Or'];
const CFN_TAGS: Array<ScalarTag | CollectionTag> = [
  ...[['!Ref', 'Ref'], ['!Condition', 'Condition'], ['!GetAtt', 'Fn::GetAtt'], ...CFN_FUNCTIONS.map((f) => [`!${f}`, `Fn::${f}`])].flatMap(
    ([tag, key]) => [
      { tag: tag!, resolve: (s: string) => ({ [key!]: tag === '!GetAtt' ? s.split('.') : s }) } as ScalarTag,
      { tag: tag!, collection: 'seq', resolve: (seq: { toJSON(): unknown }) => ({ [key!]: seq.toJSON() }) } as unknown as CollectionTag,
      { tag: tag!, collection: 'map', resolve: (map: { toJSON(): unknown }) => ({ [key!]: map.toJSON() }) } as unknown as CollectionTag,
    ],
  ),
];

const MAX_DEPTH = 32;

/** Index of the `}` closing the `${` at `start`, skipping nested variables and quoted strings. */
function closingBrace(text: string, start: number, where: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if ((c === "'" || c === '"') && depth > 0) {
      quote = c;
    } else if (c === '$' && text[i + 1] === '{') {
      depth += 1;
      i += 1;
    } else if (c === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new ServerlessRulesError(`${where}: unterminated variable in ${JSON.stringify(text)}`);
}

/** Splits a variable body on its top-level commas (the fallback chain). */
function alternativesOf(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '$' && body[i + 1] === '{') {
      depth += 1;
    } else if (c === '}') {
      depth -= 1;
    } else if (c === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  out.push(current.trim());
  return out;
}

function valueAt(root: unknown, path: string): unknown {
  if (path === '') return root;
  let node = root;
  for (const step of path.split('.')) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Json)[step];
  }
  return node;
}

interface Resolver {
  resolve(value: unknown, where: string): unknown;
  readonly stage: string;
  readonly region: string;
}

function createResolver(doc: Json, options: ServerlessRulesOptions): Resolver {
  const accountId = options.accountId ?? '000000000000';
  let stage = options.stage;
  let region = options.region;

  const lookup = (source: string, address: string, where: string, depth: number): unknown => {
    switch (source) {
      case 'self':
        return resolveDeep(valueAt(doc, address), `${where} -> self:${address}`, depth + 1);
      case 'opt':
        if (address === 'stage') return options.stage;
        if (address === 'region') return options.region;
        return options.opts?.[address];
      case 'sls':
        if (address === 'stage') return stageOf(depth + 1);
        throw new ServerlessRulesError(`${where}: \${sls:${address}} is not supported locally`);
      case 'env':
        return options.env?.[address];
      case 'param': {
        if (options.params && Object.hasOwn(options.params, address)) return options.params[address];
        const params = doc['params'];
        if (!isObject(params)) return undefined;
        const forStage = params[stageOf(depth + 1)];
        const chosen = isObject(forStage) && Object.hasOwn(forStage, address) ? forStage[address] : isObject(params['default']) ? params['default'][address] : undefined;
        return resolveDeep(chosen, `${where} -> param:${address}`, depth + 1);
      }
      case 'aws':
        if (address === 'region') return regionOf(depth + 1);
        if (address === 'accountId') return accountId;
        throw new ServerlessRulesError(`${where}: \${aws:${address}} is not supported locally`);
      default:
        // ssm, cf, s3, file…: nothing local can answer them; a fallback may.
        return undefined;
    }
  };

  const evaluate = (body: string, where: string, depth: number): unknown => {
    for (const alternative of alternativesOf(body)) {
      let value: unknown;
      const quoted = /^(['"])(.*)\1$/s.exec(alternative);
      if (quoted) value = quoted[2];
      else if (/^-?\d+(\.\d+)?$/.test(alternative)) value = Number(alternative);
      else if (alternative === 'true' || alternative === 'false') value = alternative === 'true';
      else if (alternative.startsWith('${')) value = interpolate(alternative, where, depth + 1);
      else {
        const m = /^([a-zA-Z]+)(?:\([^)]*\))?:(.*)$/s.exec(alternative);
        if (m) {
          const address = interpolate(m[2]!, where, depth + 1);
          value = lookup(m[1]!, String(address), where, depth);
        } else {
          // A bare word, as older files write `${opt:stage, dev}`.
          value = alternative;
        }
      }
      if (value !== undefined && value !== null) return value;
    }
    throw new ServerlessRulesError(`${where}: cannot resolve variable \${${body}} (no value and no fallback)`);
  };

  function interpolate(text: string, where: string, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new ServerlessRulesError(`${where}: variables nest too deep (a reference cycle?)`);
    const first = text.indexOf('${');
    if (first < 0) return text;
    const end = closingBrace(text, first, where);
    // A string that is one variable takes the variable's value as is (an object, a number).
    if (first === 0 && end === text.length - 1) return evaluate(text.slice(2, -1), where, depth);
    let out = '';
    let at = 0;
    for (let start = first; start >= 0; start = text.indexOf('${', at)) {
      const close = closingBrace(text, start, where);
      const value = evaluate(text.slice(start + 2, close), where, depth);
      if (isObject(value) || Array.isArray(value)) {
        throw new ServerlessRulesError(`${where}: variable \${${text.slice(start + 2, close)}} is not a string and cannot be embedded in ${JSON.stringify(text)}`);
      }
      out += text.slice(at, start) + String(value);
      at = close + 1;
    }
    return out + text.slice(at);
  }

  function resolveDeep(value: unknown, where: string, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new ServerlessRulesError(`${where}: variables nest too deep (a reference cycle?)`);
    if (typeof value === 'string') return interpolate(value, where, depth);
    if (Array.isArray(value)) return value.map((v, i) => resolveDeep(v, `${where}[${i}]`, depth));
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, `${where}.${k}`, depth)]));
    }
    return value;
  }

  function stageOf(depth: number): string {
    stage ??= String(resolveDeep(valueAt(doc, 'provider.stage'), 'provider.stage', depth) ?? 'dev');
    return stage;
  }

  function regionOf(depth: number): string {
    region ??= String(resolveDeep(valueAt(doc, 'provider.region'), 'provider.region', depth) ?? 'us-east-1');
    return region;
  }

  return {
    resolve: (value, where) => resolveDeep(value, where, 0),
    get stage() {
      return stageOf(0);
    },
    get region() {
      return regionOf(0);
    },
  };
}

// serverless's own rule naming (event-bridge/utils.js): `<function name>-rule-<position>`,
// hashed past EventBridge's 64 characters. Schedule rules get CloudFormation-generated names
// on AWS; locally they are named the same way with `schedule-<n>`.
function serverlessRuleName(functionName: string, suffix: string): string {
  const name = `${functionName}-${suffix}`;
  if (name.length <= 64) return name;
  return `${name.slice(0, 31 - suffix.length)}${createHash('md5').update(name).digest('hex')}-${suffix}`;
}

const SCHEDULE_EXPRESSION = /^rate\((?:1 (?:minute|hour|day)|(?:1\d+|[2-9]\d*) (?:minute|hour|day)s)\)$|^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;

interface FunctionEntry {
  key: string;
  /** The name serverless deploys the function under (what serverless-offline's invoke API knows). */
  deployedName: string;
  target: string;
  events: unknown[];
  /** The SQS queue of `destinations.onFailure`, when it names one of `resources` (or a queue ARN). */
  onFailureQueue?: string;
}

interface ServerlessModel {
  resolver: Resolver;
  doc: Json;
  functions: FunctionEntry[];
}

function loadServerless(serverlessYml: string | object, options: ServerlessRulesOptions): ServerlessModel {
  let doc: unknown;
  if (typeof serverlessYml === 'string') {
    try {
      doc = parse(serverlessYml, { customTags: CFN_TAGS, logLevel: 'error' });
    } catch (err) {
      throw new ServerlessRulesError(`serverless.yml is not valid YAML: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  } else {
    doc = serverlessYml;
  }
  if (!isObject(doc)) throw new ServerlessRulesError('serverless.yml must be a mapping at its top level');
  const resolver = createResolver(doc, options);
  const rawService = doc['service'];
  const service = resolver.resolve(isObject(rawService) ? rawService['name'] : rawService, 'service');
  if (typeof service !== 'string' || service === '') throw new ServerlessRulesError('serverless.yml: "service" must name the service');
  const rawFunctions = doc['functions'] ?? {};
  if (!isObject(rawFunctions)) throw new ServerlessRulesError('serverless.yml: "functions" must be a mapping of function keys');
  const functions: FunctionEntry[] = [];
  for (const [key, fn] of Object.entries(rawFunctions)) {
    if (fn === null || fn === undefined) continue;
    if (!isObject(fn)) throw new ServerlessRulesError(`functions.${key} must be a mapping`);
    const explicit = fn['name'] === undefined ? undefined : resolver.resolve(fn['name'], `functions.${key}.name`);
    const deployedName = typeof explicit === 'string' ? explicit : `${service}-${resolver.stage}-${key}`;
    const events = fn['events'] ?? [];
    if (!Array.isArray(events)) throw new ServerlessRulesError(`functions.${key}.events must be a list`);
    const onFailureQueue = onFailureQueueOf(doc, resolver, fn['destinations'], `functions.${key}.destinations`);
    functions.push({
      key,
      deployedName,
      target: options.functionNamePrefix === undefined ? deployedName : `${options.functionNamePrefix}${key}`,
      events,
      ...(onFailureQueue ? { onFailureQueue } : {}),
    });
  }
  return { resolver, doc, functions };
}

/** The name of the queue a function's on-failure destination names: `{ type: sqs, arn: <ARN or Fn::GetAtt [Queue, Arn]> }`. */
function onFailureQueueOf(doc: Json, resolver: Resolver, raw: unknown, where: string): string | undefined {
  const spec = isObject(raw) ? resolver.resolve(raw['onFailure'], `${where}.onFailure`) : undefined;
  if (!isObject(spec)) return typeof spec === 'string' && spec.startsWith('arn:aws:sqs:') ? spec.split(':').at(-1) : undefined;
  const arn = spec['arn'];
  if (typeof arn === 'string') return arn.startsWith('arn:aws:sqs:') ? arn.split(':').at(-1) : undefined;
  const getAtt = isObject(arn) ? arn['Fn::GetAtt'] : undefined;
  if (!Array.isArray(getAtt) || getAtt[1] !== 'Arn') return undefined;
  return queueNameOf(doc, resolver, getAtt[0]);
}

function queueNameOf(doc: Json, resolver: Resolver, logicalId: unknown): string | undefined {
  const resources = valueAt(doc, 'resources.Resources');
  const resource = typeof logicalId === 'string' && isObject(resources) ? resources[logicalId] : undefined;
  if (!isObject(resource) || resource['Type'] !== 'AWS::SQS::Queue' || !isObject(resource['Properties'])) return undefined;
  const name = resolver.resolve(resource['Properties']['QueueName'], `resources.Resources.${String(logicalId)}.Properties.QueueName`);
  return typeof name === 'string' ? name : undefined;
}

/**
 * The SQS queues serverless.yml declares in `resources` (by QueueName), for the local stack to
 * create as a deploy would: the failed-events queue the functions' on-failure destinations name.
 * @throws ServerlessRulesError as rulesFromServerless does.
 */
export function queuesFromServerless(serverlessYml: string | object, options: ServerlessRulesOptions = {}): string[] {
  const model = loadServerless(serverlessYml, options);
  const resources = valueAt(model.doc, 'resources.Resources');
  if (!isObject(resources)) return [];
  return Object.keys(resources).flatMap((id) => queueNameOf(model.doc, model.resolver, id) ?? []);
}

/** A bus named by a string, an ARN, or `!Ref` / `!GetAtt [X, Name]` of an AWS::Events::EventBus in `resources`. */
function busNameOf(model: ServerlessModel, spec: unknown, where: string): string | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (typeof spec === 'string') {
    return spec.startsWith('arn:') ? spec.slice(spec.indexOf('/') + 1) : spec;
  }
  let logicalId: unknown;
  if (isObject(spec) && typeof spec['Ref'] === 'string') logicalId = spec['Ref'];
  const getAtt = isObject(spec) ? spec['Fn::GetAtt'] : undefined;
  if (Array.isArray(getAtt) && getAtt[1] === 'Name') logicalId = getAtt[0];
  const resources = valueAt(model.doc, 'resources.Resources');
  const resource = typeof logicalId === 'string' && isObject(resources) ? resources[logicalId] : undefined;
  if (isObject(resource) && resource['Type'] === 'AWS::Events::EventBus' && isObject(resource['Properties'])) {
    const name = model.resolver.resolve(resource['Properties']['Name'], `resources.Resources.${String(logicalId)}.Properties.Name`);
    if (typeof name === 'string') return name;
  }
  throw new ServerlessRulesError(
    `${where}.eventBus: ${JSON.stringify(spec)} is not a bus name, a bus ARN, or a reference to an AWS::Events::EventBus with a Name in resources`,
  );
}

function scheduleInput(raw: unknown): unknown {
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  // serverless parses a JSON string `body` before handing the input to EventBridge.
  if (isObject(raw) && typeof raw['body'] === 'string') {
    try {
      return { ...raw, body: JSON.parse(raw['body']) };
    } catch {
      return raw;
    }
  }
  return raw;
}

function checkExpression(expression: unknown, where: string): string {
  if (typeof expression !== 'string' || !SCHEDULE_EXPRESSION.test(expression)) {
    throw new ServerlessRulesError(`${where}: ${JSON.stringify(expression)} is not a rate(...) or cron(...) expression serverless accepts`);
  }
  return expression;
}

// `enabled: ${env:FLAG, true}` resolves to the string "false" when the variable says so.
const isEnabled = (v: unknown) => v !== false && v !== 'false';

interface ReadRules {
  rules: EventRule[];
  schedules: ScheduledRule[];
}

function readRules(serverlessYml: string | object, options: ServerlessRulesOptions): ReadRules {
  const model = loadServerless(serverlessYml, options);
  const rules: EventRule[] = [];
  const schedules: ScheduledRule[] = [];
  for (const fn of model.functions) {
    let scheduleNumber = 0;
    fn.events.forEach((rawEvent, index) => {
      const where = `functions.${fn.key}.events[${index}]`;
      if (!isObject(rawEvent)) return;
      if (rawEvent['eventBridge'] !== undefined) {
        const spec = model.resolver.resolve(rawEvent['eventBridge'], `${where}.eventBridge`);
        if (!isObject(spec)) throw new ServerlessRulesError(`${where}.eventBridge must be a mapping`);
        if (spec['inputTransformer'] !== undefined) {
          throw new ServerlessRulesError(`${where}.eventBridge.inputTransformer is not supported by the local stack`);
        }
        if (spec['pattern'] === undefined && spec['schedule'] === undefined) {
          throw new ServerlessRulesError(`${where}.eventBridge needs a pattern or a schedule`);
        }
        const name = typeof spec['name'] === 'string' ? spec['name'] : serverlessRuleName(fn.deployedName, `rule-${index + 1}`);
        const enabled = isEnabled(spec['enabled']);
        if (spec['pattern'] !== undefined) {
          try {
            compileEventPattern(spec['pattern']);
          } catch (err) {
            if (err instanceof EventPatternError) throw new ServerlessRulesError(`${where}.eventBridge.pattern: ${err.message}`, { cause: err });
            throw err;
          }
          const eventBusName = busNameOf(model, spec['eventBus'], `${where}.eventBridge`);
          rules.push({
            name,
            pattern: spec['pattern'] as Json,
            target: fn.target,
            functionKey: fn.key,
            enabled,
            ...(eventBusName !== undefined ? { eventBusName } : {}),
            ...(spec['input'] !== undefined ? { input: spec['input'] } : {}),
            ...(typeof spec['inputPath'] === 'string' ? { inputPath: spec['inputPath'] } : {}),
            ...(fn.onFailureQueue ? { onFailureQueue: fn.onFailureQueue } : {}),
          });
        }
        if (spec['schedule'] !== undefined) {
          schedules.push({
            name,
            functionKey: fn.key,
            target: fn.target,
            expression: checkExpression(spec['schedule'], `${where}.eventBridge.schedule`),
            enabled,
            ...(spec['input'] !== undefined ? { input: spec['input'] } : {}),
          });
        }
      }
      if (rawEvent['schedule'] !== undefined) {
        const spec = model.resolver.resolve(rawEvent['schedule'], `${where}.schedule`);
        const settings = isObject(spec) ? spec : { rate: [spec] };
        const rates = Array.isArray(settings['rate']) ? settings['rate'] : [settings['rate']];
        if (typeof settings['name'] === 'string' && rates.length > 1) {
          throw new ServerlessRulesError(`${where}.schedule: a name cannot be given to more than one rate expression`);
        }
        rates.forEach((rate, i) => {
          scheduleNumber += 1;
          schedules.push({
            name: typeof settings['name'] === 'string' ? settings['name'] : serverlessRuleName(fn.deployedName, `schedule-${scheduleNumber}`),
            functionKey: fn.key,
            target: fn.target,
            expression: checkExpression(rate, `${where}.schedule.rate[${i}]`),
            enabled: isEnabled(settings['enabled']),
            ...(settings['input'] !== undefined ? { input: scheduleInput(settings['input']) } : {}),
          });
        });
      }
    });
  }
  return { rules, schedules };
}

/**
 * Rules for the local endpoint from the `eventBridge` events of serverless.yml (YAML text
 * or an already parsed object): pattern, bus (name, ARN, or a reference to a bus declared
 * in `resources`), enabled, input/inputPath; named as serverless names them.
 * @throws ServerlessRulesError for YAML it cannot read, a variable with no value and no
 * fallback, an invalid pattern, an unresolvable bus, or an inputTransformer.
 */
export function rulesFromServerless(serverlessYml: string | object, options: ServerlessRulesOptions = {}): EventRule[] {
  return readRules(serverlessYml, options).rules;
}

/**
 * Scheduled rules from the `schedule` events (one per rate expression) and from
 * `eventBridge` events that carry a `schedule`.
 * @throws ServerlessRulesError as rulesFromServerless does, and for an expression serverless would refuse.
 */
export function scheduledRulesFromServerless(serverlessYml: string | object, options: ServerlessRulesOptions = {}): ScheduledRule[] {
  return readRules(serverlessYml, options).schedules;
}

/** Milliseconds between two runs of a `rate(...)` expression; undefined for `cron(...)`. */
export function rateIntervalMs(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (!m) return undefined;
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[m[2] as 'minute' | 'hour' | 'day'];
  return Number(m[1]) * unit;
}

/** Where a scheduled event claims to come from: the endpoint's region, account and clock. */
export interface ScheduledEventContext {
  region: string;
  accountId: string;
  now?: () => Date;
}

/** What the target of a scheduled rule receives: its input when it has one, else the aws.events "Scheduled Event". */
export function scheduledEventFor(rule: ScheduledRule, context: ScheduledEventContext): unknown {
  if (rule.input !== undefined) return structuredClone(rule.input);
  const time = (context.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: context.accountId,
    time,
    region: context.region,
    resources: [`arn:aws:events:${context.region}:${context.accountId}:rule/${rule.name}`],
    detail: {},
  };
}

/**
 * Fires a scheduled rule once: invokes its target with scheduledEventFor's payload and
 * returns the function's result. Fires a disabled rule too; a scheduler filters on `enabled`.
 * @throws whatever the invoker throws (a function error, a function that does not exist).
 */
export async function fireScheduledRule(
  deps: ScheduledEventContext & { invoke: LambdaInvoker },
  rule: ScheduledRule,
): Promise<unknown> {
  return deps.invoke(rule.target, scheduledEventFor(rule, deps));
}

/** A function of serverless.yml as Lambda would run it: name, timeout, memory and environment (provider's and its own, resolved). */
export interface ServerlessFunction {
  key: string;
  deployedName: string;
  /** `src/handlers/rotate.handler`. */
  handler: string;
  timeoutSeconds: number;
  memoryMiB: number;
  reservedConcurrency: number | undefined;
  /** Plain string values only: CloudFormation intrinsics (which need a deploy) are left out. */
  environment: Record<string, string>;
}

/**
 * The functions of serverless.yml with what a Lambda host needs to run their bundles as deployed.
 * @throws ServerlessRulesError as rulesFromServerless does.
 */
export function functionsFromServerless(serverlessYml: string | object, options: ServerlessRulesOptions = {}): ServerlessFunction[] {
  const model = loadServerless(serverlessYml, options);
  const provider = (valueAt(model.doc, 'provider') ?? {}) as Json;
  const plainEnv = (raw: unknown, where: string): Record<string, string> => {
    const resolved = model.resolver.resolve(raw ?? {}, where);
    if (!isObject(resolved)) return {};
    return Object.fromEntries(Object.entries(resolved).flatMap(([k, v]) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? [[k, String(v)]] : [])));
  };
  const number = (v: unknown, fallback: number) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : fallback);
  const providerEnv = plainEnv(provider['environment'], 'provider.environment');
  const providerTimeout = number(model.resolver.resolve(provider['timeout'], 'provider.timeout'), 6);
  const providerMemory = number(model.resolver.resolve(provider['memorySize'], 'provider.memorySize'), 1024);
  const raw = (model.doc['functions'] ?? {}) as Json;
  return model.functions.map((f) => {
    const fn = raw[f.key] as Json;
    const reserved = model.resolver.resolve(fn['reservedConcurrency'], `functions.${f.key}.reservedConcurrency`);
    return {
      key: f.key,
      deployedName: f.deployedName,
      handler: String(model.resolver.resolve(fn['handler'], `functions.${f.key}.handler`)),
      timeoutSeconds: number(model.resolver.resolve(fn['timeout'], `functions.${f.key}.timeout`), providerTimeout),
      memoryMiB: number(model.resolver.resolve(fn['memorySize'], `functions.${f.key}.memorySize`), providerMemory),
      reservedConcurrency: typeof reserved === 'number' ? reserved : undefined,
      environment: { ...providerEnv, ...plainEnv(fn['environment'], `functions.${f.key}.environment`) },
    };
  });
}
