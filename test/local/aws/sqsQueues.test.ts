import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createTestSqsClient, useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';

const aws = useTestAws();
let sqs: SQSClient;
beforeAll(() => {
  sqs = createTestSqsClient(aws.endpoint, 1);
});

let counter = 0;
const uniqueName = (label: string) => `${label}-${++counter}`;

describe('CreateQueue', () => {
  it('answers the URL http://127.0.0.1:<port>/<account>/<name>', async () => {
    // Prepare
    const name = uniqueName('orders');

    // Act
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));

    // Assess
    expect(out.QueueUrl).toBe(`${aws.endpoint.url}/000000000000/${name}`);
  });

  it('answers the same URL for a queue that exists with the same attributes', async () => {
    // Prepare
    const name = uniqueName('again');
    const first = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));

    // Act
    const second = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60' } }));

    // Assess
    expect(second.QueueUrl).toBe(first.QueueUrl);
  });

  it('answers QueueNameExists (code QueueAlreadyExists) for a queue that exists with another attribute value', async () => {
    // Prepare
    const name = uniqueName('clash');
    await sqs.send(new CreateQueueCommand({ QueueName: name }));

    // Act
    const err = (await captureError(sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '5' } })))) as Error & {
      Code?: string;
    };

    // Assess
    expect({ name: err.name, code: err.Code, message: err.message }).toEqual({
      name: 'QueueNameExists',
      code: 'QueueAlreadyExists',
      message: 'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
    });
  });

  it('answers InvalidParameterValue for a name with a character outside letters, digits, - and _', async () => {
    // Act
    const err = await captureError(sqs.send(new CreateQueueCommand({ QueueName: 'bad name' })));

    // Assess
    expect(err.name).toBe('InvalidParameterValue');
  });

  it('refuses a FIFO queue with a message saying FIFO is not emulated', async () => {
    // Act
    const err = await captureError(sqs.send(new CreateQueueCommand({ QueueName: 'events.fifo', Attributes: { FifoQueue: 'true' } })));

    // Assess
    expect(err.message).toContain('FIFO queues are not emulated');
  });

  it('answers InvalidAttributeName for an attribute SQS does not have', async () => {
    // Act
    // The SDK types Attributes by the names SQS knows; the wire carries any string.
    const attributes = { Colour: 'blue' } as Record<string, string>;
    const err = await captureError(sqs.send(new CreateQueueCommand({ QueueName: uniqueName('attr'), Attributes: attributes })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({ name: 'InvalidAttributeName', message: 'Unknown Attribute Colour.' });
  });

  it('answers InvalidAttributeValue for a VisibilityTimeout over 12 hours', async () => {
    // Act
    const err = await captureError(
      sqs.send(new CreateQueueCommand({ QueueName: uniqueName('long'), Attributes: { VisibilityTimeout: '43201' } })),
    );

    // Assess
    expect(err.name).toBe('InvalidAttributeValue');
    expect(err.message).toContain('VisibilityTimeout');
  });
});

describe('GetQueueUrl, ListQueues and DeleteQueue', () => {
  it('answers the URL of a queue by name', async () => {
    // Prepare
    const name = uniqueName('lookup');
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));

    // Act
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));

    // Assess
    expect(out.QueueUrl).toBe(created.QueueUrl);
  });

  it('answers QueueDoesNotExist (code AWS.SimpleQueueService.NonExistentQueue) for an unknown name', async () => {
    // Act
    const err = (await captureError(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })))) as Error & { Code?: string };

    // Assess
    expect({ name: err.name, code: err.Code, message: err.message }).toEqual({
      name: 'QueueDoesNotExist',
      code: 'AWS.SimpleQueueService.NonExistentQueue',
      message: 'The specified queue does not exist.',
    });
  });

  it('lists the queues whose names begin with a prefix', async () => {
    // Prepare
    const prefix = uniqueName('listed');
    await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-a` }));
    await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-b` }));

    // Act
    const out = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));

    // Assess
    expect(out.QueueUrls).toEqual([`${aws.endpoint.url}/000000000000/${prefix}-a`, `${aws.endpoint.url}/000000000000/${prefix}-b`]);
  });

  it('deletes a queue so that its URL no longer answers', async () => {
    // Prepare
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('gone') }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));

    // Act
    const err = await captureError(sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })));

    // Assess
    expect(err.name).toBe('QueueDoesNotExist');
  });
});

describe('GetQueueAttributes', () => {
  it('answers the queue ARN, AWS defaults and the message counts', async () => {
    // Prepare
    const name = uniqueName('attrs');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));

    // Act
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));

    // Assess
    expect(out.Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      VisibilityTimeout: '30',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
    });
  });

  it('answers only the attributes asked for', async () => {
    // Prepare
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('some') }));

    // Act
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }));

    // Assess
    expect(Object.keys(out.Attributes ?? {}).sort()).toEqual(['ApproximateNumberOfMessages', 'QueueArn']);
  });

  it('answers QueueDoesNotExist for the URL of a queue of another account', async () => {
    // Prepare
    const name = uniqueName('other-account');
    await sqs.send(new CreateQueueCommand({ QueueName: name }));

    // Act
    const err = await captureError(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: `${aws.endpoint.url}/111111111111/${name}`, AttributeNames: ['All'] })),
    );

    // Assess
    expect(err.name).toBe('QueueDoesNotExist');
  });
});

describe('SQS over AWS JSON 1.0', () => {
  it('answers an error with a namespaced __type, the x-amzn-query-error header and the JSON 1.0 content type', async () => {
    // Act
    const res = await fetch(aws.endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
      body: JSON.stringify({ QueueName: 'no-such-queue' }),
    });

    // Assess
    expect({
      status: res.status,
      contentType: res.headers.get('content-type'),
      queryError: res.headers.get('x-amzn-query-error'),
      body: await res.json(),
    }).toEqual({
      status: 400,
      contentType: 'application/x-amz-json-1.0',
      queryError: 'AWS.SimpleQueueService.NonExistentQueue;Sender',
      body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' },
    });
  });

  it('logs each call as sqs.<operation>', async () => {
    // Prepare
    const before = aws.endpoint.count('sqs.CreateQueue');

    // Act
    await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('logged') }));

    // Assess
    expect(aws.endpoint.count('sqs.CreateQueue')).toBe(before + 1);
  });
});
