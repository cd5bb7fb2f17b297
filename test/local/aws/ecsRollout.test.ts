import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
  type DeploymentConfiguration,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import { useTestAws } from '../../support/endpoint.js';
import { createClusterWithApp, createManualClock, recordInvocations, useFreshTestAws } from '../../support/awsFixtures.js';

const ARN = 'arn:aws:ecs:us-east-1:000000000000';
const ROLLOUT_MS = 1_000;
const BREAKER_ROLLBACK: DeploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: true } };
/** `2020-05-23T11:11:11Z`, as in the events of AWS's developer guide. */
const SECONDS_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const BREAKER_ONLY: DeploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: false } };

async function createService(ecs: ECSClient, serviceName: string, deploymentConfiguration?: DeploymentConfiguration) {
  const out = await ecs.send(
    new CreateServiceCommand({ cluster: 'roll', serviceName, taskDefinition: 'app', desiredCount: 2, deploymentConfiguration }),
  );
  return out.service!;
}

async function describeService(ecs: ECSClient, name: string): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'roll', services: [name] }));
  return out.services![0]!;
}

const forceNewDeployment = (ecs: ECSClient, service: string) =>
  ecs.send(new UpdateServiceCommand({ cluster: 'roll', service, forceNewDeployment: true }));

describe('ECS emulation: the deployment of a new service', () => {
  const clock = createManualClock();
  const aws = useTestAws({ clock: clock.now, ecs: { rolloutMs: ROLLOUT_MS } });
  beforeAll(() => createClusterWithApp(aws.ecs, 'roll'));

  it('starts as one PRIMARY deployment IN_PROGRESS with its tasks pending', async () => {
    // Act
    const service = await createService(aws.ecs, 'fresh');

    // Assess
    expect(service.deployments).toHaveLength(1);
    expect(service.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      desiredCount: 2,
      pendingCount: 2,
      runningCount: 0,
      taskDefinition: `${ARN}:task-definition/app:1`,
    });
    expect(service.deployments?.[0]?.id).toMatch(/^ecs-svc\/\d{19}$/);
  });

  it('is COMPLETED with every task running once rolloutMs has passed', async () => {
    // Prepare
    const created = await createService(aws.ecs, 'settled');
    clock.advance(ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'settled');

    // Assess
    const id = created.deployments![0]!.id!;
    expect(service).toMatchObject({ runningCount: 2, pendingCount: 0 });
    expect(service.deployments).toEqual([
      expect.objectContaining({
        id,
        rolloutState: 'COMPLETED',
        rolloutStateReason: `ECS deployment ${id} completed.`,
        runningCount: 2,
        pendingCount: 0,
      }),
    ]);
  });

  it('records that the service reached a steady state, newest event first', async () => {
    // Prepare
    await createService(aws.ecs, 'steady');
    clock.advance(ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'steady');

    // Assess
    expect(service.events?.[0]?.message).toBe('(service steady) has reached a steady state.');
  });
});

