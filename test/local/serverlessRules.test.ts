import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  fireScheduledRule,
  queuesFromServerless,
  rateIntervalMs,
  rulesFromServerless,
  scheduledEventFor,
  scheduledRulesFromServerless,
  ServerlessRulesError,
  type ScheduledRule,
} from '../../local/serverlessRules.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const ROUTING = fixture('serverless-routing.yml');
const RESOURCES = fixture('serverless-resources.yml');

/** serverless's hashing of over-long rule names, restated from its event-bridge/utils.js. */
const hashed = (name: string, suffix: string) => `${name.slice(0, 31 - suffix.length)}${createHash('md5').update(name).digest('hex')}-${suffix}`;
const LONG_FUNCTION = 'keyroll-with-a-rather-long-service-name-staging-reconcileEverySecretThatIsTagged';

describe('rulesFromServerless', () => {
  it('names rules and targets as serverless deploys them', () => {
    // Act
    const rules = rulesFromServerless(ROUTING);
    // Assess
    expect(rules.map((r) => [r.name, r.target, r.functionKey])).toEqual([
      ['keyroll-dev-sync-rule-1', 'keyroll-dev-sync', 'sync'],
      ['keyroll-dev-sync-rule-2', 'keyroll-dev-sync', 'sync'],
      ['redeploy-on-sync', 'keyroll-redeployer-dev', 'redeploy'],
      ['keyroll-redeployer-dev-rule-2', 'keyroll-redeployer-dev', 'redeploy'],
    ]);
  });

  it('reads the pattern with ${self:...} references resolved', () => {
    // Act
    const [first] = rulesFromServerless(ROUTING);
    // Assess
    expect(first?.pattern).toEqual({ source: ['keyroll'], 'detail-type': ['Secret Rotated'] });
  });

  it('resolves the bus from the params section of the default stage', () => {
    // Act
    const rules = rulesFromServerless(ROUTING);
    // Assess
    expect(rules.map((r) => r.eventBusName)).toEqual(['keyroll-dev', undefined, 'keyroll-dev', 'default']);
  });

  it('uses the params of the stage asked for, and that stage in the names', () => {
    // Act
    const rules = rulesFromServerless(ROUTING, { stage: 'prod' });
    // Assess
    expect(rules[0]).toMatchObject({ name: 'keyroll-prod-sync-rule-1', target: 'keyroll-prod-sync', eventBusName: 'keyroll-events' });
  });

  it('lets a --param option win over the params section', () => {
    // Act
    const [first] = rulesFromServerless(ROUTING, { params: { eventBusName: 'from-cli' } });
    // Assess
    expect(first?.eventBusName).toBe('from-cli');
  });

  it('reads the bus name out of a bus ARN built from ${aws:region} and ${aws:accountId}', () => {
    // Act
    const rules = rulesFromServerless(ROUTING, { region: 'eu-west-1', accountId: '123456789012' });
    // Assess
    expect(rules.find((r) => r.name === 'redeploy-on-sync')?.eventBusName).toBe('keyroll-dev');
  });

  it.each([
    ['enabled when the environment does not say', {}, true],
    ['disabled when the environment map says false', { REDEPLOY_ENABLED: 'false' }, false],
  ])('reads `enabled` from ${env:...}: %s', (_name, env, expected) => {
    // Act
    const rules = rulesFromServerless(ROUTING, { env });
    // Assess
    expect(rules.find((r) => r.name === 'redeploy-on-sync')?.enabled).toBe(expected);
  });

  it('keeps the inputPath of an eventBridge event', () => {
    // Act
    const rules = rulesFromServerless(ROUTING);
    // Assess
    expect(rules.find((r) => r.name === 'redeploy-on-sync')?.inputPath).toBe('$.detail');
  });

  it('names targets by function key when given an empty functionNamePrefix', () => {
    // Act
    const rules = rulesFromServerless(ROUTING, { functionNamePrefix: '' });
    // Assess
    expect(rules.map((r) => r.target)).toEqual(['sync', 'sync', 'redeploy', 'redeploy']);
  });

  it('resolves a bus given as !Ref or !GetAtt of an event bus declared in resources', () => {
    // Act
    const rules = rulesFromServerless(RESOURCES);
    // Assess
    expect(rules.map((r) => r.eventBusName)).toEqual(['keyroll-staging']);
  });

  it('hashes a rule name longer than 64 characters as serverless does', () => {
    // Act
    const [rule] = rulesFromServerless(RESOURCES);
    // Assess
    expect(rule?.name).toBe(hashed(`${LONG_FUNCTION}-rule-1`, 'rule-1'));
    expect(rule?.name.length).toBeLessThanOrEqual(64);
  });

  it('accepts an already parsed serverless.yml', () => {
    // Act
    const rules = rulesFromServerless(parse(ROUTING) as object, { functionNamePrefix: 'local-' });
    // Assess
    expect(rules[0]?.target).toBe('local-sync');
  });

  it('answers no rules for functions without eventBridge events', () => {
    // Act
    const rules = rulesFromServerless('service: quiet\nfunctions:\n  a:\n    handler: a.handler\n');
    // Assess
    expect(rules).toEqual([]);
  });

  it('refuses a pattern EventBridge would refuse, naming where it is', () => {
    // Act
    const read = () => rulesFromServerless(fixture('serverless-invalid-pattern.yml'));
    // Assess
    expect(read).toThrow(ServerlessRulesError);
    expect(read).toThrow(/^functions\.sync\.events\[0\]\.eventBridge\.pattern: Event pattern is not valid\. Reason: "source" must be an object or an array/);
  });

  it('refuses a variable that has neither a value nor a fallback, naming it', () => {
    // Act
    const read = () => rulesFromServerless(fixture('serverless-unresolved.yml'), { env: {} });
    // Assess
    expect(read).toThrow('functions.sync.events[0].eventBridge.eventBus: cannot resolve variable ${env:KEYROLL_BUS}');
  });

  it('takes the value of ${env:...} from the map given, not from the process', () => {
    // Act
    const [rule] = rulesFromServerless(fixture('serverless-unresolved.yml'), { env: { KEYROLL_BUS: 'from-map' } });
    // Assess
    expect(rule?.eventBusName).toBe('from-map');
  });

  it('refuses an inputTransformer, which the local stack cannot apply', () => {
    // Prepare
    const yml = 'service: s\nfunctions:\n  f:\n    handler: f.h\n    events:\n      - eventBridge:\n          pattern: { source: [x] }\n          inputTransformer: { inputTemplate: "<a>" }\n';
    // Act
    const read = () => rulesFromServerless(yml);
    // Assess
    expect(read).toThrow('functions.f.events[0].eventBridge.inputTransformer is not supported by the local stack');
  });

  it('refuses a reference cycle instead of looping', () => {
    // Prepare
    const yml = 'service: s\ncustom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\nfunctions:\n  f:\n    handler: f.h\n    events:\n      - eventBridge:\n          eventBus: ${self:custom.a}\n          pattern: { source: [x] }\n';
    // Act
    const read = () => rulesFromServerless(yml);
    // Assess
    expect(read).toThrow(/nest too deep/);
  });

  it('refuses a variable holding a mapping embedded inside a string', () => {
    // Prepare
    const yml = 'service: s\ncustom:\n  m: { a: 1 }\nfunctions:\n  f:\n    handler: f.h\n    events:\n      - eventBridge:\n          eventBus: bus-${self:custom.m}\n          pattern: { source: [x] }\n';
    // Act
    const read = () => rulesFromServerless(yml);
    // Assess
    expect(read).toThrow(/is not a string and cannot be embedded/);
  });

  it.each([
    ['a double-quoted fallback', '${opt:bus, "quoted"}', 'quoted'],
    ['a fallback to another variable', '${opt:bus, ${self:custom.name}}', 'from-self'],
    ['a fallback chain', '${env:NOPE, opt:bus, self:custom.name}', 'from-self'],
    ['a nested address', '${self:custom.${opt:which}}', 'picked'],
    ['variables embedded in text', 'bus-${self:custom.name}-${sls:stage}', 'bus-from-self-dev'],
  ])('resolves %s', (_name, expression, expected) => {
    // Prepare
    const yml = `service: s\ncustom:\n  name: from-self\n  second: picked\nfunctions:\n  f:\n    handler: f.h\n    events:\n      - eventBridge:\n          eventBus: '${expression}'\n          pattern: { source: [x] }\n`;
    // Act
    const [rule] = rulesFromServerless(yml, { opts: { which: 'second' } });
    // Assess
    expect(rule?.eventBusName).toBe(expected);
  });
});

