import { describe, expect, it } from 'vitest';
import { CreateClusterCommand, DescribeClustersCommand, ListClustersCommand, paginateListClusters } from '@aws-sdk/client-ecs';
import { useTestAws } from '../../support/endpoint.js';
import { useFreshTestAws } from '../../support/awsFixtures.js';

const ARN = 'arn:aws:ecs:us-east-1:000000000000';

describe('ECS emulation: clusters', () => {
  const aws = useTestAws();

  it('creates a cluster named "default" when no name is given', async () => {
    // Act
    const out = await aws.ecs.send(new CreateClusterCommand({}));

    // Assess
    expect(out.cluster).toMatchObject({ clusterName: 'default', clusterArn: `${ARN}:cluster/default`, status: 'ACTIVE' });
  });

  it('answers the existing cluster when CreateCluster repeats a name', async () => {
    // Prepare
    await aws.ecs.send(new CreateClusterCommand({ clusterName: 'repeat', tags: [{ key: 'team', value: 'a' }] }));

    // Act
    const again = await aws.ecs.send(new CreateClusterCommand({ clusterName: 'repeat' }));
    const listed = await aws.ecs.send(new ListClustersCommand({}));

    // Assess
    expect(again.cluster?.tags).toEqual([{ key: 'team', value: 'a' }]);
    expect(listed.clusterArns?.filter((a) => a.endsWith(':cluster/repeat'))).toHaveLength(1);
  });

  it('refuses a cluster name with characters outside letters, digits, hyphens and underscores', async () => {
    // Act
    const act = aws.ecs.send(new CreateClusterCommand({ clusterName: 'bad/name' }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('describes clusters by name and by ARN', async () => {
    // Prepare
    await aws.ecs.send(new CreateClusterCommand({ clusterName: 'by-ref' }));

    // Act
    const out = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['by-ref', `${ARN}:cluster/by-ref`] }));

    // Assess
    expect(out.clusters?.map((c) => c.clusterName)).toEqual(['by-ref', 'by-ref']);
    expect(out.failures).toEqual([]);
  });

  it('reports a missing cluster as a MISSING failure with its ARN', async () => {
    // Act
    const out = await aws.ecs.send(new DescribeClustersCommand({ clusters: ['no-such-cluster'] }));

    // Assess
    expect(out.clusters).toEqual([]);
    expect(out.failures).toEqual([{ arn: `${ARN}:cluster/no-such-cluster`, reason: 'MISSING' }]);
  });

  it('answers InvalidParameterException for more than 100 clusters in one DescribeClusters', async () => {
    // Act
    const act = aws.ecs.send(new DescribeClustersCommand({ clusters: Array.from({ length: 101 }, (_, i) => `c${i}`) }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('ECS emulation: ListClusters', () => {
  const freshAws = useFreshTestAws();

  it('pages cluster ARNs in creation order with nextToken', async () => {
    // Prepare
    const aws = await freshAws();
    for (let i = 0; i < 5; i++) await aws.ecs.send(new CreateClusterCommand({ clusterName: `page-${i}` }));

    // Act
    const first = await aws.ecs.send(new ListClustersCommand({ maxResults: 2 }));
    const second = await aws.ecs.send(new ListClustersCommand({ maxResults: 2, nextToken: first.nextToken }));
    const all: string[] = [];
    for await (const page of paginateListClusters({ client: aws.ecs, pageSize: 2 }, {})) all.push(...(page.clusterArns ?? []));

    // Assess
    expect(first.clusterArns).toEqual([`${ARN}:cluster/page-0`, `${ARN}:cluster/page-1`]);
    expect(second.clusterArns).toEqual([`${ARN}:cluster/page-2`, `${ARN}:cluster/page-3`]);
    expect(all).toEqual([0, 1, 2, 3, 4].map((i) => `${ARN}:cluster/page-${i}`));
  });

  it.each([0, 101])('answers InvalidParameterException for maxResults %i', async (maxResults) => {
    // Prepare
    const aws = await freshAws();

    // Act
    const act = aws.ecs.send(new ListClustersCommand({ maxResults }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('answers InvalidParameterException for a nextToken it did not issue', async () => {
    // Prepare
    const aws = await freshAws();

    // Act
    const act = aws.ecs.send(new ListClustersCommand({ nextToken: 'not-a-token' }));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});
