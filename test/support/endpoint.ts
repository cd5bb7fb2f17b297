import { afterAll, beforeAll } from 'vitest';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startAwsEndpoint, type AwsEndpoint, type AwsEndpointOptions } from '../../local/aws/server.js';
import {
  createEcsClient,
  createEventBridgeClient,
  createSecretsManagerClient,
  createSsmClient,
} from '../../src/aws.js';

export interface TestAws {
  endpoint: AwsEndpoint;
  sm: ReturnType<typeof createSecretsManagerClient>;
  ssm: ReturnType<typeof createSsmClient>;
  ecs: ReturnType<typeof createEcsClient>;
  events: ReturnType<typeof createEventBridgeClient>;
}

/** Starts a fresh local AWS endpoint on a free loopback port, with real SDK clients pointed at it. */
export async function startTestAws(options: AwsEndpointOptions = {}, maxAttempts = 3): Promise<TestAws> {
  const endpoint = await startAwsEndpoint(options);
  const o = { endpoint: endpoint.url, region: endpoint.region, maxAttempts };
  return {
    endpoint,
    sm: createSecretsManagerClient(o),
    ssm: createSsmClient(o),
    ecs: createEcsClient(o),
    events: createEventBridgeClient(o),
  };
}

/** One endpoint for the whole file: started before all tests, closed after. */
export function useTestAws(options: AwsEndpointOptions = {}, maxAttempts = 3): TestAws {
  const holder = {} as TestAws;
  beforeAll(async () => {
    Object.assign(holder, await startTestAws(options, maxAttempts));
  });
  afterAll(async () => {
    await holder.endpoint?.idle(10_000).catch(() => undefined);
    await holder.endpoint?.close();
  });
  return holder;
}

/** An RDS client (AWS Query) for a test endpoint; keyroll's src/aws.ts builds none of its own for tests. */
export function createTestRdsClient(endpoint: AwsEndpoint, maxAttempts = 3): RDSClient {
  return new RDSClient({ endpoint: endpoint.url, region: endpoint.region, maxAttempts });
}

/** An SQS client (AWS JSON 1.0) for a test endpoint. */
export function createTestSqsClient(endpoint: AwsEndpoint, maxAttempts = 3): SQSClient {
  return new SQSClient({ endpoint: endpoint.url, region: endpoint.region, maxAttempts });
}

/** A Lambda client (REST-JSON) for a test endpoint: its Invoke reaches `endpoint.lambdas`. */
export function createTestLambdaClient(endpoint: AwsEndpoint, maxAttempts = 3): LambdaClient {
  return new LambdaClient({ endpoint: endpoint.url, region: endpoint.region, maxAttempts });
}
