import { describe, expect, it } from 'vitest';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
  type Filter,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';

const aws = useTestAws();

let counter = 0;
/** A prefix of its own for each test, so filters see only that test's secrets. */
const uniquePrefix = (label: string) => `list${++counter}-${label}`;

async function create(name: string, extra: { Description?: string; Tags?: Tag[]; value?: string } = {}) {
  return aws.sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: extra.value ?? `value-of-${name}`,
      ...(extra.Description ? { Description: extra.Description } : {}),
      ...(extra.Tags ? { Tags: extra.Tags } : {}),
    }),
  );
}

/** Names listed for the filters, restricted to one test's prefix. */
async function namesFor(prefix: string, filters: Filter[]): Promise<string[]> {
  const out = await aws.sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }, ...filters] }));
  return (out.SecretList ?? []).map((s) => s.Name!).sort();
}

describe('ListSecrets', () => {
  it('lists the DescribeSecret fields with SecretVersionsToStages and Tags', async () => {
    // Prepare
    const p = uniquePrefix('fields');
    const created = await create(`${p}/a`, { Description: 'd', Tags: [{ Key: 'team', Value: 'x' }] });

    // Act
    const out = await aws.sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [p] }] }));

    // Assess
    expect(out.SecretList).toHaveLength(1);
    expect(out.SecretList![0]).toMatchObject({
      ARN: created.ARN,
      Name: `${p}/a`,
      Description: 'd',
      Tags: [{ Key: 'team', Value: 'x' }],
      SecretVersionsToStages: { [created.VersionId!]: ['AWSCURRENT'] },
    });
    expect(out.SecretList![0]!.CreatedDate).toBeInstanceOf(Date);
  });

  it('matches names by case-sensitive prefix', async () => {
    // Prepare
    const p = uniquePrefix('name');
    await create(`${p}/Database`);
    await create(`${p}/database`);

    // Act
    const names = await namesFor(p, [{ Key: 'name', Values: [`${p}/Data`] }]);

    // Assess
    expect(names).toEqual([`${p}/Database`]);
  });

  it('excludes the secrets a value starting with ! matches', async () => {
    // Prepare
    const p = uniquePrefix('negate');
    await create(`${p}/keep`);
    await create(`${p}/drop`);

    // Act
    const names = await namesFor(p, [{ Key: 'name', Values: [`!${p}/drop`] }]);

    // Assess
    expect(names).toEqual([`${p}/keep`]);
  });

  it('matches description words by prefix, not case-sensitive', async () => {
    // Prepare
    const p = uniquePrefix('desc');
    await create(`${p}/a`, { Description: 'Description of my secret' });
    await create(`${p}/b`, { Description: 'something else' });

    // Act
    const names = await namesFor(p, [{ Key: 'description', Values: ['my descr'] }]);

    // Assess
    expect(names).toEqual([`${p}/a`]);
  });

  it.each([
    ['tag-key', 'keyroll:ssm', ['a']],
    ['tag-key', 'Keyroll', []],
    ['tag-value', '/orders/', ['a']],
    ['tag-value', 'prod', ['b']],
  ])('matches %s by case-sensitive prefix (%s)', async (key, value, expected) => {
    // Prepare
    const p = uniquePrefix('tags');
    await create(`${p}/a`, { Tags: [{ Key: 'keyroll:ssm-path', Value: '/orders/db' }] });
    await create(`${p}/b`, { Tags: [{ Key: 'env', Value: 'prod' }] });

    // Act
    const names = await namesFor(p, [{ Key: key as Filter['Key'], Values: [value] }]);

    // Assess
    expect(names).toEqual(expected.map((s) => `${p}/${s}`));
  });

  it('matches any word of an "all" filter against name, description and tags, not case-sensitive', async () => {
    // Prepare
    const p = uniquePrefix('all');
    await create(`${p}/a`, { Description: 'Billing credentials' });
    await create(`${p}/b`, { Tags: [{ Key: 'owner', Value: 'Payments' }] });
    await create(`${p}/c`);

    // Act
    const names = await namesFor(p, [{ Key: 'all', Values: ['billing_PAYMENTS'] }]);

    // Assess
    expect(names).toEqual([`${p}/a`, `${p}/b`]);
  });

  it('pages with MaxResults and NextToken without repeating or skipping a secret', async () => {
    // Prepare
    const p = uniquePrefix('page');
    for (const n of ['a', 'b', 'c', 'd', 'e']) await create(`${p}/${n}`);
    const seen: string[] = [];
    let nextToken: string | undefined;

    // Act
    for (let i = 0; i < 10; i++) {
      const out = await aws.sm.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [p] }], MaxResults: 2, NextToken: nextToken, SortBy: 'name' }),
      );
      seen.push(...(out.SecretList ?? []).map((s) => s.Name!));
      nextToken = out.NextToken;
      if (!nextToken) break;
    }

    // Assess
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => `${p}/${n}`));
  });

  it.each([0, 101])('answers ValidationException for MaxResults %i', async (max) => {
    // Act
    const err = await captureError(aws.sm.send(new ListSecretsCommand({ MaxResults: max })));

    // Assess
    expect(err.name).toBe('ValidationException');
  });

  it('answers InvalidNextTokenException for a NextToken it did not issue', async () => {
    // Act
    const err = await captureError(aws.sm.send(new ListSecretsCommand({ NextToken: 'not-a-token' })));

    // Assess
    expect(err.name).toBe('InvalidNextTokenException');
  });

  it('leaves out secrets scheduled for deletion unless IncludePlannedDeletion is set', async () => {
    // Prepare
    const p = uniquePrefix('planned');
    await create(`${p}/live`);
    await create(`${p}/gone`);
    await aws.sm.send(new DeleteSecretCommand({ SecretId: `${p}/gone` }));

    // Act
    const without = await aws.sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [p] }] }));
    const withDeleted = await aws.sm.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [p] }], IncludePlannedDeletion: true }),
    );

    // Assess
    expect(without.SecretList?.map((s) => s.Name)).toEqual([`${p}/live`]);
    expect(withDeleted.SecretList?.map((s) => s.Name).sort()).toEqual([`${p}/gone`, `${p}/live`]);
    expect(withDeleted.SecretList?.find((s) => s.Name === `${p}/gone`)?.DeletedDate).toBeInstanceOf(Date);
  });

  it('answers ValidationException for an unknown filter key', async () => {
    // Act
    const err = await captureError(
      aws.sm.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as Filter['Key'], Values: ['x'] }] })),
    );

    // Assess
    expect(err.name).toBe('ValidationException');
  });
});