describe('on-failure destinations', () => {
  const YML = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');

  it('gives every rule of an event-driven function the queue its destinations.onFailure names, resolved from resources', () => {
    const rules = rulesFromServerless(YML, { stage: 'prod' });
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect([r.functionKey, r.onFailureQueue]).toEqual([r.functionKey, 'keyroll-prod-failed-events']);
  });

  it('lists the queues serverless.yml declares, so the local stack creates them as a deploy would', () => {
    expect(queuesFromServerless(YML, { stage: 'prod' })).toEqual(['keyroll-prod-failed-events']);
    expect(queuesFromServerless(ROUTING)).toEqual([]);
  });

  it('reads a destination given as a queue ARN, and ignores one that is no queue', () => {
    const doc = parse(ROUTING);
    doc.functions.sync.destinations = { onFailure: { type: 'sqs', arn: 'arn:aws:sqs:us-east-1:123456789012:ops-dlq' } };
    doc.functions.redeploy.destinations = { onFailure: 'arn:aws:sns:us-east-1:123456789012:ops-topic' };
    const rules = rulesFromServerless(doc);
    expect(rules.filter((r) => r.functionKey === 'sync').map((r) => r.onFailureQueue)).toEqual(['ops-dlq', 'ops-dlq']);
    expect(rules.filter((r) => r.functionKey === 'redeploy').map((r) => r.onFailureQueue)).toEqual([undefined, undefined]);
  });
});

