import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type ReceiveMessageRequest,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { createTestSqsClient, useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';
import { createManualClock } from '../../support/awsFixtures.js';

const clock = createManualClock();
const MAX_WAIT_MS = 300;
const aws = useTestAws({ clock: () => clock.now(), sqs: { maxWaitMs: MAX_WAIT_MS } });
let sqs: SQSClient;
beforeAll(() => {
  sqs = createTestSqsClient(aws.endpoint, 1);
});

let counter = 0;
async function createQueue(label: string, attributes?: Record<string, string>): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: `${label}-${++counter}`, ...(attributes ? { Attributes: attributes } : {}) }));
  return out.QueueUrl!;
}

const send = (QueueUrl: string, MessageBody: string, DelaySeconds?: number) =>
  sqs.send(new SendMessageCommand({ QueueUrl, MessageBody, ...(DelaySeconds !== undefined ? { DelaySeconds } : {}) }));

const receive = async (QueueUrl: string, request: Omit<ReceiveMessageRequest, 'QueueUrl'> = {}) =>
  (await sqs.send(new ReceiveMessageCommand({ QueueUrl, ...request }))).Messages ?? [];

const countsOf = async (QueueUrl: string) => {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(out.Attributes?.ApproximateNumberOfMessagesDelayed),
  };
};

describe('SendMessage', () => {
  it('answers the message id and the MD5 of the body, and the queue holds the message', async () => {
    // Prepare
    const url = await createQueue('send');

    // Act
    const out = await send(url, '{"failed":"event"}');

    // Assess
    expect(out.MD5OfMessageBody).toBe(createHash('md5').update('{"failed":"event"}').digest('hex'));
    expect(aws.endpoint.sqs.messagesOf(url)).toEqual([
      expect.objectContaining({ messageId: out.MessageId, body: '{"failed":"event"}', receiveCount: 0, visible: true }),
    ]);
  });

  it('keeps message attributes and answers them to a receive that asks for them', async () => {
    // Prepare
    const url = await createQueue('attributes');
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'b',
        MessageAttributes: { source: { DataType: 'String', StringValue: 'keyroll' }, attempt: { DataType: 'Number', StringValue: '2' } },
      }),
    );

    // Act
    const [message] = await receive(url, { MessageAttributeNames: ['All'] });

    // Assess
    expect(message?.MessageAttributes).toEqual({
      source: { DataType: 'String', StringValue: 'keyroll' },
      attempt: { DataType: 'Number', StringValue: '2' },
    });
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
  });

  it('answers InvalidMessageContents for a character SQS does not allow, naming it', async () => {
    // Prepare
    const url = await createQueue('contents');

    // Act
    const err = await captureError(send(url, 'nul\u0000inside'));

    // Assess
    expect(err.name).toBe('InvalidMessageContents');
    expect(err.message).toContain("'#x0'");
  });

  it('answers InvalidParameterValue for a message over the queue MaximumMessageSize', async () => {
    // Prepare
    const url = await createQueue('size', { MaximumMessageSize: '1024' });

    // Act
    const err = await captureError(send(url, 'x'.repeat(1025)));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    });
  });

  it('keeps a message with DelaySeconds out of receives until the delay has passed', async () => {
    // Prepare
    const url = await createQueue('delay');
    await send(url, 'later', 60);

    // Act
    const during = await receive(url);
    const countsDuring = await countsOf(url);
    clock.advance(60_000);
    const after = await receive(url);

    // Assess
    expect({ during: during.length, countsDuring, after: after.map((m) => m.Body) }).toEqual({
      during: 0,
      countsDuring: { visible: 0, inFlight: 0, delayed: 1 },
      after: ['later'],
    });
  });
});