describe('ECS emulation: a forced deployment', () => {
  const clock = createManualClock();
  const aws = useTestAws({ clock: clock.now, ecs: { rolloutMs: ROLLOUT_MS } });
  beforeAll(() => createClusterWithApp(aws.ecs, 'roll'));

  it('adds a PRIMARY deployment created now, IN_PROGRESS, beside the old one now ACTIVE', async () => {
    // Prepare
    const created = await createService(aws.ecs, 'forced');
    clock.advance(ROLLOUT_MS);
    clock.advance(60_000);

    // Act
    const out = await forceNewDeployment(aws.ecs, 'forced');

    // Assess
    const [primary, old] = out.service!.deployments!;
    expect(primary).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS', createdAt: clock.now(), runningCount: 0 });
    expect(primary?.rolloutStateReason).toBe(`ECS deployment ${primary?.id} in progress.`);
    expect(old).toMatchObject({ id: created.deployments![0]!.id, status: 'ACTIVE', runningCount: 2 });
    expect(out.service).toMatchObject({ runningCount: 2, desiredCount: 2 });
  });

  it('leaves only the new deployment, COMPLETED, rolloutMs later', async () => {
    // Prepare
    await createService(aws.ecs, 'replaced');
    clock.advance(ROLLOUT_MS);
    const forced = await forceNewDeployment(aws.ecs, 'replaced');
    clock.advance(ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'replaced');

    // Assess
    const id = forced.service!.deployments![0]!.id;
    expect(service.deployments?.map((d) => [d.id, d.status, d.rolloutState])).toEqual([[id, 'PRIMARY', 'COMPLETED']]);
  });

  it('is still IN_PROGRESS just before rolloutMs has passed', async () => {
    // Prepare
    await createService(aws.ecs, 'not-yet');
    clock.advance(ROLLOUT_MS);
    await forceNewDeployment(aws.ecs, 'not-yet');
    clock.advance(ROLLOUT_MS - 1);

    // Act
    const service = await describeService(aws.ecs, 'not-yet');

    // Assess
    expect(service.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    expect(service.deployments?.[0]?.rolloutState).toBe('IN_PROGRESS');
  });

  it('replaces a deployment still in progress: the newest is PRIMARY, both older ones ACTIVE', async () => {
    // Prepare
    await createService(aws.ecs, 'twice');
    clock.advance(ROLLOUT_MS);
    await forceNewDeployment(aws.ecs, 'twice');

    // Act
    const out = await forceNewDeployment(aws.ecs, 'twice');

    // Assess
    expect(out.service?.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE', 'ACTIVE']);
  });
});

describe('ECS emulation: failNextRollout (test knob)', () => {
  const clock = createManualClock();
  const aws = useTestAws({ clock: clock.now, ecs: { rolloutMs: ROLLOUT_MS } });
  beforeAll(() => createClusterWithApp(aws.ecs, 'roll'));

  /** A service with one completed deployment, whose next deployment is set to fail and then started. */
  async function failForcedDeployment(name: string, config?: DeploymentConfiguration) {
    const created = await createService(aws.ecs, name, config);
    clock.advance(ROLLOUT_MS);
    aws.endpoint.ecs.failNextRollout(name, 'roll');
    const forced = await forceNewDeployment(aws.ecs, name);
    clock.advance(ROLLOUT_MS);
    return { stableId: created.deployments![0]!.id!, failedId: forced.service!.deployments![0]!.id! };
  }

  it('fails the deployment with the circuit breaker and rolls back to the last completed one', async () => {
    // Prepare
    const { stableId, failedId } = await failForcedDeployment('rolled-back', BREAKER_ROLLBACK);

    // Act
    const service = await describeService(aws.ecs, 'rolled-back');

    // Assess
    const [rollback, failed] = service.deployments!;
    expect(rollback).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${stableId}.`,
    });
    expect(failed).toMatchObject({
      id: failedId,
      status: 'ACTIVE',
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      failedTasks: 3,
    });
  });

  it('records the failure and the rollback in the service events', async () => {
    // Prepare
    const { stableId, failedId } = await failForcedDeployment('logged', BREAKER_ROLLBACK);

    // Act
    const service = await describeService(aws.ecs, 'logged');

    // Assess
    expect(service.events?.slice(0, 2).map((e) => e.message)).toEqual([
      `(service logged) rolling back to deployment ${stableId}.`,
      `(service logged) (deployment ${failedId}) deployment failed: tasks failed to start.`,
    ]);
  });

  it('completes the rollback rolloutMs later, leaving only the rollback deployment', async () => {
    // Prepare
    const { failedId } = await failForcedDeployment('recovered', BREAKER_ROLLBACK);
    clock.advance(ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'recovered');

    // Assess
    expect(service.deployments).toHaveLength(1);
    expect(service.deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED', runningCount: 2 });
    expect(service.deployments?.[0]?.id).not.toBe(failedId);
  });

  it('leaves the FAILED deployment PRIMARY beside the old one when rollback is off', async () => {
    // Prepare
    const { stableId, failedId } = await failForcedDeployment('stuck-failed', BREAKER_ONLY);
    clock.advance(10 * ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'stuck-failed');

    // Assess
    expect(service.deployments?.map((d) => [d.id, d.status, d.rolloutState])).toEqual([
      [failedId, 'PRIMARY', 'FAILED'],
      [stableId, 'ACTIVE', 'COMPLETED'],
    ]);
  });

  it('keeps the deployment IN_PROGRESS for good when the circuit breaker is off', async () => {
    // Prepare
    const { failedId } = await failForcedDeployment('retrying');
    clock.advance(10 * ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'retrying');

    // Assess
    expect(service.deployments?.[0]).toMatchObject({
      id: failedId,
      status: 'PRIMARY',
      rolloutState: 'IN_PROGRESS',
      runningCount: 0,
    });
    expect(service.deployments).toHaveLength(2);
  });

  it('fails only the next deployment: the one after it completes', async () => {
    // Prepare
    await failForcedDeployment('once', BREAKER_ONLY);
    const retried = await forceNewDeployment(aws.ecs, 'once');
    clock.advance(ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'once');

    // Assess
    expect(service.deployments?.map((d) => [d.id, d.rolloutState])).toEqual([[retried.service!.deployments![0]!.id, 'COMPLETED']]);
  });

  it('fails a deployment that has nothing to roll back to without starting another', async () => {
    // Prepare
    aws.endpoint.ecs.failNextRollout(`${ARN}:service/roll/first-fails`);
    await aws.ecs.send(
      new CreateServiceCommand({
        cluster: 'roll',
        serviceName: 'first-fails',
        taskDefinition: 'app',
        desiredCount: 1,
        deploymentConfiguration: BREAKER_ROLLBACK,
      }),
    );
    clock.advance(ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'first-fails');

    // Assess
    expect(service.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'FAILED']]);
  });
});

describe('ECS emulation: ECS Deployment State Change events', () => {
  const clock = createManualClock();
  let received: Array<{ resources: string[]; detail: Record<string, string>; time: string }> = [];
  const aws = useTestAws({
    clock: clock.now,
    ecs: { rolloutMs: ROLLOUT_MS },
    rules: [
      {
        name: 'ecs-deployments',
        pattern: { source: ['aws.ecs'], 'detail-type': ['ECS Deployment State Change'] },
        target: 'collect',
      },
    ],
  });
  beforeAll(async () => {
    received = recordInvocations(aws, 'collect') as typeof received;
    await createClusterWithApp(aws.ecs, 'roll');
  });

  const eventsOf = (serviceArn: string) => received.filter((e) => e.resources.includes(serviceArn));

  it('publishes IN_PROGRESS when a forced deployment starts and COMPLETED when it completes', async () => {
    // Prepare
    const created = await createService(aws.ecs, 'announced');
    clock.advance(ROLLOUT_MS);
    const forced = await forceNewDeployment(aws.ecs, 'announced');
    const id = forced.service!.deployments![0]!.id!;
    clock.advance(ROLLOUT_MS);

    // Act
    await describeService(aws.ecs, 'announced');
    await aws.endpoint.idle();

    // Assess
    const mine = eventsOf(created.serviceArn!).filter((e) => e.detail.deploymentId === id);
    // Deliveries run in the background, so their order is not asserted.
    expect(mine).toHaveLength(2);
    expect(mine.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        {
          eventType: 'INFO',
          eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS',
          deploymentId: id,
          updatedAt: expect.stringMatching(SECONDS_ISO),
          reason: `ECS deployment ${id} in progress.`,
        },
        {
          eventType: 'INFO',
          eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
          deploymentId: id,
          updatedAt: expect.stringMatching(SECONDS_ISO),
          reason: `ECS deployment ${id} completed.`,
        },
      ]),
    );
  });

  it('stamps a completion with the instant it fell due, not the instant it was observed', async () => {
    // Prepare
    await createService(aws.ecs, 'stamped');
    const due = new Date(clock.now().getTime() + ROLLOUT_MS);
    clock.advance(5 * ROLLOUT_MS);

    // Act
    const service = await describeService(aws.ecs, 'stamped');
    await aws.endpoint.idle();

    // Assess
    const completed = eventsOf(service.serviceArn!).find((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_COMPLETED');
    expect(new Date(completed!.time).getTime()).toBe(due.getTime());
    expect(service.deployments?.[0]?.updatedAt).toEqual(due);
  });

  it('publishes SERVICE_DEPLOYMENT_FAILED as an ERROR when the circuit breaker trips', async () => {
    // Prepare
    const created = await createService(aws.ecs, 'announced-failure', BREAKER_ROLLBACK);
    clock.advance(ROLLOUT_MS);
    aws.endpoint.ecs.failNextRollout('announced-failure', 'roll');
    const forced = await forceNewDeployment(aws.ecs, 'announced-failure');
    clock.advance(ROLLOUT_MS);

    // Act
    aws.endpoint.ecs.advance();
    await aws.endpoint.idle();

    // Assess
    const failed = eventsOf(created.serviceArn!).find((e) => e.detail.eventName === 'SERVICE_DEPLOYMENT_FAILED');
    expect(failed?.detail).toMatchObject({
      eventType: 'ERROR',
      deploymentId: forced.service!.deployments![0]!.id,
      reason: 'ECS deployment circuit breaker: tasks failed to start.',
    });
  });
});

describe('ECS emulation: waitUntilServicesStable from @aws-sdk/client-ecs', () => {
  const aws = useTestAws({ ecs: { rolloutMs: 200 } });
  beforeAll(() => createClusterWithApp(aws.ecs, 'roll'));
  const fast = { minDelay: 0.05, maxDelay: 0.2, maxWaitTime: 20 };

  it('succeeds once a forced deployment has completed, with that deployment PRIMARY', async () => {
    // Prepare
    await createService(aws.ecs, 'waited');
    await waitUntilServicesStable({ client: aws.ecs, ...fast }, { cluster: 'roll', services: ['waited'] });
    const forced = await forceNewDeployment(aws.ecs, 'waited');

    // Act
    const result = await waitUntilServicesStable({ client: aws.ecs, ...fast }, { cluster: 'roll', services: ['waited'] });

    // Assess
    expect(result.state).toBe('SUCCESS');
    const service = await describeService(aws.ecs, 'waited');
    expect(service.deployments?.map((d) => d.id)).toEqual([forced.service!.deployments![0]!.id]);
  });

  it('fails at once for a service that does not exist', async () => {
    // Act
    const act = waitUntilServicesStable({ client: aws.ecs, ...fast }, { cluster: 'roll', services: ['never-created'] });

    // Assess
    await expect(act).rejects.toThrow(/"state":"FAILURE".*"reason":"MISSING"/);
  });
});

describe('ECS emulation: rolloutMs 0', () => {
  const freshAws = useFreshTestAws();

  it('completes a forced deployment within the UpdateService call', async () => {
    // Prepare
    const aws = await freshAws({ ecs: { rolloutMs: 0 } });
    await createClusterWithApp(aws.ecs, 'roll');
    await createService(aws.ecs, 'instant');

    // Act
    const out = await forceNewDeployment(aws.ecs, 'instant');

    // Assess
    expect(out.service?.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([['PRIMARY', 'COMPLETED']]);
  });
});
