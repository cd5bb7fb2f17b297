import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ListServicesCommand,
  paginateListServices,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { useTestAws } from '../../support/endpoint.js';
import { createClusterWithApp, createManualClock, registerAppTaskDefinition, useFreshTestAws } from '../../support/awsFixtures.js';

const ARN = 'arn:aws:ecs:us-east-1:000000000000';
const ROLLOUT_MS = 1_000;

const createService = (ecs: ECSClient, input: Partial<CreateServiceCommandInput> & { serviceName: string }) =>
  ecs.send(new CreateServiceCommand({ cluster: 'svc', taskDefinition: 'app', desiredCount: 2, ...input }));

describe('ECS emulation: CreateService', () => {
  const clock = createManualClock();
  const aws = useTestAws({ clock: clock.now, ecs: { rolloutMs: ROLLOUT_MS } });
  beforeAll(async () => {
    await createClusterWithApp(aws.ecs, 'svc');
  });

  it('names the service with a long-format ARN and resolves the family to its revision ARN', async () => {
    // Act
    const out = await createService(aws.ecs, { serviceName: 'created' });

    // Assess
    expect(out.service).toMatchObject({
      serviceArn: `${ARN}:service/svc/created`,
      clusterArn: `${ARN}:cluster/svc`,
      status: 'ACTIVE',
      desiredCount: 2,
      taskDefinition: `${ARN}:task-definition/app:1`,
      launchType: 'EC2',
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
    });
  });

  it('fills the deployment configuration AWS defaults to', async () => {
    // Act
    const out = await createService(aws.ecs, { serviceName: 'defaults' });

    // Assess
    expect(out.service?.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    });
  });

  it('keeps the circuit breaker and percentages it is given', async () => {
    // Act
    const out = await createService(aws.ecs, {
      serviceName: 'breaker',
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        minimumHealthyPercent: 50,
        maximumPercent: 150,
      },
    });

    // Assess
    expect(out.service?.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 150,
      minimumHealthyPercent: 50,
    });
  });

  it('places the service in the cluster named "default" when none is given', async () => {
    // Prepare
    await aws.ecs.send(new CreateClusterCommand({}));

    // Act
    const out = await aws.ecs.send(new CreateServiceCommand({ serviceName: 'in-default', taskDefinition: 'app', desiredCount: 1 }));

    // Assess
    expect(out.service?.serviceArn).toBe(`${ARN}:service/default/in-default`);
  });

  it('answers ClusterNotFoundException for a cluster that does not exist', async () => {
    // Act
    const act = createService(aws.ecs, { serviceName: 'nowhere', cluster: 'no-such-cluster' });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClusterNotFoundException', message: 'Cluster not found.' });
  });

  it('answers InvalidParameterException for a name already taken in the cluster', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'taken' });

    // Act
    const act = createService(aws.ecs, { serviceName: 'taken' });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Creation of service was not idempotent.',
    });
  });

  it('answers ClientException for a task definition that does not exist', async () => {
    // Act
    const act = createService(aws.ecs, { serviceName: 'no-td', taskDefinition: 'never-registered' });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClientException', message: 'TaskDefinition not found.' });
  });

  it('answers ClientException for an INACTIVE task definition revision', async () => {
    // Prepare
    await registerAppTaskDefinition(aws.ecs, 'retired-app');
    await aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'retired-app:1' }));

    // Act
    const act = createService(aws.ecs, { serviceName: 'inactive-td', taskDefinition: 'retired-app:1' });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClientException', message: 'TaskDefinition is inactive' });
  });

  it('answers InvalidParameterException when desiredCount is missing for a REPLICA service', async () => {
    // Act
    const act = aws.ecs.send(new CreateServiceCommand({ cluster: 'svc', serviceName: 'no-count', taskDefinition: 'app' }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('ECS emulation: ListServices', () => {
  const aws = useTestAws({ ecs: { rolloutMs: 0 } });
  const created: string[] = [];
  beforeAll(async () => {
    await aws.ecs.send(new CreateClusterCommand({ clusterName: 'many' }));
    await aws.ecs.send(new CreateClusterCommand({ clusterName: 'empty' }));
    await registerAppTaskDefinition(aws.ecs);
    for (let i = 0; i < 120; i++) {
      const out = await createService(aws.ecs, { cluster: 'many', serviceName: `svc-${String(i).padStart(3, '0')}`, desiredCount: 1 });
      created.push(out.service!.serviceArn!);
    }
  });

  it('answers 10 service ARNs per page when maxResults is not given', async () => {
    // Act
    const out = await aws.ecs.send(new ListServicesCommand({ cluster: 'many' }));

    // Assess
    expect(out.serviceArns).toEqual(created.slice(0, 10));
    expect(out.nextToken).toEqual(expect.any(String));
  });

  it('pages 120 services as 100 then 20 with maxResults 100', async () => {
    // Act
    const first = await aws.ecs.send(new ListServicesCommand({ cluster: 'many', maxResults: 100 }));
    const second = await aws.ecs.send(new ListServicesCommand({ cluster: 'many', maxResults: 100, nextToken: first.nextToken }));

    // Assess
    expect(first.serviceArns).toEqual(created.slice(0, 100));
    expect(second.serviceArns).toEqual(created.slice(100));
    expect(second.nextToken).toBeUndefined();
  });

  it('lists every service once through the SDK paginator', async () => {
    // Act
    const all: string[] = [];
    for await (const page of paginateListServices({ client: aws.ecs, pageSize: 100 }, { cluster: `${ARN}:cluster/many` })) {
      all.push(...(page.serviceArns ?? []));
    }

    // Assess
    expect(all).toEqual(created);
  });

  it('answers an empty list for a cluster without services', async () => {
    // Act
    const out = await aws.ecs.send(new ListServicesCommand({ cluster: 'empty' }));

    // Assess
    expect(out.serviceArns).toEqual([]);
    expect(out.nextToken).toBeUndefined();
  });

  it.each([0, 101])('answers InvalidParameterException for maxResults %i', async (maxResults) => {
    // Act
    const act = aws.ecs.send(new ListServicesCommand({ cluster: 'many', maxResults }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('answers ClusterNotFoundException for a cluster that does not exist', async () => {
    // Act
    const act = aws.ecs.send(new ListServicesCommand({ cluster: 'no-such-cluster' }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });
});

describe('ECS emulation: DescribeServices', () => {
  const aws = useTestAws({ ecs: { rolloutMs: 0 } });
  beforeAll(async () => {
    await createClusterWithApp(aws.ecs, 'svc');
    await createService(aws.ecs, { serviceName: 'one', tags: [{ key: 'team', value: 'core' }] });
    await createService(aws.ecs, { serviceName: 'two' });
  });

  it('describes services by name and by ARN, in the order asked', async () => {
    // Act
    const out = await aws.ecs.send(
      new DescribeServicesCommand({ cluster: 'svc', services: [`${ARN}:service/svc/two`, 'one'] }),
    );

    // Assess
    expect(out.services?.map((s) => s.serviceName)).toEqual(['two', 'one']);
    expect(out.failures).toEqual([]);
  });

  it('reports services that do not exist as MISSING failures next to the ones found', async () => {
    // Act
    const out = await aws.ecs.send(
      new DescribeServicesCommand({ cluster: 'svc', services: ['one', 'ghost', `${ARN}:service/svc/phantom`] }),
    );

    // Assess
    expect(out.services?.map((s) => s.serviceName)).toEqual(['one']);
    expect(out.failures).toEqual([
      { arn: `${ARN}:service/svc/ghost`, reason: 'MISSING' },
      { arn: `${ARN}:service/svc/phantom`, reason: 'MISSING' },
    ]);
  });

  it('reports a service ARN of another cluster as MISSING', async () => {
    // Act
    const out = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'svc', services: [`${ARN}:service/elsewhere/one`] }));

    // Assess
    expect(out.failures).toEqual([{ arn: `${ARN}:service/elsewhere/one`, reason: 'MISSING' }]);
  });

  it('answers InvalidParameterException for more than 10 services', async () => {
    // Act
    const act = aws.ecs.send(
      new DescribeServicesCommand({ cluster: 'svc', services: Array.from({ length: 11 }, (_, i) => `s${i}`) }),
    );

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'service names can have at most 10 items.',
    });
  });

  it('answers the tags only when asked to include TAGS', async () => {
    // Act
    const plain = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'svc', services: ['one'] }));
    const tagged = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'svc', services: ['one'], include: ['TAGS'] }));

    // Assess
    expect(plain.services?.[0]?.tags).toBeUndefined();
    expect(tagged.services?.[0]?.tags).toEqual([{ key: 'team', value: 'core' }]);
  });

  it('answers ClusterNotFoundException for a cluster that does not exist', async () => {
    // Act
    const act = aws.ecs.send(new DescribeServicesCommand({ cluster: 'no-such-cluster', services: ['one'] }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });

  it('counts the running tasks and active services of a cluster in DescribeClusters', async () => {
    // Act
    const out = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['svc'] }));

    // Assess
    expect(out.clusters?.[0]).toMatchObject({ activeServicesCount: 2, runningTasksCount: 4, pendingTasksCount: 0 });
  });
});

