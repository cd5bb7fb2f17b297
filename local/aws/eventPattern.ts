/**
 * EventBridge's content-filter pattern language, as rules on an event bus evaluate it:
 * exact values, `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`,
 * `numeric`, `exists`, `cidr` and `$or`, with Event Ruler's array semantics (an event
 * array matches when any of its elements does, and every field of one nested pattern must
 * match inside the same array element).
 */
import { BlockList, isIP } from 'node:net';
import { KeyrollError } from '../../src/errors.js';

/** A parsed event pattern: field names mapped to value arrays or nested patterns. */
export type EventPattern = Record<string, unknown>;

/** Tells whether an event (the full envelope, detail parsed) matches a compiled pattern. */
export type EventMatcher = (event: unknown) => boolean;

/** A pattern EventBridge would refuse; the message reads as AWS's InvalidEventPatternException. */
export class EventPatternError extends KeyrollError {
  constructor(readonly reason: string) {
    super(`Event pattern is not valid. Reason: ${reason}`);
  }
}

type Leaf = string | number | boolean | null;
/** Judges the leaf values found at one field (none when the field is absent or not a leaf). */
type ValuesTest = (values: Leaf[]) => boolean;
/** Judges one JSON object of the event (undefined when absent) against a nested pattern. */
type ObjectTest = (node: unknown) => boolean;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isLeaf = (v: unknown): v is Leaf =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

const fail = (reason: string): never => {
  throw new EventPatternError(reason);
};

// Event Ruler flattens arrays of arrays, so `[["a"], "b"]` holds the leaves "a" and "b".
function flattenMatching<T>(items: unknown[], keep: (item: unknown) => item is T): T[] {
  const out: T[] = [];
  const walk = (list: unknown[]) => {
    for (const item of list) {
      if (Array.isArray(item)) walk(item);
      else if (keep(item)) out.push(item);
    }
  };
  walk(items);
  return out;
}

function leafValuesOf(node: unknown): Leaf[] {
  if (node === undefined) return [];
  if (isLeaf(node)) return [node];
  if (!Array.isArray(node)) return [];
  return flattenMatching(node, isLeaf);
}

const objectElementsOf = (items: unknown[]): Record<string, unknown>[] => flattenMatching(items, isPlainObject);

const fieldOf = (node: unknown, key: string): unknown =>
  isPlainObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;

const escapeRegExp = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

function compileWildcard(pattern: unknown, where: string): (s: string) => boolean {
  if (typeof pattern !== 'string') return fail(`wildcard match pattern at ${where} must be a string`);
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') return fail(`Invalid escape character at pos ${i + 1} of wildcard ${JSON.stringify(pattern)}`);
      source += escapeRegExp(next);
      i += 1;
    } else if (c === '*') {
      if (pattern[i + 1] === '*') return fail(`Consecutive wildcard characters at pos ${i + 1} of wildcard ${JSON.stringify(pattern)}`);
      source += '.*';
    } else {
      source += escapeRegExp(c);
    }
  }
  const re = new RegExp(`^${source}$`, 's');
  return (s) => re.test(s);
}

const lower = (s: string) => s.toLowerCase();

/** `prefix` / `suffix`: a string, or `{ "equals-ignore-case": string }`. */
function compileAffix(kind: 'prefix' | 'suffix', spec: unknown, where: string): (s: string) => boolean {
  const test = kind === 'prefix' ? (s: string, a: string) => s.startsWith(a) : (s: string, a: string) => s.endsWith(a);
  if (typeof spec === 'string') return (s) => test(s, spec);
  if (isPlainObject(spec) && Object.keys(spec).length === 1 && typeof spec['equals-ignore-case'] === 'string') {
    const folded = lower(spec['equals-ignore-case']);
    return (s) => test(lower(s), folded);
  }
  return fail(`${kind} match pattern at ${where} must be a string or an equals-ignore-case object`);
}