describe('BatchGetSecretValue', () => {
  it('reads the AWSCURRENT value of each id and reports the ids it cannot read in Errors', async () => {
    // Prepare
    const p = uniquePrefix('batch');
    const a = await create(`${p}/a`, { value: 'A' });
    await create(`${p}/deleted`);
    await aws.sm.send(new DeleteSecretCommand({ SecretId: `${p}/deleted` }));

    // Act
    const out = await aws.sm.send(
      new BatchGetSecretValueCommand({ SecretIdList: [a.ARN!, `${p}/missing`, `${p}/deleted`] }),
    );

    // Assess
    expect(out.SecretValues).toHaveLength(1);
    expect(out.SecretValues![0]).toMatchObject({ ARN: a.ARN, Name: `${p}/a`, SecretString: 'A', VersionStages: ['AWSCURRENT'] });
    expect(out.Errors).toEqual([
      { SecretId: `${p}/missing`, ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." },
      expect.objectContaining({ SecretId: `${p}/deleted`, ErrorCode: 'InvalidRequestException' }),
    ]);
  });

  it('reads the secrets that match Filters, a page of MaxResults at a time', async () => {
    // Prepare
    const p = uniquePrefix('batch-filter');
    for (const n of ['a', 'b', 'c']) await create(`${p}/${n}`, { value: n });
    const filters: Filter[] = [{ Key: 'name', Values: [p] }];

    // Act
    const first = await aws.sm.send(new BatchGetSecretValueCommand({ Filters: filters, MaxResults: 2 }));
    const second = await aws.sm.send(
      new BatchGetSecretValueCommand({ Filters: filters, MaxResults: 2, NextToken: first.NextToken }),
    );

    // Assess
    expect(first.SecretValues?.map((v) => v.SecretString)).toEqual(['a', 'b']);
    expect(second.SecretValues?.map((v) => v.SecretString)).toEqual(['c']);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers InvalidParameterException for SecretIdList and Filters together', async () => {
    // Act
    const err = await captureError(
      aws.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['x'], Filters: [{ Key: 'name', Values: ['x'] }] })),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
  });

  it('answers ValidationException for more than 20 ids', async () => {
    // Prepare
    const ids = Array.from({ length: 21 }, (_, i) => `id-${i}`);

    // Act
    const err = await captureError(aws.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ids })));

    // Assess
    expect(err.name).toBe('ValidationException');
  });
});
