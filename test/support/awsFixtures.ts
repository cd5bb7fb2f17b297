import { afterEach } from 'vitest';
import { CreateClusterCommand, RegisterTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { AwsEndpointOptions } from '../../local/aws/server.js';
import type { EventEnvelope } from '../../local/aws/types.js';
import { startTestAws, type TestAws } from './endpoint.js';

/**
 * Fixtures shared by the local AWS endpoint's suites (test/local/aws/): fresh endpoints per
 * test, in-process Lambda recorders, a hand-moved clock, a secret's version stages and a
 * ready ECS cluster.
 */

/**
 * A fresh endpoint per call, for tests that need one of their own: every endpoint started in
 * a test is drained and closed after it (an `afterEach` in the calling scope).
 * @param maxAttempts the SDK clients' attempts; 1 surfaces a refusal without retrying it.
 */
export function useFreshTestAws(maxAttempts = 3): (options?: AwsEndpointOptions) => Promise<TestAws> {
  const started: TestAws[] = [];
  afterEach(async () => {
    for (const aws of started.splice(0)) {
      await aws.endpoint.idle(10_000);
      await aws.endpoint.close();
    }
  });
  return async (options = {}) => {
    const aws = await startTestAws(options, maxAttempts);
    started.push(aws);
    return aws;
  };
}

/**
 * Registers (or replaces) an in-process Lambda function on the endpoint that keeps every
 * payload it is invoked with; returns the list it fills, in invocation order.
 */
export function recordInvocations(aws: TestAws, functionName: string): unknown[] {
  const received: unknown[] = [];
  aws.endpoint.lambdas.register(functionName, async (event) => {
    received.push(event);
  });
  return received;
}

/** An endpoint clock moved by hand, so each stage of a timed behaviour is observed without waiting. */
export interface ManualClock {
  now(): Date;
  advance(ms: number): void;
}

/** A manual clock starting at `start` (2026-03-01T12:00:00Z unless given). */
export function createManualClock(start = new Date('2026-03-01T12:00:00Z')): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

/** Registers a revision of task definition `family` with one container `app` (image `app:1`). */
export function registerAppTaskDefinition(ecs: ECSClient, family = 'app') {
  return ecs.send(new RegisterTaskDefinitionCommand({ family, containerDefinitions: [{ name: 'app', image: 'app:1' }] }));
}

/** Creates cluster `clusterName` and registers task definition family `app` for its services. */
export async function createClusterWithApp(ecs: ECSClient, clusterName: string): Promise<void> {
  await ecs.send(new CreateClusterCommand({ clusterName }));
  await registerAppTaskDefinition(ecs);
}

/** A secret's version stages by version id, as DescribeSecret answers them (empty when it has none). */
export async function readVersionStages(aws: TestAws, secretId: string): Promise<Record<string, string[]>> {
  return (await aws.sm.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
}

/** The "Secret Label Updated" detail Secrets Manager sends: the label and the version it moved to. */
export interface LabelUpdate {
  name: string;
  labelUpdated: string;
  versionId: string;
}

/** The "Secret Label Updated" events the endpoint put on its bus about one secret (by ARN), in order. */
export function labelUpdatesOf(aws: TestAws, secretArn: string): Array<EventEnvelope & { detail: LabelUpdate }> {
  return aws.endpoint.eventBridge.events.filter(
    (e): e is EventEnvelope & { detail: LabelUpdate } =>
      e.source === 'aws.secretsmanager' && e['detail-type'] === 'Secret Label Updated' && e.resources.includes(secretArn),
  );
}