function compileNumeric(spec: unknown, where: string): (n: number) => boolean {
  if (!Array.isArray(spec) || (spec.length !== 2 && spec.length !== 4)) {
    return fail(`numeric match at ${where} must be an array of one or two operator/value pairs`);
  }
  const tests: Array<(n: number) => boolean> = [];
  let lowerBound = 0;
  let upperBound = 0;
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) return fail(`Value of ${String(op)} at ${where} must be numeric`);
    switch (op) {
      case '=':
        if (spec.length !== 2) return fail(`numeric "=" at ${where} takes a single value`);
        tests.push((n) => n === bound);
        break;
      case '>':
        lowerBound += 1;
        tests.push((n) => n > bound);
        break;
      case '>=':
        lowerBound += 1;
        tests.push((n) => n >= bound);
        break;
      case '<':
        upperBound += 1;
        tests.push((n) => n < bound);
        break;
      case '<=':
        upperBound += 1;
        tests.push((n) => n <= bound);
        break;
      default:
        return fail(`Unrecognized numeric range operator ${JSON.stringify(op)} at ${where}`);
    }
  }
  if (spec.length === 4 && (lowerBound !== 1 || upperBound !== 1)) {
    return fail(`numeric range at ${where} needs one lower bound (> or >=) and one upper bound (< or <=)`);
  }
  return (n) => tests.every((t) => t(n));
}

function compileCidr(spec: unknown, where: string): (s: string) => boolean {
  const m = typeof spec === 'string' ? /^([^/]+)\/(\d{1,3})$/.exec(spec) : null;
  const family = m ? isIP(m[1]!) : 0;
  const prefix = m ? Number(m[2]) : -1;
  if (!m || family === 0 || prefix > (family === 4 ? 32 : 128)) {
    return fail(`Malformed CIDR at ${where}: ${JSON.stringify(spec)}`);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(m[1]!, prefix, type);
  return (s) => isIP(s) === family && list.check(s, type);
}

/** The inside of `anything-but`: which leaf values are excluded. */
function compileExclusion(spec: unknown, where: string): (v: Leaf) => boolean {
  if (typeof spec === 'string' || typeof spec === 'number') return (v) => v === spec;
  if (Array.isArray(spec)) {
    const allStrings = spec.every((x) => typeof x === 'string');
    const allNumbers = spec.every((x) => typeof x === 'number');
    if (spec.length === 0 || !(allStrings || allNumbers)) {
      return fail(`anything-but list at ${where} must be a non-empty list of only strings or only numbers`);
    }
    const excluded = new Set<unknown>(spec);
    return (v) => excluded.has(v);
  }
  if (isPlainObject(spec) && Object.keys(spec).length === 1) {
    const [op, arg] = Object.entries(spec)[0]!;
    // The switch below relies on this: anything else is a wildcard.
    if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(op)) {
      return fail(`Unsupported anything-but pattern ${JSON.stringify(op)} at ${where}`);
    }
    const strings = typeof arg === 'string' ? [arg] : Array.isArray(arg) && arg.length > 0 && arg.every((x) => typeof x === 'string') ? (arg as string[]) : undefined;
    if (!strings) return fail(`anything-but ${op} at ${where} must be a string or a non-empty list of strings`);
    let test: (s: string) => boolean;
    switch (op) {
      case 'prefix':
        test = (s) => strings.some((p) => s.startsWith(p));
        break;
      case 'suffix':
        test = (s) => strings.some((p) => s.endsWith(p));
        break;
      case 'equals-ignore-case': {
        const folded = new Set(strings.map(lower));
        test = (s) => folded.has(lower(s));
        break;
      }
      default: {
        const wildcards = strings.map((w) => compileWildcard(w, where));
        test = (s) => wildcards.some((w) => w(s));
      }
    }
    // Only strings can start or end with something: numbers, booleans and null are never excluded.
    return (v) => typeof v === 'string' && test(v);
  }
  return fail(`anything-but at ${where} must be a string, a number, a list, or a prefix/suffix/equals-ignore-case/wildcard object`);
}

const someString = (test: (s: string) => boolean): ValuesTest => (values) =>
  values.some((v) => typeof v === 'string' && test(v));

