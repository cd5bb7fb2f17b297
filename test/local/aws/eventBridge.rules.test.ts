import { describe, expect, it } from 'vitest';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import type { TestAws } from '../../support/endpoint.js';
import { recordInvocations, useFreshTestAws } from '../../support/awsFixtures.js';

/** Each test gets an endpoint of its own; one attempt, so a refusal is not retried. */
const freshAws = useFreshTestAws(1);

const PATTERN = JSON.stringify({ source: ['keyroll'], 'detail-type': ['Secret Rotated'] });
const LAMBDA_ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const putRotated = (aws: TestAws, eventBusName?: string) =>
  aws.events.send(
    new PutEventsCommand({
      Entries: [{ Source: 'keyroll', DetailType: 'Secret Rotated', Detail: '{"name":"db"}', ...(eventBusName ? { EventBusName: eventBusName } : {}) }],
    }),
  );


describe('EventBridge rules API', () => {
  it('routes events to the Lambda targets of a rule created with PutRule and PutTargets', async () => {
    // Prepare
    const aws = await freshAws();
    const received = recordInvocations(aws, 'sync');
    await aws.events.send(new PutRuleCommand({ Name: 'api-rule', EventPattern: PATTERN }));
    await aws.events.send(new PutTargetsCommand({ Rule: 'api-rule', Targets: [{ Id: 'sync', Arn: LAMBDA_ARN('sync') }] }));
    // Act
    await putRotated(aws);
    await aws.endpoint.idle();
    // Assess
    expect(received).toHaveLength(1);
    expect(aws.endpoint.eventBridge.deliveries).toEqual([expect.objectContaining({ rule: 'api-rule', targetId: 'sync', target: 'sync', ok: true })]);
  });

  it('answers the rule ARN, with the bus name in it for a custom bus', async () => {
    // Prepare
    const aws = await freshAws();
    await aws.events.send(new CreateEventBusCommand({ Name: 'keyroll' }));
    // Act
    const onDefault = await aws.events.send(new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN }));
    const onCustom = await aws.events.send(new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN, EventBusName: 'keyroll' }));
    // Assess
    expect([onDefault.RuleArn, onCustom.RuleArn]).toEqual([
      'arn:aws:events:us-east-1:000000000000:rule/r1',
      'arn:aws:events:us-east-1:000000000000:rule/keyroll/r1',
    ]);
  });

  it.each([
    ['an empty value list', { source: [] }],
    ['a bare value instead of a list', { source: 'keyroll' }],
    ['an unknown operator', { source: [{ contains: 'k' }] }],
  ])('answers InvalidEventPatternException for a pattern with %s', async (_name, pattern) => {
    // Prepare
    const aws = await freshAws();
    // Act
    const put = aws.events.send(new PutRuleCommand({ Name: 'bad', EventPattern: JSON.stringify(pattern) }));
    // Assess
    await expect(put).rejects.toMatchObject({ name: 'InvalidEventPatternException', message: expect.stringMatching(/^Event pattern is not valid\. Reason: /) });
  });

  it('answers ValidationException for a rule with neither pattern nor schedule', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const put = aws.events.send(new PutRuleCommand({ Name: 'empty' }));
    // Assess
    await expect(put).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers ResourceNotFoundException for a rule on a bus that does not exist', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const put = aws.events.send(new PutRuleCommand({ Name: 'r', EventPattern: PATTERN, EventBusName: 'ghost' }));
    // Assess
    await expect(put).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Event bus ghost does not exist.' });
  });

  it('answers ResourceNotFoundException when describing a rule that does not exist', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const describe_ = aws.events.send(new DescribeRuleCommand({ Name: 'nope' }));
    // Assess
    await expect(describe_).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Rule nope does not exist on EventBus default.' });
  });

  it('lists rules read from serverless.yml next to rules created through the API', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ name: 'keyroll-dev-sync-rule-1', pattern: { source: ['keyroll'] }, target: 'keyroll-dev-sync' }] });
    await aws.events.send(new PutRuleCommand({ Name: 'api-rule', EventPattern: PATTERN, Description: 'made by a test' }));
    // Act
    const out = await aws.events.send(new ListRulesCommand({}));
    // Assess
    expect(out.Rules).toEqual([
      expect.objectContaining({ Name: 'keyroll-dev-sync-rule-1', EventPattern: '{"source":["keyroll"]}', State: 'ENABLED', EventBusName: 'default' }),
      expect.objectContaining({ Name: 'api-rule', EventPattern: PATTERN, Description: 'made by a test' }),
    ]);
  });

  it('lists the Lambda target of a rule read from serverless.yml', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ name: 'keyroll-dev-sync-rule-1', pattern: { source: ['keyroll'] }, target: 'keyroll-dev-sync' }] });
    // Act
    const out = await aws.events.send(new ListTargetsByRuleCommand({ Rule: 'keyroll-dev-sync-rule-1' }));
    // Assess
    expect(out.Targets).toEqual([{ Id: 'keyroll-dev-sync-rule-1-target', Arn: LAMBDA_ARN('keyroll-dev-sync') }]);
  });

  it('stops routing through a rule once it is disabled', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ name: 'to-sync', pattern: { source: ['keyroll'] }, target: 'sync' }] });
    const received = recordInvocations(aws, 'sync');
    await aws.events.send(new DisableRuleCommand({ Name: 'to-sync' }));
    // Act
    await putRotated(aws);
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([]);
  });

  it('refuses to delete a rule that still has targets', async () => {
    // Prepare
    const aws = await freshAws();
    await aws.events.send(new PutRuleCommand({ Name: 'held', EventPattern: PATTERN }));
    await aws.events.send(new PutTargetsCommand({ Rule: 'held', Targets: [{ Id: 't', Arn: LAMBDA_ARN('sync') }] }));
    // Act
    const remove = aws.events.send(new DeleteRuleCommand({ Name: 'held' }));
    // Assess
    await expect(remove).rejects.toMatchObject({ name: 'ValidationException', message: "Rule can't be deleted since it has targets." });
  });

  it('deletes a rule once its targets are removed', async () => {
    // Prepare
    const aws = await freshAws();
    await aws.events.send(new PutRuleCommand({ Name: 'released', EventPattern: PATTERN }));
    await aws.events.send(new PutTargetsCommand({ Rule: 'released', Targets: [{ Id: 't', Arn: LAMBDA_ARN('sync') }] }));
    await aws.events.send(new RemoveTargetsCommand({ Rule: 'released', Ids: ['t'] }));
    // Act
    await aws.events.send(new DeleteRuleCommand({ Name: 'released' }));
    // Assess
    const out = await aws.events.send(new ListRulesCommand({ NamePrefix: 'released' }));
    expect(out.Rules).toEqual([]);
  });

  it('records a delivery to a target that is not a Lambda function as failed', async () => {
    // Prepare
    const aws = await freshAws();
    await aws.events.send(new PutRuleCommand({ Name: 'to-queue', EventPattern: PATTERN }));
    await aws.events.send(new PutTargetsCommand({ Rule: 'to-queue', Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:queue' }] }));
    // Act
    await putRotated(aws);
    await aws.endpoint.idle();
    // Assess
    expect(aws.endpoint.eventBridge.deliveries).toEqual([expect.objectContaining({ targetId: 'q', ok: false, error: expect.stringContaining('not a Lambda function') })]);
  });

  it.each([
    ['matches', { source: ['keyroll'] }, true],
    ['does not match', { source: ['aws.ssm'] }, false],
  ])('answers TestEventPattern with the result of a pattern that %s', async (_name, pattern, expected) => {
    // Prepare
    const aws = await freshAws();
    const event = { id: '1', account: '000000000000', source: 'keyroll', time: '2026-01-01T00:00:00Z', region: 'us-east-1', resources: [], 'detail-type': 'x', detail: {} };
    // Act
    const out = await aws.events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }));
    // Assess
    expect(out.Result).toBe(expected);
  });
});
