import { describe, expect, it } from 'vitest';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DescribeEventBusCommand,
  ListEventBusesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { TestAws } from '../../support/endpoint.js';
import { recordInvocations, useFreshTestAws } from '../../support/awsFixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Each test gets an endpoint of its own; one attempt, so a refusal is not retried. */
const freshAws = useFreshTestAws(1);

const entry = (overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'keyroll',
  DetailType: 'Secret Rotated',
  Detail: JSON.stringify({ secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf' }),
  ...overrides,
});

/** Registers a handler that keeps what it receives, and a rule sending every keyroll event to it. */
function catchAll(aws: TestAws, functionName: string, eventBusName?: string): unknown[] {
  const received = recordInvocations(aws, functionName);
  aws.endpoint.eventBridge.addRule({
    name: `${functionName}-rule`,
    pattern: { source: ['keyroll'] },
    target: functionName,
    ...(eventBusName ? { eventBusName } : {}),
  });
  return received;
}

describe('EventBridge PutEvents', () => {
  it('answers an EventId per entry and no failures for valid entries', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const out = await aws.events.send(new PutEventsCommand({ Entries: [entry(), entry({ DetailType: 'Secret Synced' })] }));
    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    expect(out.Entries?.map((e) => e.EventId)).toEqual([expect.stringMatching(UUID), expect.stringMatching(UUID)]);
    expect(out.Entries?.[0]?.EventId).not.toBe(out.Entries?.[1]?.EventId);
  });

  it('delivers the full envelope built from the entry', async () => {
    // Prepare
    const aws = await freshAws({ accountId: '123456789012', region: 'eu-west-1' });
    const received = catchAll(aws, 'envelope-catcher');
    // Act
    const out = await aws.events.send(
      new PutEventsCommand({
        Entries: [entry({ Resources: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf'], Time: new Date('2026-03-04T05:06:07.890Z') })],
      }),
    );
    await aws.endpoint.idle();
    // Assess
    expect(received).toEqual([
      {
        version: '0',
        id: out.Entries?.[0]?.EventId,
        'detail-type': 'Secret Rotated',
        source: 'keyroll',
        account: '123456789012',
        time: '2026-03-04T05:06:07Z',
        region: 'eu-west-1',
        resources: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf'],
        detail: { secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf' },
      },
    ]);
  });

  it('stamps the event with the endpoint clock when the entry has no Time', async () => {
    // Prepare
    const aws = await freshAws({ clock: () => new Date('2026-01-02T03:04:05.678Z') });
    // Act
    await aws.events.send(new PutEventsCommand({ Entries: [entry()] }));
    // Assess
    expect(aws.endpoint.eventBridge.events.map((e) => e.time)).toEqual(['2026-01-02T03:04:05Z']);
  });

  it.each([
    ['a missing Source', { Source: undefined }, 'InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.'],
    ['a missing DetailType', { DetailType: undefined }, 'InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.'],
    ['a missing Detail', { Detail: undefined }, 'InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.'],
    ['a Detail that is not JSON', { Detail: '{"a":' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a JSON array, not an object', { Detail: '[1,2]' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Source in the aws. namespace', { Source: 'aws.secretsmanager' }, 'NotAuthorizedForSourceException', 'Not authorized for the source.'],
  ])('fails an entry with %s', async (_name, overrides, code, message) => {
    // Prepare
    const aws = await freshAws();
    // Act
    const out = await aws.events.send(new PutEventsCommand({ Entries: [entry(overrides as Partial<PutEventsRequestEntry>)] }));
    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries).toEqual([{ ErrorCode: code, ErrorMessage: message }]);
    expect(aws.endpoint.eventBridge.events).toHaveLength(0);
  });

  it('fails only the bad entries of a batch, keeping the request order', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const out = await aws.events.send(new PutEventsCommand({ Entries: [entry(), entry({ Detail: 'nope' }), entry()] }));
    // Assess
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.map((e) => e.EventId ?? e.ErrorCode)).toEqual([
      expect.stringMatching(UUID),
      'MalformedDetail',
      expect.stringMatching(UUID),
    ]);
    expect(aws.endpoint.eventBridge.events.map((e) => e.id)).toEqual([out.Entries?.[0]?.EventId, out.Entries?.[2]?.EventId]);
  });

  it('refuses more than 10 entries with ValidationException', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const put = aws.events.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) }));
    // Assess
    await expect(put).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Member must have length less than or equal to 10') });
  });

  it('refuses an empty list of entries with ValidationException', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const put = aws.events.send(new PutEventsCommand({ Entries: [] }));
    // Assess
    await expect(put).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('greater than or equal to 1') });
  });

  it.each([
    ['exactly 256 KB', 0, true],
    ['one byte over 256 KB', 1, false],
  ])('sizes entries as AWS documents it: %s in total', async (_name, extra, accepted) => {
    // Prepare: Time counts 14 bytes, then Source, DetailType, Detail and each resource in UTF-8.
    const aws = await freshAws();
    const fixed = 14 + 'keyroll'.length + 'Secret Rotated'.length + 'arn:r'.length + '{"p":""}'.length;
    // 'é' is one character but two bytes: counting characters would land one byte short.
    const content = 'x'.repeat(256 * 1024 - fixed + extra - 2) + 'é';
    const big = entry({ Time: new Date(), Resources: ['arn:r'], Detail: JSON.stringify({ p: content }) });
    // Act
    const put = aws.events.send(new PutEventsCommand({ Entries: [big] }));
    // Assess
    if (accepted) await expect(put).resolves.toMatchObject({ FailedEntryCount: 0 });
    else await expect(put).rejects.toMatchObject({ name: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' });
  });

  it('accepts an event for a bus that does not exist, and delivers it nowhere', async () => {
    // Prepare
    const aws = await freshAws();
    const received = catchAll(aws, 'default-bus-catcher');
    // Act
    const out = await aws.events.send(new PutEventsCommand({ Entries: [entry({ EventBusName: 'no-such-bus' })] }));
    await aws.endpoint.idle();
    // Assess
    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries?.[0]?.EventId).toMatch(UUID);
    expect(received).toEqual([]);
    expect(aws.endpoint.eventBridge.events).toEqual([]);
  });

  it('routes an entry naming its bus by ARN to the rules of that bus', async () => {
    // Prepare
    const aws = await freshAws();
    const received = catchAll(aws, 'custom-bus-catcher', 'keyroll-bus');
    // Act
    await aws.events.send(
      new PutEventsCommand({ Entries: [entry({ EventBusName: `arn:aws:events:us-east-1:000000000000:event-bus/keyroll-bus` })] }),
    );
    await aws.endpoint.idle();
    // Assess
    expect(received).toHaveLength(1);
  });
});

