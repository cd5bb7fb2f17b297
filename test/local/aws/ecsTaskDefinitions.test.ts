import { describe, expect, it } from 'vitest';
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { useTestAws } from '../../support/endpoint.js';

const ARN = 'arn:aws:ecs:us-east-1:000000000000';

const register = (ecs: ECSClient, family: string, containerDefinitions?: ContainerDefinition[]) =>
  ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: containerDefinitions ?? [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:latest' }],
    }),
  );

describe('ECS emulation: RegisterTaskDefinition', () => {
  const aws = useTestAws();

  it('numbers the revisions of a family from 1 and names each in its ARN', async () => {
    // Act
    const first = await register(aws.ecs, 'numbered');
    const second = await register(aws.ecs, 'numbered');

    // Assess
    expect(first.taskDefinition).toMatchObject({ revision: 1, status: 'ACTIVE', taskDefinitionArn: `${ARN}:task-definition/numbered:1` });
    expect(second.taskDefinition).toMatchObject({ revision: 2, taskDefinitionArn: `${ARN}:task-definition/numbered:2` });
    expect(second.taskDefinition?.registeredAt).toBeInstanceOf(Date);
  });

  it('keeps secrets, repository credentials and environment of each container as given', async () => {
    // Prepare
    const container: ContainerDefinition = {
      name: 'worker',
      image: 'registry.example.com/worker:1',
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf:password::' },
        { name: 'DB_URL', valueFrom: '/worker/prod/db/url' },
      ],
      repositoryCredentials: { credentialsParameter: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:registry-XyZ123' },
      environment: [{ name: 'MODE', value: 'prod' }],
    };
    await register(aws.ecs, 'kept', [container]);

    // Act
    const out = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'kept:1' }));

    // Assess
    expect(out.taskDefinition?.containerDefinitions?.[0]).toMatchObject(container);
  });

  it.each([
    ['no family', { containerDefinitions: [{ name: 'a', image: 'i' }] }, 'Family can not be blank.'],
    [
      'a family with a slash',
      { family: 'bad/family', containerDefinitions: [{ name: 'a', image: 'i' }] },
      'Family contains invalid characters.',
    ],
    ['no container', { family: 'empty', containerDefinitions: [] }, 'Container list cannot be empty.'],
    [
      'a container without image',
      { family: 'noimage', containerDefinitions: [{ name: 'a' }] },
      'Container.image should not be null or empty.',
    ],
  ])('answers ClientException for %s', async (_case, input, message) => {
    // Act
    const act = aws.ecs.send(new RegisterTaskDefinitionCommand(input as never));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClientException', message });
  });
});

describe('ECS emulation: DescribeTaskDefinition', () => {
  const aws = useTestAws();

  it.each([
    ['a family, as its latest ACTIVE revision', 'by-family', 'by-family', 2],
    ['family:revision', 'by-revision', 'by-revision:1', 1],
    ['an ARN', 'by-arn', `${ARN}:task-definition/by-arn:1`, 1],
  ])('describes by %s', async (_case, family, ref, revision) => {
    // Prepare
    await register(aws.ecs, family);
    await register(aws.ecs, family);

    // Act
    const out = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref }));

    // Assess
    expect(out.taskDefinition?.revision).toBe(revision);
  });

  it('resolves a family to the latest revision still ACTIVE', async () => {
    // Prepare
    await register(aws.ecs, 'skipped');
    await register(aws.ecs, 'skipped');
    await aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'skipped:2' }));

    // Act
    const out = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'skipped' }));

    // Assess
    expect(out.taskDefinition?.taskDefinitionArn).toBe(`${ARN}:task-definition/skipped:1`);
  });

  it.each([
    ['an unknown family', 'unknown-family', 'never-registered'],
    ['an unknown revision', 'unknown-revision', 'unknown-revision:2'],
    ['an ARN of another account', 'foreign', 'arn:aws:ecs:us-east-1:111111111111:task-definition/foreign:1'],
  ])('answers ClientException for %s', async (_case, family, ref) => {
    // Prepare
    await register(aws.ecs, family);

    // Act
    const act = aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClientException', message: 'Unable to describe task definition.' });
  });

  it('answers the tags only when asked to include TAGS', async () => {
    // Prepare
    await aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'tagged',
        containerDefinitions: [{ name: 'a', image: 'i' }],
        tags: [{ key: 'owner', value: 'payments' }],
      }),
    );

    // Act
    const plain = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged' }));
    const withTags = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'tagged', include: ['TAGS'] }));

    // Assess
    expect(plain.tags).toBeUndefined();
    expect(withTags.tags).toEqual([{ key: 'owner', value: 'payments' }]);
  });
});

describe('ECS emulation: DeregisterTaskDefinition', () => {
  const aws = useTestAws();

  it('marks the revision INACTIVE, still describable by its revision', async () => {
    // Prepare
    await register(aws.ecs, 'retired');

    // Act
    await aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'retired:1' }));
    const out = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${ARN}:task-definition/retired:1` }));

    // Assess
    expect(out.taskDefinition?.status).toBe('INACTIVE');
    expect(out.taskDefinition?.deregisteredAt).toBeInstanceOf(Date);
  });

  it('refuses a bare family: a revision must be named', async () => {
    // Prepare
    await register(aws.ecs, 'unnamed-revision');

    // Act
    const act = aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'unnamed-revision' }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'ClientException' });
    const still = await aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'unnamed-revision:1' }));
    expect(still.taskDefinition?.status).toBe('ACTIVE');
  });
});

describe('ECS emulation: ListTaskDefinitions', () => {
  const aws = useTestAws();

  it('lists ACTIVE revisions by family then revision, filtered by prefix', async () => {
    // Prepare
    await register(aws.ecs, 'list-b');
    await register(aws.ecs, 'list-a');
    await register(aws.ecs, 'list-a');
    await register(aws.ecs, 'other');

    // Act
    const out = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'list-' }));

    // Assess
    expect(out.taskDefinitionArns).toEqual([
      `${ARN}:task-definition/list-a:1`,
      `${ARN}:task-definition/list-a:2`,
      `${ARN}:task-definition/list-b:1`,
    ]);
  });

  it('lists in descending order with sort DESC, page by page', async () => {
    // Prepare
    for (let i = 0; i < 3; i++) await register(aws.ecs, 'desc');

    // Act
    const first = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'desc', sort: 'DESC', maxResults: 2 }));
    const second = await aws.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: 'desc', sort: 'DESC', maxResults: 2, nextToken: first.nextToken }),
    );

    // Assess
    expect(first.taskDefinitionArns).toEqual([`${ARN}:task-definition/desc:3`, `${ARN}:task-definition/desc:2`]);
    expect(second.taskDefinitionArns).toEqual([`${ARN}:task-definition/desc:1`]);
    expect(second.nextToken).toBeUndefined();
  });

  it('lists INACTIVE revisions when asked for that status', async () => {
    // Prepare
    await register(aws.ecs, 'gone');
    await register(aws.ecs, 'gone');
    await aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'gone:1' }));

    // Act
    const out = await aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'gone', status: 'INACTIVE' }));

    // Assess
    expect(out.taskDefinitionArns).toEqual([`${ARN}:task-definition/gone:1`]);
  });
});
