import { beforeAll, describe, expect, it } from 'vitest';
import { GetResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { ListQueueTagsCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { CreateDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { createTestRdsClient, createTestSqsClient, useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';

const aws = useTestAws();
let sqs: SQSClient;
let rds: RDSClient;
beforeAll(() => {
  sqs = createTestSqsClient(aws.endpoint, 1);
  rds = createTestRdsClient(aws.endpoint, 1);
});

/** A request signed (in form only: the endpoint checks no signature) for `service`. */
const post = (service: string, headers: Record<string, string>, body: string) =>
  fetch(aws.endpoint.url, {
    method: 'POST',
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=local/20260301/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });

describe('an operation the endpoint does not emulate', () => {
  it('answers UnknownOperationException naming the service and operation over AWS JSON 1.1', async () => {
    // Act
    const err = await captureError(aws.sm.send(new GetResourcePolicyCommand({ SecretId: 'any' })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'UnknownOperationException',
      message: "secretsmanager.GetResourcePolicy is not emulated by keyroll's local endpoint",
    });
  });

  it('answers UnknownOperationException naming the service and operation over AWS JSON 1.0', async () => {
    // Act
    const err = await captureError(sqs.send(new ListQueueTagsCommand({ QueueUrl: `${aws.endpoint.url}/000000000000/q` })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'UnknownOperationException',
      message: "sqs.ListQueueTags is not emulated by keyroll's local endpoint",
    });
  });

  it('answers InvalidAction naming the service and operation over AWS Query', async () => {
    // Act
    const err = await captureError(rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'db', DBInstanceClass: 'db.t4g.micro', Engine: 'postgres' })));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'InvalidAction',
      message: "rds.CreateDBInstance is not emulated by keyroll's local endpoint",
    });
  });

  it('names a JSON service it does not emulate at all by the signing name of the request', async () => {
    // Act
    const res = await post('dynamodb', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, '{}');

    // Assess
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: expect.objectContaining({
        __type: 'UnknownOperationException',
        message: "dynamodb.ListTables is not emulated by keyroll's local endpoint",
      }),
    });
  });

  it('names a Query service it does not emulate at all by the signing name of the request, in XML', async () => {
    // Act
    const res = await post('sts', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=GetCallerIdentity&Version=2011-06-15');

    // Assess
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidAction</Code><Message>sts.GetCallerIdentity is not emulated by keyroll's local endpoint</Message>");
  });

  it('logs the refused call under its service and operation', async () => {
    // Prepare
    const before = aws.endpoint.requestLog.length;

    // Act
    await post('sts', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=AssumeRole&Version=2011-06-15');

    // Assess
    expect(aws.endpoint.requestLog.slice(before)).toEqual([expect.objectContaining({ service: 'sts', operation: 'AssumeRole', outcome: 'InvalidAction' })]);
  });

  it('answers a request that is neither AWS JSON, AWS Query nor Lambda Invoke with a message saying what it expects', async () => {
    // Act
    const res = await fetch(`${aws.endpoint.url}/some/path`, { method: 'PUT', body: 'x' });

    // Assess
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe(
      "PUT /some/path is not an AWS request keyroll's local endpoint understands: expected a POST with an X-Amz-Target header (AWS JSON), " +
        'a form-encoded body with an Action (AWS Query) or a POST to /2015-03-31/functions/{FunctionName}/invocations (Lambda Invoke)',
    );
  });

  it('answers MissingAction for a form-encoded request without an Action', async () => {
    // Act
    const res = await post('rds', { 'content-type': 'application/x-www-form-urlencoded' }, 'Version=2014-10-31');

    // Assess
    expect(await res.text()).toContain('<Code>MissingAction</Code>');
  });
});