describe('EventBridge event buses', () => {
  it('creates a bus that then receives events', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const created = await aws.events.send(new CreateEventBusCommand({ Name: 'orders' }));
    await aws.events.send(new PutEventsCommand({ Entries: [entry({ EventBusName: 'orders' })] }));
    // Assess
    expect(created.EventBusArn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/orders');
    expect(aws.endpoint.eventBridge.events).toHaveLength(1);
  });

  it('lists the default bus and created buses', async () => {
    // Prepare
    const aws = await freshAws();
    await aws.events.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const out = await aws.events.send(new ListEventBusesCommand({}));
    // Assess
    expect(out.EventBuses?.map((b) => [b.Name, b.Arn])).toEqual([
      ['default', 'arn:aws:events:us-east-1:000000000000:event-bus/default'],
      ['orders', 'arn:aws:events:us-east-1:000000000000:event-bus/orders'],
    ]);
  });

  it('pages ListEventBuses with Limit and NextToken', async () => {
    // Prepare
    const aws = await freshAws();
    for (const name of ['b1', 'b2', 'b3']) await aws.events.send(new CreateEventBusCommand({ Name: name }));
    // Act
    const first = await aws.events.send(new ListEventBusesCommand({ NamePrefix: 'b', Limit: 2 }));
    const second = await aws.events.send(new ListEventBusesCommand({ NamePrefix: 'b', Limit: 2, NextToken: first.NextToken }));
    // Assess
    expect(first.EventBuses?.map((b) => b.Name)).toEqual(['b1', 'b2']);
    expect(second.EventBuses?.map((b) => b.Name)).toEqual(['b3']);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers ResourceAlreadyExistsException when creating the default bus', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const create = aws.events.send(new CreateEventBusCommand({ Name: 'default' }));
    // Assess
    await expect(create).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException', message: 'Event bus default already exists.' });
  });

  it('refuses to delete the default bus with ValidationException', async () => {
    // Prepare
    const aws = await freshAws();
    // Act
    const remove = aws.events.send(new DeleteEventBusCommand({ Name: 'default' }));
    // Assess
    await expect(remove).rejects.toMatchObject({ name: 'ValidationException', message: 'Cannot delete event bus default.' });
  });

  it('answers ResourceNotFoundException when describing a deleted bus', async () => {
    // Prepare
    const aws = await freshAws();
    await aws.events.send(new CreateEventBusCommand({ Name: 'short-lived' }));
    await aws.events.send(new DeleteEventBusCommand({ Name: 'short-lived' }));
    // Act
    const describe_ = aws.events.send(new DescribeEventBusCommand({ Name: 'short-lived' }));
    // Assess
    await expect(describe_).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Event bus short-lived does not exist.' });
  });
});