describe('SendMessageBatch', () => {
  it('sends up to 10 messages and answers each as successful', async () => {
    // Prepare
    const url = await createQueue('batch');
    const entries = Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body ${i}` }));

    // Act
    const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));

    // Assess
    expect(out.Successful?.map((s) => s.Id)).toEqual(entries.map((e) => e.Id));
    expect(out.Failed ?? []).toEqual([]);
    expect(aws.endpoint.sqs.messagesOf(url).map((m) => m.body)).toEqual(entries.map((e) => e.MessageBody));
  });

  it('answers TooManyEntriesInBatchRequest for 11 entries and sends none', async () => {
    // Prepare
    const url = await createQueue('eleven');
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'b' }));

    // Act
    const err = await captureError(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'TooManyEntriesInBatchRequest',
      message: 'Maximum number of entries per request are 10. You have sent 11.',
    });
    expect(aws.endpoint.sqs.messagesOf(url)).toEqual([]);
  });

  it.each([
    ['no entries', [], 'EmptyBatchRequest'],
    ['a repeated id', [{ Id: 'a', MessageBody: '1' }, { Id: 'a', MessageBody: '2' }], 'BatchEntryIdsNotDistinct'],
    ['an id with a dot', [{ Id: 'a.b', MessageBody: '1' }], 'InvalidBatchEntryId'],
  ])('answers the batch error for %s', async (_label, entries, expected) => {
    // Prepare
    const url = await createQueue('batch-error');

    // Act
    const err = await captureError(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })));

    // Assess
    expect(err.name).toBe(expected);
  });

  it('answers an entry SQS refuses as failed, with its code and sender fault, and sends the others', async () => {
    // Prepare
    const url = await createQueue('partial');

    // Act
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'good', MessageBody: 'fine' },
          { Id: 'bad', MessageBody: 'bell\u0007' },
        ],
      }),
    );

    // Assess
    expect(out.Successful?.map((s) => s.Id)).toEqual(['good']);
    expect(out.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.stringContaining("'#x7'") }]);
  });
});

describe('ReceiveMessage', () => {
  it('answers at most MaxNumberOfMessages messages, oldest first', async () => {
    // Prepare
    const url = await createQueue('max');
    for (const body of ['a', 'b', 'c']) await send(url, body);

    // Act
    const messages = await receive(url, { MaxNumberOfMessages: 2 });

    // Assess
    expect(messages.map((m) => m.Body)).toEqual(['a', 'b']);
  });

  it.each([0, 11])('answers InvalidParameterValue for MaxNumberOfMessages %i', async (max) => {
    // Prepare
    const url = await createQueue('bad-max');

    // Act
    const err = await captureError(receive(url, { MaxNumberOfMessages: max }));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'InvalidParameterValue',
      message: `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
    });
  });

  it('hides a received message for the queue visibility timeout, then answers it again with a higher receive count', async () => {
    // Prepare
    const url = await createQueue('visibility');
    await send(url, 'once');
    await receive(url);

    // Act
    const hidden = await receive(url);
    const countsHidden = await countsOf(url);
    clock.advance(30_000);
    const again = await receive(url, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });

    // Assess
    expect({
      hidden: hidden.length,
      countsHidden,
      again: again.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount]),
    }).toEqual({ hidden: 0, countsHidden: { visible: 0, inFlight: 1, delayed: 0 }, again: [['once', '2']] });
  });

  it('uses the VisibilityTimeout of the request instead of the queue one', async () => {
    // Prepare
    const url = await createQueue('own-timeout');
    await send(url, 'm');
    await receive(url, { VisibilityTimeout: 5 });

    // Act
    clock.advance(5_000);
    const again = await receive(url);

    // Assess
    expect(again.map((m) => m.Body)).toEqual(['m']);
  });

  it('answers the system attributes asked for: sender, sent time, receive count, first receive time', async () => {
    // Prepare
    const url = await createQueue('system');
    await send(url, 'm');

    // Act
    const [message] = await receive(url, { MessageSystemAttributeNames: ['All'] });

    // Assess
    expect(message?.Attributes).toEqual({
      SenderId: 'AIDALOCALENDPOINTUSER',
      SentTimestamp: String(clock.now().getTime()),
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: String(clock.now().getTime()),
    });
  });

  it('waits at most the endpoint maximum on an empty queue, however long WaitTimeSeconds asks', async () => {
    // Prepare
    const url = await createQueue('empty');
    const started = Date.now();

    // Act
    const messages = await receive(url, { WaitTimeSeconds: 20 });

    // Assess
    expect({ messages: messages.length, bounded: Date.now() - started < MAX_WAIT_MS + 1000 }).toEqual({ messages: 0, bounded: true });
  });

  it('answers a long poll as soon as a message arrives', async () => {
    // Prepare
    const url = await createQueue('long-poll');

    // Act
    const polling = receive(url, { WaitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 50));
    await send(url, 'arrived');
    const messages = await polling;

    // Assess
    expect(messages.map((m) => m.Body)).toEqual(['arrived']);
  });

  it('answers InvalidParameterValue for WaitTimeSeconds over 20', async () => {
    // Prepare
    const url = await createQueue('wait');

    // Act
    const err = await captureError(receive(url, { WaitTimeSeconds: 21 }));

    // Assess
    expect(err.name).toBe('InvalidParameterValue');
    expect(err.message).toContain('WaitTimeSeconds');
  });
});

