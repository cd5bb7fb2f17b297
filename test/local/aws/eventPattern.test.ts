import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  EventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../../../local/aws/eventPattern.js';

/** A full EventBridge envelope around `detail`. */
const envelope = (detail: Record<string, unknown>, overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail,
  ...overrides,
});

type Case = [string, Record<string, unknown>, Record<string, unknown>, boolean];

describe('matchesEventPattern', () => {
  const exact: Case[] = [
    ['matches an exact string', { source: ['aws.ec2'] }, envelope({}), true],
    ['refuses a string not in the list', { source: ['aws.s3'] }, envelope({}), false],
    ['matches any value of the list (OR)', { source: ['aws.s3', 'aws.ec2'] }, envelope({}), true],
    ['compares strings character by character, case included', { source: ['AWS.EC2'] }, envelope({}), false],
    ['matches an exact number', { detail: { count: [5] } }, envelope({ count: 5 }), true],
    ['matches a number written in exponent form', { detail: { limit: [3.018e2] } }, envelope({ limit: 301.8 }), true],
    ['does not match a number pattern against a numeric string', { detail: { count: [5] } }, envelope({ count: '5' }), false],
    ['does not match a string pattern against a number', { detail: { count: ['5'] } }, envelope({ count: 5 }), false],
    ['matches a boolean', { detail: { ok: [true] } }, envelope({ ok: true }), true],
    ['does not match a boolean pattern against the string "true"', { detail: { ok: [true] } }, envelope({ ok: 'true' }), false],
    ['matches null', { detail: { responseElements: [null] } }, envelope({ responseElements: null }), true],
    ['does not match null against a missing field', { detail: { responseElements: [null] } }, envelope({}), false],
    ['matches an empty string', { detail: { eventVersion: [''] } }, envelope({ eventVersion: '' }), true],
    ['does not match an empty string against null', { detail: { eventVersion: [''] } }, envelope({ eventVersion: null }), false],
    ['matches a nested field', { detail: { trigger: { risk: [8] } } }, envelope({ trigger: { risk: 8 } }), true],
    ['does not match when the intermediate object is missing', { detail: { trigger: { risk: [8] } } }, envelope({}), false],
    ['requires every field of the pattern (AND)', { source: ['aws.ec2'], detail: { state: ['running'] } }, envelope({ state: 'stopped' }), false],
    [
      'matches an event array that intersects the pattern list',
      { resources: ['arn:x', 'arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] },
      envelope({}),
      true,
    ],
    ['does not match an event array with no common value', { resources: ['arn:x'] }, envelope({}), false],
    ['matches any element of an array of strings', { detail: { tags: ['Insider'] } }, envelope({ tags: ['Custom_Alert', 'Insider'] }), true],
    ['matches inside nested arrays of arrays', { detail: { tags: ['b'] } }, envelope({ tags: [['a'], ['b']] }), true],
    [
      'matches a field inside an array of objects',
      { detail: { employees: { firstName: ['Anna'] } } },
      envelope({ employees: [{ firstName: 'John' }, { firstName: 'Anna' }] }),
      true,
    ],
    [
      'matches two fields when they sit in the same array element',
      { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } },
      envelope({ employees: [{ firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] }),
      true,
    ],
    [
      'does not match two fields taken from different array elements',
      { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } },
      envelope({ employees: [{ firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] }),
      false,
    ],
    ['does not match a leaf pattern against an object', { detail: { state: ['running'] } }, envelope({ state: { name: 'running' } }), false],
  ];

  const prefixSuffix: Case[] = [
    ['matches a prefix', { region: [{ prefix: 'us-' }] }, envelope({}), true],
    ['refuses a different prefix', { region: [{ prefix: 'eu-' }] }, envelope({}), false],
    ['never matches a prefix against a number', { detail: { n: [{ prefix: '1' }] } }, envelope({ n: 123 }), false],
    ['matches a prefix ignoring case', { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, envelope({ service: 'eventbridge' }), true],
    ['matches a suffix', { detail: { FileName: [{ suffix: '.png' }] } }, envelope({ FileName: 'cat.png' }), true],
    ['matches a suffix with its case only', { detail: { FileName: [{ suffix: '.png' }] } }, envelope({ FileName: 'cat.PNG' }), false],
    ['matches a suffix ignoring case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, envelope({ FileName: 'cat.PNG' }), true],
    ['matches equals-ignore-case', { detail: { name: [{ 'equals-ignore-case': 'alice' }] } }, envelope({ name: 'ALICE' }), true],
    ['refuses equals-ignore-case on a different string', { detail: { name: [{ 'equals-ignore-case': 'alice' }] } }, envelope({ name: 'alicia' }), false],
    ['never matches equals-ignore-case against a number', { detail: { n: [{ 'equals-ignore-case': '5' }] } }, envelope({ n: 5 }), false],
  ];

  const wildcard: Case[] = [
    ['matches a leading wildcard', { detail: { file: [{ wildcard: '*.png' }] } }, envelope({ file: 'dir/cat.png' }), true],
    ['matches a wildcard in the middle', { detail: { file: [{ wildcard: 'dir/*/cat.png' }] } }, envelope({ file: 'dir/a/b/cat.png' }), true],
    ['matches several wildcards', { detail: { file: [{ wildcard: 'a*b*c' }] } }, envelope({ file: 'aXXbYYc' }), true],
    ['lets a wildcard match nothing', { detail: { file: [{ wildcard: 'ab*' }] } }, envelope({ file: 'ab' }), true],
    ['anchors the wildcard at both ends', { detail: { file: [{ wildcard: 'a*b' }] } }, envelope({ file: 'xaYb' }), false],
    ['treats an escaped asterisk as a literal', { detail: { file: [{ wildcard: 'a\\*b' }] } }, envelope({ file: 'a*b' }), true],
    ['does not expand an escaped asterisk', { detail: { file: [{ wildcard: 'a\\*b' }] } }, envelope({ file: 'aXb' }), false],
    ['treats regular expression characters literally', { detail: { file: [{ wildcard: 'a.b*' }] } }, envelope({ file: 'aXbc' }), false],
    ['never matches a wildcard against a number', { detail: { n: [{ wildcard: '1*' }] } }, envelope({ n: 12 }), false],
  ];

  const anythingBut: Case[] = [
    ['matches anything but a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, envelope({ state: 'running' }), true],
    ['refuses the excluded string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, envelope({ state: 'initializing' }), false],
    ['never matches a missing field', { detail: { state: [{ 'anything-but': 'initializing' }] } }, envelope({}), false],
    ['matches anything but a number', { detail: { x: [{ 'anything-but': 123 }] } }, envelope({ x: 124 }), true],
    ['refuses the excluded number', { detail: { x: [{ 'anything-but': 123 }] } }, envelope({ x: 123 }), false],
    ['refuses every string of an excluded list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, envelope({ state: 'overloaded' }), false],
    ['matches a string outside the excluded list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, envelope({ state: 'running' }), true],
    ['matches a string against an excluded list of numbers', { detail: { x: [{ 'anything-but': [100, 200] }] } }, envelope({ x: '100' }), true],
    ['refuses an excluded prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, envelope({ state: 'initializing' }), false],
    ['matches outside an excluded prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, envelope({ state: 'running' }), true],
    ['matches a number against an excluded prefix', { detail: { n: [{ 'anything-but': { prefix: '1' } }] } }, envelope({ n: 123 }), true],
    ['refuses an excluded suffix', { detail: { f: [{ 'anything-but': { suffix: '.png' } }] } }, envelope({ f: 'a.png' }), false],
    ['refuses an excluded value in any case', { detail: { s: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } }, envelope({ s: 'INITIALIZING' }), false],
    ['refuses a value matching an excluded wildcard', { detail: { p: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, envelope({ p: 'src/lib/x.ts' }), false],
    ['matches outside an excluded wildcard', { detail: { p: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, envelope({ p: 'src/bin/x.ts' }), true],
    ['matches an event array holding one value outside the exclusion', { detail: { s: [{ 'anything-but': 'a' }] } }, envelope({ s: ['a', 'b'] }), true],
    ['refuses an event array holding only excluded values', { detail: { s: [{ 'anything-but': { wildcard: '*ball' } }] } }, envelope({ s: ['baseball', 'basketball'] }), false],
  ];

  const exists: Case[] = [
    ['matches exists:true on a present field', { detail: { c: [{ exists: true }] } }, envelope({ c: 1 }), true],
    ['refuses exists:true on a missing field', { detail: { c: [{ exists: true }] } }, envelope({}), false],
    ['matches exists:false on a missing field', { detail: { c: [{ exists: false }] } }, envelope({ state: 'x' }), true],
    ['refuses exists:false on a present field', { detail: { c: [{ exists: false }] } }, envelope({ c: 'x' }), false],
    ['matches exists:false when the whole parent is missing', { detail: { a: { c: [{ exists: false }] } } }, envelope({}), true],
    ['matches exists:false on a field holding an object (not a leaf)', { detail: { c: [{ exists: false }] } }, envelope({ c: { c1: 100 } }), true],
    ['refuses exists:true on a field holding an object', { detail: { c: [{ exists: true }] } }, envelope({ c: { c1: 100 } }), false],
    ['matches exists:true on a null value', { detail: { c: [{ exists: true }] } }, envelope({ c: null }), true],
    ['refuses exists:true on an empty array', { detail: { c: [{ exists: true }] } }, envelope({ c: [] }), false],
    ['matches exists:false on an empty array', { detail: { c: [{ exists: false }] } }, envelope({ c: [] }), true],
    ['matches exists:false in an array of objects lacking the field', { detail: { items: { id: [{ exists: false }] } } }, envelope({ items: [{ name: 'a' }] }), true],
  ];

  const numeric: Case[] = [
    ['matches inside a range', { detail: { c: [{ numeric: ['>', 0, '<=', 5] }] } }, envelope({ c: 5 }), true],
    ['refuses the open lower bound', { detail: { c: [{ numeric: ['>', 0, '<=', 5] }] } }, envelope({ c: 0 }), false],
    ['refuses above the upper bound', { detail: { c: [{ numeric: ['>', 0, '<=', 5] }] } }, envelope({ c: 5.000001 }), false],
    ['matches a range written upper bound first', { detail: { c: [{ numeric: ['<', 10, '>=', 1] }] } }, envelope({ c: 1 }), true],
    ['matches numeric equality', { detail: { x: [{ numeric: ['=', 3.018e2] }] } }, envelope({ x: 301.8 }), true],
    ['matches below a bound', { detail: { d: [{ numeric: ['<', 10] }] } }, envelope({ d: -3 }), true],
    ['never matches a numeric string', { detail: { d: [{ numeric: ['<', 10] }] } }, envelope({ d: '5' }), false],
    ['never matches a boolean', { detail: { d: [{ numeric: ['>=', 0] }] } }, envelope({ d: true }), false],
    ['matches when one element of an event array is in range', { detail: { d: [{ numeric: ['<', 10] }] } }, envelope({ d: [20, 3] }), true],
  ];

  const cidr: Case[] = [
    ['matches an IPv4 address inside the block', { detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, envelope({ ip: '10.0.0.33' }), true],
    ['refuses an IPv4 address outside the block', { detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, envelope({ ip: '10.0.1.33' }), false],
    ['matches an IPv6 address inside the block', { detail: { ip: [{ cidr: '2001:db8::/32' }] } }, envelope({ ip: '2001:db8::1' }), true],
    ['refuses a string that is not an address', { detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, envelope({ ip: 'ten' }), false],
  ];

  const or: Case[] = [
    [
      'matches when one $or alternative matches',
      { source: ['aws.ec2'], $or: [{ region: ['eu-west-1'] }, { detail: { state: ['running'] } }] },
      envelope({ state: 'running' }),
      true,
    ],
    [
      'refuses when no $or alternative matches',
      { $or: [{ region: ['eu-west-1'] }, { detail: { state: ['running'] } }] },
      envelope({ state: 'stopped' }),
      false,
    ],
    [
      'evaluates a nested $or inside detail',
      { detail: { $or: [{ a: [1] }, { b: [2] }] } },
      envelope({ b: 2 }),
      true,
    ],
    [
      'combines a value list and an operator in one field (OR)',
      { detail: { state: ['running', { prefix: 'stop' }] } },
      envelope({ state: 'stopping' }),
      true,
    ],
    [
      'combines exists:false and a value in one field (OR)',
      { detail: { state: [{ exists: false }, 'running'] } },
      envelope({}),
      true,
    ],
  ];

  const families: Array<[string, Case[]]> = [
    ['exact values', exact],
    ['prefix / suffix / equals-ignore-case', prefixSuffix],
    ['wildcard', wildcard],
    ['anything-but', anythingBut],
    ['exists', exists],
    ['numeric', numeric],
    ['cidr', cidr],
    ['$or and lists', or],
  ];
  for (const [family, cases] of families) {
    it.each(cases)(`${family}: %s`, (_name, pattern, event, expected) => {
      // Act
      const result = matchesEventPattern(pattern, event);
      // Assess
      expect(result).toBe(expected);
    });
  }
});

describe('compileEventPattern', () => {
  const invalid: Array<[string, unknown, string]> = [
    ['a pattern that is an array', [{ source: ['x'] }], 'Filter is not an object'],
    ['a pattern that is null', null, 'Filter is not an object'],
    ['a bare value instead of an array', { source: 'aws.ec2' }, '"source" must be an object or an array'],
    ['an empty value array', { source: [] }, 'Empty arrays are not allowed'],
    ['an empty pattern', {}, 'Empty objects are not allowed'],
    ['an empty nested object', { detail: {} }, 'Empty objects are not allowed'],
    ['an unknown operator', { source: [{ contains: 'x' }] }, 'Unrecognized match type contains'],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }, 'exactly one operator'],
    ['a numeric operator it does not know', { n: [{ numeric: ['!=', 1] }] }, 'Unrecognized numeric range operator'],
    ['a numeric range with two lower bounds', { n: [{ numeric: ['>', 1, '>=', 2] }] }, 'one lower bound'],
    ['a numeric bound that is not a number', { n: [{ numeric: ['>', '1'] }] }, 'must be numeric'],
    ['consecutive wildcard characters', { f: [{ wildcard: 'a**b' }] }, 'Consecutive wildcard characters'],
    ['a backslash escaping an ordinary character', { f: [{ wildcard: 'a\\b' }] }, 'Invalid escape character'],
    ['an anything-but list mixing strings and numbers', { s: [{ 'anything-but': ['a', 1] }] }, 'only strings or only numbers'],
    ['an anything-but with an unsupported operator', { s: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'Unsupported anything-but pattern'],
    ['exists with a string', { s: [{ exists: 'true' }] }, 'exists match pattern'],
    ['$or with a single alternative', { $or: [{ source: ['x'] }] }, '$or at $or must hold at least two objects'],
    ['a malformed CIDR block', { ip: [{ cidr: '10.0.0.0/33' }] }, 'Malformed CIDR'],
    ['a prefix that is a number', { s: [{ prefix: 1 }] }, 'prefix match pattern'],
  ];

  it.each(invalid)('refuses %s', (_name, pattern, reason) => {
    // Act
    const compile = () => compileEventPattern(pattern);
    // Assess
    expect(compile).toThrow(EventPatternError);
    expect(compile).toThrow(reason);
  });

  it('words its errors as AWS InvalidEventPatternException messages', () => {
    // Act
    const compile = () => compileEventPattern({ source: [] });
    // Assess
    expect(compile).toThrow(/^Event pattern is not valid\. Reason: /);
  });
});

describe('parseEventPattern', () => {
  it('refuses text that is not JSON', () => {
    expect(() => parseEventPattern('{source: [x]}')).toThrow('Event pattern is not valid. Reason: Filter is not valid JSON');
  });

  it('returns the parsed pattern of valid text', () => {
    // Act
    const pattern = parseEventPattern('{"source":["keyroll"],"detail-type":["Secret Rotated"]}');
    // Assess
    expect(pattern).toEqual({ source: ['keyroll'], 'detail-type': ['Secret Rotated'] });
  });
});