describe('ECS emulation: UpdateService', () => {
  const clock = createManualClock();
  const aws = useTestAws({ clock: clock.now, ecs: { rolloutMs: ROLLOUT_MS } });
  beforeAll(async () => {
    await createClusterWithApp(aws.ecs, 'svc');
    await registerAppTaskDefinition(aws.ecs);
  });

  it('answers ServiceNotFoundException for a service that does not exist', async () => {
    // Act
    const act = aws.ecs.send(new UpdateServiceCommand({ cluster: 'svc', service: 'ghost', forceNewDeployment: true }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ServiceNotFoundException', message: 'Service not found.' });
  });

  it('changes the desired count without starting a deployment', async () => {
    // Prepare
    const created = await createService(aws.ecs, { serviceName: 'scaled', taskDefinition: 'app:1' });
    clock.advance(ROLLOUT_MS);

    // Act
    const out = await aws.ecs.send(new UpdateServiceCommand({ cluster: 'svc', service: 'scaled', desiredCount: 1 }));

    // Assess
    expect(out.service?.desiredCount).toBe(1);
    expect(out.service?.deployments?.map((d) => d.id)).toEqual([created.service?.deployments?.[0]?.id]);
    expect(out.service?.runningCount).toBe(1);
  });

  it('starts a deployment of the new revision when the task definition changes', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'revised', taskDefinition: 'app:1' });
    clock.advance(ROLLOUT_MS);

    // Act
    const out = await aws.ecs.send(new UpdateServiceCommand({ cluster: 'svc', service: 'revised', taskDefinition: 'app:2' }));

    // Assess
    expect(out.service?.taskDefinition).toBe(`${ARN}:task-definition/app:2`);
    expect(out.service?.deployments?.map((d) => [d.status, d.taskDefinition])).toEqual([
      ['PRIMARY', `${ARN}:task-definition/app:2`],
      ['ACTIVE', `${ARN}:task-definition/app:1`],
    ]);
  });

  it('refuses a task definition change to an unknown revision and changes nothing', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'untouched', taskDefinition: 'app:1', desiredCount: 2 });

    // Act
    const act = aws.ecs.send(
      new UpdateServiceCommand({ cluster: 'svc', service: 'untouched', taskDefinition: 'app:99', desiredCount: 5 }),
    );

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClientException' });
    const after = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'svc', services: ['untouched'] }));
    expect(after.services?.[0]).toMatchObject({ desiredCount: 2, taskDefinition: `${ARN}:task-definition/app:1` });
  });
});