describe('DeleteMessage and DeleteMessageBatch', () => {
  it('deletes the message a receipt handle names', async () => {
    // Prepare
    const url = await createQueue('delete');
    await send(url, 'm');
    const [message] = await receive(url);

    // Act
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle }));

    // Assess
    expect(aws.endpoint.sqs.messagesOf(url)).toEqual([]);
  });

  it('succeeds without deleting for the handle of an earlier receive, as AWS documents', async () => {
    // Prepare
    const url = await createQueue('stale');
    await send(url, 'm');
    const [first] = await receive(url, { VisibilityTimeout: 0 });
    await receive(url);

    // Act
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first!.ReceiptHandle }));

    // Assess
    expect(aws.endpoint.sqs.messagesOf(url).map((m) => m.receiveCount)).toEqual([2]);
  });

  it('answers ReceiptHandleIsInvalid for a handle it did not make', async () => {
    // Prepare
    const url = await createQueue('invalid-handle');

    // Act
    const err = await captureError(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'made-up' })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'ReceiptHandleIsInvalid',
      message: 'The input receipt handle "made-up" is not a valid receipt handle.',
    });
  });

  it('deletes a batch, answering an invalid handle as a failed entry', async () => {
    // Prepare
    const url = await createQueue('delete-batch');
    await send(url, 'a');
    await send(url, 'b');
    const messages = await receive(url, { MaxNumberOfMessages: 2 });

    // Act
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: messages[0]!.ReceiptHandle },
          { Id: 'b', ReceiptHandle: messages[1]!.ReceiptHandle },
          { Id: 'bad', ReceiptHandle: 'made-up' },
        ],
      }),
    );

    // Assess
    expect(out.Successful?.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(out.Failed).toEqual([
      { Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "made-up" is not a valid receipt handle.' },
    ]);
    expect(aws.endpoint.sqs.messagesOf(url)).toEqual([]);
  });
});

describe('ChangeMessageVisibility', () => {
  it('makes an in-flight message visible again at once with a timeout of 0', async () => {
    // Prepare
    const url = await createQueue('change');
    await send(url, 'm');
    const [message] = await receive(url);

    // Act
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 0 }));

    // Assess
    expect((await receive(url)).map((m) => m.Body)).toEqual(['m']);
  });

  it('answers MessageNotInflight for a message that is visible again', async () => {
    // Prepare
    const url = await createQueue('not-in-flight');
    await send(url, 'm');
    const [message] = await receive(url, { VisibilityTimeout: 1 });
    clock.advance(1_000);

    // Act
    const err = await captureError(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 10 })),
    );

    // Assess
    expect(err.name).toBe('MessageNotInflight');
  });
});

describe('PurgeQueue', () => {
  it('deletes every message, in-flight ones too', async () => {
    // Prepare
    const url = await createQueue('purge');
    await send(url, 'a');
    await send(url, 'b');
    await receive(url);

    // Act
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));

    // Assess
    expect(await countsOf(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('answers PurgeQueueInProgress for a second purge within 60 seconds', async () => {
    // Prepare
    const url = await createQueue('purge-twice');
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));

    // Act
    const err = await captureError(sqs.send(new PurgeQueueCommand({ QueueUrl: url })));

    // Assess
    expect(err.name).toBe('PurgeQueueInProgress');
    expect(err.message).toMatch(/^Only one PurgeQueue operation on purge-twice-\d+ is allowed every 60 seconds\.$/);
  });
});

describe('messagesOf', () => {
  it('reads a queue by name or URL without receiving its messages', async () => {
    // Prepare
    const url = await createQueue('peek');
    await send(url, 'm');
    const name = new URL(url).pathname.split('/').pop()!;

    // Act
    const byName = aws.endpoint.sqs.messagesOf(name);
    const byUrl = aws.endpoint.sqs.messagesOf(url);

    // Assess
    expect([byName, byUrl].map((list) => list.map((m) => [m.body, m.receiveCount]))).toEqual([[['m', 0]], [['m', 0]]]);
    expect((await receive(url)).length).toBe(1);
  });

  it('throws naming a queue that does not exist', () => {
    // Act
    const read = () => aws.endpoint.sqs.messagesOf('never-created');

    // Assess
    expect(read).toThrow('SQS queue never-created does not exist on the local endpoint');
  });
});