describe('scheduledRulesFromServerless', () => {
  it('reads a schedule event with its rate and input', () => {
    // Act
    const schedules = scheduledRulesFromServerless(ROUTING);
    // Assess
    expect(schedules).toEqual([
      {
        name: 'keyroll-dev-sync-schedule-1',
        functionKey: 'sync',
        target: 'keyroll-dev-sync',
        expression: 'rate(1 hour)',
        enabled: true,
        input: { mode: 'reconcile' },
      },
    ]);
  });

  it('reads eventBridge schedules, short schedule forms and one rule per rate expression', () => {
    // Act
    const schedules = scheduledRulesFromServerless(RESOURCES, { functionNamePrefix: '' });
    // Assess
    expect(schedules.map((s) => [s.name, s.expression, s.enabled, s.input])).toEqual([
      [hashed(`${LONG_FUNCTION}-rule-2`, 'rule-2'), 'rate(1 day)', true, { mode: 'reconcile' }],
      [hashed(`${LONG_FUNCTION}-schedule-1`, 'schedule-1'), 'rate(5 minutes)', true, undefined],
      [hashed(`${LONG_FUNCTION}-schedule-2`, 'schedule-2'), 'cron(0 3 * * ? *)', false, { mode: 'report' }],
      [hashed(`${LONG_FUNCTION}-schedule-3`, 'schedule-3'), 'rate(2 hours)', false, { mode: 'report' }],
    ]);
    expect(new Set(schedules.map((s) => s.target))).toEqual(new Set(['reconcileEverySecretThatIsTagged']));
  });

  it.each([['rate(1 minutes)'], ['rate(5 minute)'], ['every 5 minutes'], ['cron(0 3 * * *)']])(
    'refuses the expression %s as serverless does',
    (expression) => {
      // Prepare
      const yml = `service: s\nfunctions:\n  f:\n    handler: f.h\n    events:\n      - schedule: '${expression}'\n`;
      // Act
      const read = () => scheduledRulesFromServerless(yml);
      // Assess
      expect(read).toThrow(ServerlessRulesError);
    },
  );
});

describe('scheduledEventFor', () => {
  const rule: ScheduledRule = { name: 'nightly', functionKey: 'sync', target: 'keyroll-dev-sync', expression: 'rate(1 day)', enabled: true };

  it('builds the aws.events Scheduled Event naming the rule', () => {
    // Act
    const event = scheduledEventFor(rule, { region: 'eu-west-1', accountId: '123456789012', now: () => new Date('2026-05-06T07:08:09.123Z') });
    // Assess
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-05-06T07:08:09Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/nightly'],
      detail: {},
    });
  });

  it('answers the rule input instead of the event when there is one', () => {
    // Act
    const event = scheduledEventFor({ ...rule, input: { mode: 'reconcile' } }, { region: 'us-east-1', accountId: '000000000000' });
    // Assess
    expect(event).toEqual({ mode: 'reconcile' });
  });
});

describe('fireScheduledRule', () => {
  it('invokes the target with the scheduled event and answers its result', async () => {
    // Prepare
    const calls: Array<[string, unknown]> = [];
    const invoke = async (name: string, payload: unknown) => {
      calls.push([name, payload]);
      return { reconciled: 3 };
    };
    const rule: ScheduledRule = { name: 'nightly', functionKey: 'sync', target: 'keyroll-dev-sync', expression: 'rate(1 day)', enabled: true };
    // Act
    const result = await fireScheduledRule({ invoke, region: 'us-east-1', accountId: '000000000000' }, rule);
    // Assess
    expect(result).toEqual({ reconciled: 3 });
    expect(calls).toEqual([['keyroll-dev-sync', expect.objectContaining({ 'detail-type': 'Scheduled Event', source: 'aws.events' })]]);
  });
});

describe('rateIntervalMs', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
    ['cron(0 3 * * ? *)', undefined],
  ])('answers the interval of %s', (expression, expected) => {
    expect(rateIntervalMs(expression)).toBe(expected);
  });
});