describe('ECS emulation: DeleteService', () => {
  const clock = createManualClock();
  const aws = useTestAws({ clock: clock.now, ecs: { rolloutMs: ROLLOUT_MS } });
  beforeAll(async () => {
    await createClusterWithApp(aws.ecs, 'svc');
  });

  it('refuses to delete a service scaled above 0 without force', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'still-running' });

    // Act
    const act = aws.ecs.send(new DeleteServiceCommand({ cluster: 'svc', service: 'still-running' }));

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The service cannot be stopped while it is scaled above 0.',
    });
  });

  it('answers the service DRAINING with no desired tasks when forced', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'forced' });

    // Act
    const out = await aws.ecs.send(new DeleteServiceCommand({ cluster: 'svc', service: 'forced', force: true }));

    // Assess
    expect(out.service).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
  });

  it('shows a drained service INACTIVE once its tasks have stopped', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'drained' });
    clock.advance(ROLLOUT_MS);
    await aws.ecs.send(new DeleteServiceCommand({ cluster: 'svc', service: 'drained', force: true }));
    clock.advance(ROLLOUT_MS);

    // Act
    const out = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'svc', services: ['drained'] }));

    // Assess
    expect(out.services?.[0]).toMatchObject({ status: 'INACTIVE', runningCount: 0 });
  });

  it('stops listing a deleted service', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'unlisted' });
    await aws.ecs.send(new DeleteServiceCommand({ cluster: 'svc', service: 'unlisted', force: true }));

    // Act
    const out = await aws.ecs.send(new ListServicesCommand({ cluster: 'svc', maxResults: 100 }));

    // Assess
    expect(out.serviceArns).not.toContain(`${ARN}:service/svc/unlisted`);
  });

  it.each([
    ['DRAINING', 0],
    ['INACTIVE', ROLLOUT_MS],
  ])('answers ServiceNotActiveException to UpdateService on a %s service', async (status, wait) => {
    // Prepare
    const name = `deleted-${status.toLowerCase()}`;
    await createService(aws.ecs, { serviceName: name });
    clock.advance(ROLLOUT_MS);
    await aws.ecs.send(new DeleteServiceCommand({ cluster: 'svc', service: name, force: true }));
    clock.advance(wait);

    // Act
    const act = aws.ecs.send(new UpdateServiceCommand({ cluster: 'svc', service: name, forceNewDeployment: true }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ServiceNotActiveException', message: 'Service was not ACTIVE.' });
    const seen = await aws.ecs.send(new DescribeServicesCommand({ cluster: 'svc', services: [name] }));
    expect(seen.services?.[0]?.status).toBe(status);
  });

  it('refuses to re-create a name while the old service is DRAINING', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'recreated-early' });
    clock.advance(ROLLOUT_MS);
    await aws.ecs.send(new DeleteServiceCommand({ cluster: 'svc', service: 'recreated-early', force: true }));

    // Act
    const act = createService(aws.ecs, { serviceName: 'recreated-early' });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('re-creates a name once the old service is INACTIVE', async () => {
    // Prepare
    await createService(aws.ecs, { serviceName: 'recreated' });
    await aws.ecs.send(new DeleteServiceCommand({ cluster: 'svc', service: 'recreated', force: true }));
    clock.advance(ROLLOUT_MS);

    // Act
    const out = await createService(aws.ecs, { serviceName: 'recreated' });

    // Assess
    expect(out.service?.status).toBe('ACTIVE');
  });
});

describe('ECS emulation: service requests without a default cluster', () => {
  const freshAws = useFreshTestAws();

  it('answers ClusterNotFoundException when no cluster is named and "default" was never created', async () => {
    // Prepare
    const aws = await freshAws();

    // Act
    const act = aws.ecs.send(new ListServicesCommand({}));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });
});