function compileOperator(spec: Record<string, unknown>, where: string): ValuesTest {
  const keys = Object.keys(spec);
  if (keys.length !== 1) return fail(`a match expression at ${where} must hold exactly one operator, found ${keys.length}`);
  const op = keys[0]!;
  const arg = spec[op];
  switch (op) {
    case 'exists':
      if (typeof arg !== 'boolean') return fail(`exists match pattern at ${where} must be true or false`);
      // Only leaves count: a field holding an object (or an empty array) does not "exist".
      return (values) => (values.length > 0) === arg;
    case 'prefix':
    case 'suffix':
      return someString(compileAffix(op, arg, where));
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') return fail(`equals-ignore-case match pattern at ${where} must be a string`);
      const folded = lower(arg);
      return someString((s) => lower(s) === folded);
    }
    case 'wildcard':
      return someString(compileWildcard(arg, where));
    case 'cidr':
      return someString(compileCidr(arg, where));
    case 'numeric': {
      const test = compileNumeric(arg, where);
      return (values) => values.some((v) => typeof v === 'number' && test(v));
    }
    case 'anything-but': {
      const excluded = compileExclusion(arg, where);
      // A missing field has no value that could be "anything but": it never matches.
      return (values) => values.some((v) => !excluded(v));
    }
    default:
      return fail(`Unrecognized match type ${op} at ${where}`);
  }
}

function compileValues(spec: unknown[], where: string): ValuesTest {
  if (spec.length === 0) return fail(`Empty arrays are not allowed (at ${where})`);
  const tests = spec.map((item): ValuesTest => {
    if (isLeaf(item)) return (values) => values.some((v) => v === item);
    if (isPlainObject(item)) return compileOperator(item, where);
    return fail(`Match value at ${where} must be a string, number, boolean, null or an operator object`);
  });
  return (values) => tests.some((t) => t(values));
}

function compileObject(pattern: Record<string, unknown>, path: string): ObjectTest {
  const checks: ObjectTest[] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    const where = path ? `${path}.${key}` : key;
    if (key === '$or' && Array.isArray(spec)) {
      if (spec.length < 2 || !spec.every(isPlainObject)) return fail(`$or at ${where} must hold at least two objects`);
      const alternatives = spec.map((alt) => compileObject(alt, path));
      checks.push((node) => alternatives.some((alt) => alt(node)));
    } else if (Array.isArray(spec)) {
      const test = compileValues(spec, where);
      checks.push((node) => test(leafValuesOf(fieldOf(node, key))));
    } else if (isPlainObject(spec)) {
      const nested = compileObject(spec, where);
      checks.push((node) => {
        const child = fieldOf(node, key);
        if (!Array.isArray(child)) return nested(child);
        // Array-consistent: the whole nested pattern must hold within one element.
        const elements = objectElementsOf(child);
        return elements.length === 0 ? nested(undefined) : elements.some(nested);
      });
    } else {
      fail(`"${where}" must be an object or an array`);
    }
  }
  if (checks.length === 0) return fail(`Empty objects are not allowed${path ? ` (at ${path})` : ''}`);
  return (node) => checks.every((check) => check(node));
}

/**
 * Validates a pattern and compiles it into a matcher for full event envelopes.
 * @throws EventPatternError when EventBridge would refuse the pattern (the message names why).
 */
export function compileEventPattern(pattern: unknown): EventMatcher {
  if (!isPlainObject(pattern)) return fail('Filter is not an object');
  const test = compileObject(pattern, '');
  return (event) => test(event);
}

/**
 * Parses an EventPattern string as PutRule and TestEventPattern receive it.
 * @throws EventPatternError for text that is not JSON or a pattern EventBridge would refuse.
 */
export function parseEventPattern(text: string): EventPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('Filter is not valid JSON');
  }
  compileEventPattern(parsed);
  return parsed as EventPattern;
}

/**
 * Tells whether an event matches a pattern (compiles the pattern each call: use
 * compileEventPattern for a pattern evaluated many times).
 * @throws EventPatternError for an invalid pattern.
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}
