import { describe, expect, it } from 'vitest';
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { recordInvocations, useFreshTestAws } from '../../support/awsFixtures.js';
import type { EventEnvelope } from '../../../local/aws/types.js';

/** Each test gets an endpoint of its own; one attempt, so a refusal is not retried. */
const freshAws = useFreshTestAws(1);

const rotated = (detail: Record<string, unknown> = { name: 'db' }, overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'keyroll',
  DetailType: 'Secret Rotated',
  Detail: JSON.stringify(detail),
  ...overrides,
});


const ROTATED_RULE = { name: 'sync-on-rotation', pattern: { source: ['keyroll'], 'detail-type': ['Secret Rotated'] }, target: 'sync' };

describe('EventBridge routing', () => {
  it('invokes the target of a matching rule with the event envelope', async () => {
    // Prepare
    const aws = await freshAws({ rules: [ROTATED_RULE] });
    const received = recordInvocations(aws, 'sync');
    // Act
    const out = await aws.events.send(new PutEventsCommand({ Entries: [rotated({ name: 'db' })] }));
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([expect.objectContaining({ id: out.Entries?.[0]?.EventId, source: 'keyroll', detail: { name: 'db' } })]);
  });

  it('does not invoke the target when the pattern does not match', async () => {
    // Prepare
    const aws = await freshAws({ rules: [ROTATED_RULE] });
    const received = recordInvocations(aws, 'sync');
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated({}, { DetailType: 'Secret Synced' })] }));
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([]);
    expect(aws.endpoint.eventBridge.deliveries).toEqual([]);
  });

  it('matches on the content of the detail', async () => {
    // Prepare
    const aws = await freshAws({
      rules: [{ name: 'prod-only', pattern: { source: ['keyroll'], detail: { name: [{ prefix: 'prod/' }] } }, target: 'sync' }],
    });
    const received = recordInvocations(aws, 'sync');
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated({ name: 'dev/db' }), rotated({ name: 'prod/db' })] }));
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([expect.objectContaining({ detail: { name: 'prod/db' } })]);
  });

  it('does not route an event to a rule of another bus', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ ...ROTATED_RULE, eventBusName: 'keyroll' }] });
    const received = recordInvocations(aws, 'sync');
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated()] }));
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([]);
  });

  it('invokes the target of every matching rule', async () => {
    // Prepare
    const aws = await freshAws({
      rules: [ROTATED_RULE, { name: 'audit-everything', pattern: { source: [{ exists: true }] }, target: 'audit' }],
    });
    const synced = recordInvocations(aws, 'sync');
    const audited = recordInvocations(aws, 'audit');
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated()] }));
    await aws.endpoint.idle();
    // Assess
    expect([synced.length, audited.length]).toEqual([1, 1]);
  });

  it('records a failed delivery without stopping the delivery to other targets', async () => {
    // Prepare
    const aws = await freshAws({
      rules: [ROTATED_RULE, { name: 'broken', pattern: { source: ['keyroll'] }, target: 'explodes' }],
    });
    const synced = recordInvocations(aws, 'sync');
    aws.endpoint.lambdas.register('explodes', async () => {
      throw new Error('handler failed on purpose');
    });
    // Act
    const out = await aws.events.send(new PutEventsCommand({ Entries: [rotated()] }));
    await aws.endpoint.idle();
    // Assess
    const eventId = out.Entries?.[0]?.EventId;
    expect(synced).toHaveLength(1);
    expect(aws.endpoint.eventBridge.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'sync-on-rotation', target: 'sync', eventId, ok: true }),
        expect.objectContaining({ rule: 'broken', target: 'explodes', eventId, ok: false, error: 'handler failed on purpose' }),
      ]),
    );
  });

  it('records a delivery to a function that does not exist as failed', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ ...ROTATED_RULE, target: 'missing-function' }] });
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated()] }));
    await aws.endpoint.idle();
    // Assess
    expect(aws.endpoint.eventBridge.deliveries).toEqual([
      expect.objectContaining({ target: 'missing-function', ok: false, error: expect.stringContaining('missing-function') }),
    ]);
  });

  it('routes nothing through a disabled rule', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ ...ROTATED_RULE, enabled: false }] });
    const received = recordInvocations(aws, 'sync');
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated()] }));
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([]);
  });

  it('delivers the rule input instead of the event when the rule has one', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ ...ROTATED_RULE, input: { mode: 'reconcile' } }] });
    const received = recordInvocations(aws, 'sync');
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated()] }));
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([{ mode: 'reconcile' }]);
  });

  it('delivers the part of the event named by the rule inputPath', async () => {
    // Prepare
    const aws = await freshAws({ rules: [{ ...ROTATED_RULE, inputPath: '$.detail' }] });
    const received = recordInvocations(aws, 'sync');
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated({ name: 'db', versionId: 'v2' })] }));
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([{ name: 'db', versionId: 'v2' }]);
  });

  it('routes aws.* events published by the other emulations, which PutEvents would refuse', async () => {
    // Prepare
    const aws = await freshAws({
      rules: [{ name: 'ssm-changes', pattern: { source: ['aws.ssm'], 'detail-type': ['Parameter Store Change'] }, target: 'redeploy' }],
    });
    const received = recordInvocations(aws, 'redeploy');
    // Act
    const envelope = aws.endpoint.eventBridge.publish({
      source: 'aws.ssm',
      detailType: 'Parameter Store Change',
      detail: { operation: 'Update', name: '/app/db/password', type: 'SecureString' },
      resources: ['arn:aws:ssm:us-east-1:000000000000:parameter/app/db/password'],
    });
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([envelope]);
    expect((received[0] as EventEnvelope).account).toBe('000000000000');
  });

  it('gives the target its own copy of the event', async () => {
    // Prepare
    const aws = await freshAws({ rules: [ROTATED_RULE] });
    aws.endpoint.lambdas.register('sync', async (event) => {
      (event as { detail: { name: string } }).detail.name = 'mutated';
    });
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [rotated({ name: 'db' })] }));
    await aws.endpoint.idle();
    // Assess
    expect(aws.endpoint.eventBridge.events[0]?.detail).toEqual({ name: 'db' });
  });
});
