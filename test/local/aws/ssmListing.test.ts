import { describe, expect, it } from 'vitest';
import {
  DescribeParametersCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  type ParameterStringFilter,
} from '@aws-sdk/client-ssm';
import { useTestAws } from '../../support/endpoint.js';

const CUSTOM_KEY_ALIAS = 'alias/keyroll-listing';
const aws = useTestAws({ kmsKeys: [CUSTOM_KEY_ALIAS] });

let seq = 0;
/** A fresh root per test, so listings only see the parameters the test made. */
const uniqueRoot = () => `/kr-list/t${++seq}`;

const put = (input: ConstructorParameters<typeof PutParameterCommand>[0]) => aws.ssm.send(new PutParameterCommand(input));
const putStrings = async (names: string[]) => {
  for (const name of names) await put({ Name: name, Value: `value of ${name}`, Type: 'String' });
};
const byPath = (input: ConstructorParameters<typeof GetParametersByPathCommand>[0]) =>
  aws.ssm.send(new GetParametersByPathCommand(input));
const describeNames = async (filters: ParameterStringFilter[]) => {
  const out = await aws.ssm.send(new DescribeParametersCommand({ ParameterFilters: filters, MaxResults: 50 }));
  return out.Parameters?.map((p) => p.Name);
};

describe('GetParametersByPath', () => {
  it('answers only the parameters directly under the path without Recursive', async () => {
    // Prepare
    const root = uniqueRoot();
    await putStrings([`${root}/db/host`, `${root}/db/port`, `${root}/db/replica/host`, `${root}/other/host`]);

    // Act
    const out = await byPath({ Path: `${root}/db` });

    // Assess
    expect(out.Parameters?.map((p) => p.Name)).toEqual([`${root}/db/host`, `${root}/db/port`]);
  });

  it('answers every parameter below the path with Recursive', async () => {
    // Prepare
    const root = uniqueRoot();
    await putStrings([`${root}/db/host`, `${root}/db/replica/host`, `${root}/other/host`]);

    // Act
    const out = await byPath({ Path: `${root}/db/`, Recursive: true });

    // Assess
    expect(out.Parameters?.map((p) => p.Name)).toEqual([`${root}/db/host`, `${root}/db/replica/host`]);
  });

  it('answers the values, types and versions of the parameters', async () => {
    // Prepare
    const root = uniqueRoot();
    await put({ Name: `${root}/port`, Value: '5432', Type: 'String' });

    // Act
    const out = await byPath({ Path: root });

    // Assess
    expect(out.Parameters?.[0]).toMatchObject({ Name: `${root}/port`, Value: '5432', Type: 'String', Version: 1 });
  });

  it('pages through every parameter with MaxResults and NextToken', async () => {
    // Prepare
    const root = uniqueRoot();
    const names = Array.from({ length: 7 }, (_, i) => `${root}/p${i}`);
    await putStrings(names);

    // Act
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page += 1) {
      const out = await byPath({ Path: root, MaxResults: 3, NextToken: token });
      pageSizes.push(out.Parameters?.length ?? 0);
      seen.push(...(out.Parameters ?? []).map((p) => p.Name!));
      token = out.NextToken;
      if (!token) break;
    }

    // Assess
    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(names);
  });

  it('answers ValidationException for MaxResults over 10', async () => {
    // Act
    const out = byPath({ Path: uniqueRoot(), MaxResults: 11 });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers InvalidNextToken for a token it did not make', async () => {
    // Act
    const out = byPath({ Path: uniqueRoot(), NextToken: 'not-a-token' });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it('answers ValidationException for a path that does not begin with a slash', async () => {
    // Act
    const out = byPath({ Path: 'kr-list/app' });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('keeps only the parameters of the type a Type filter names', async () => {
    // Prepare
    const root = uniqueRoot();
    await put({ Name: `${root}/host`, Value: 'h', Type: 'String' });
    await put({ Name: `${root}/password`, Value: 'p', Type: 'SecureString' });

    // Act
    const out = await byPath({ Path: root, ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }] });

    // Assess
    expect(out.Parameters?.map((p) => p.Name)).toEqual([`${root}/password`]);
  });

  it('answers InvalidFilterKey for a Name filter', async () => {
    // Act
    const out = byPath({ Path: uniqueRoot(), ParameterFilters: [{ Key: 'Name', Values: ['x'] }] });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'InvalidFilterKey' });
  });

  it('decrypts SecureStrings only with WithDecryption', async () => {
    // Prepare
    const root = uniqueRoot();
    await put({ Name: `${root}/password`, Value: 'correct-horse-battery', Type: 'SecureString' });

    // Act
    const clear = await byPath({ Path: root, WithDecryption: true });
    const opaque = await byPath({ Path: root });

    // Assess
    expect(clear.Parameters?.[0]?.Value).toBe('correct-horse-battery');
    expect(opaque.Parameters?.[0]?.Value).not.toContain('correct-horse-battery');
  });
});

describe('DescribeParameters', () => {
  it('answers the metadata of a parameter and never its value', async () => {
    // Prepare
    const name = `${uniqueRoot()}/password`;
    await put({
      Name: name,
      Value: 'metadata-only-please',
      Type: 'SecureString',
      KeyId: CUSTOM_KEY_ALIAS,
      Description: 'mirrors secret db/app',
      AllowedPattern: '^.{8,}$',
    });
    await put({ Name: name, Value: 'metadata-only-again', Overwrite: true });

    // Act
    const out = await aws.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }),
    );

    // Assess
    expect(out.Parameters).toHaveLength(1);
    const meta = out.Parameters![0]!;
    expect(meta).toMatchObject({
      Name: name,
      ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}`,
      Type: 'SecureString',
      KeyId: CUSTOM_KEY_ALIAS,
      Description: 'mirrors secret db/app',
      AllowedPattern: '^.{8,}$',
      Version: 2,
      Tier: 'Standard',
      DataType: 'text',
    });
    expect(meta.LastModifiedDate).toBeInstanceOf(Date);
    expect(JSON.stringify(out)).not.toContain('metadata-only');
  });

  it.each([
    ['Equals', ['/app/db'], ['/app/db']],
    ['BeginsWith', ['/app/db'], ['/app/db', '/app/db/host', '/app/dbx']],
  ])('matches names with the Name filter option %s', async (option, values, expected) => {
    // Prepare
    const root = uniqueRoot();
    await putStrings([`${root}/app/db`, `${root}/app/db/host`, `${root}/app/dbx`, `${root}/app/cache`]);

    // Act
    const names = await describeNames([{ Key: 'Name', Option: option, Values: values.map((v) => `${root}${v}`) }]);

    // Assess
    expect(names).toEqual(expected.map((v) => `${root}${v}`));
  });

  it.each([
    ['OneLevel', [`/app/a`]],
    ['Recursive', [`/app/a`, `/app/deeper/b`]],
  ])('selects a hierarchy with the Path filter option %s', async (option, expected) => {
    // Prepare
    const root = uniqueRoot();
    await putStrings([`${root}/app/a`, `${root}/app/deeper/b`, `${root}/elsewhere/c`]);

    // Act
    const names = await describeNames([{ Key: 'Path', Option: option, Values: [`${root}/app`] }]);

    // Assess
    expect(names).toEqual(expected.map((v) => `${root}${v}`));
  });

  it('selects the parameters encrypted under a key with the KeyId filter', async () => {
    // Prepare
    const root = uniqueRoot();
    await put({ Name: `${root}/default`, Value: 'v', Type: 'SecureString' });
    await put({ Name: `${root}/custom`, Value: 'v', Type: 'SecureString', KeyId: CUSTOM_KEY_ALIAS });

    // Act
    const names = await describeNames([
      { Key: 'Path', Values: [root] },
      { Key: 'KeyId', Values: [CUSTOM_KEY_ALIAS] },
    ]);

    // Assess
    expect(names).toEqual([`${root}/custom`]);
  });

  it('selects the parameters of a type with the Type filter', async () => {
    // Prepare
    const root = uniqueRoot();
    await put({ Name: `${root}/list`, Value: 'a,b', Type: 'StringList' });
    await put({ Name: `${root}/plain`, Value: 'v', Type: 'String' });

    // Act
    const names = await describeNames([
      { Key: 'Path', Values: [root] },
      { Key: 'Type', Values: ['StringList'] },
    ]);

    // Assess
    expect(names).toEqual([`${root}/list`]);
  });

  it('pages with MaxResults and NextToken', async () => {
    // Prepare
    const root = uniqueRoot();
    await putStrings([`${root}/a`, `${root}/b`, `${root}/c`]);
    const filters = [{ Key: 'Path', Values: [root] }];

    // Act
    const first = await aws.ssm.send(new DescribeParametersCommand({ ParameterFilters: filters, MaxResults: 2 }));
    const second = await aws.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: filters, MaxResults: 2, NextToken: first.NextToken }),
    );

    // Assess
    expect(first.Parameters?.map((p) => p.Name)).toEqual([`${root}/a`, `${root}/b`]);
    expect(second.Parameters?.map((p) => p.Name)).toEqual([`${root}/c`]);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers ValidationException for MaxResults over 50', async () => {
    // Act
    const out = aws.ssm.send(new DescribeParametersCommand({ MaxResults: 51 }));

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers InvalidFilterOption for a Path filter with Equals', async () => {
    // Act
    const out = describeNames([{ Key: 'Path', Option: 'Equals', Values: [uniqueRoot()] }]);

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'InvalidFilterOption' });
  });

  it('answers InvalidFilterKey for a Label filter', async () => {
    // Act
    const out = describeNames([{ Key: 'Label', Values: ['prod'] }]);

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'InvalidFilterKey' });
  });
});

describe('GetParameterHistory', () => {
  it('answers every version oldest first', async () => {
    // Prepare
    const name = `${uniqueRoot()}/host`;
    await put({ Name: name, Value: 'one', Type: 'String', Description: 'first' });
    await put({ Name: name, Value: 'two', Overwrite: true, Description: 'second' });

    // Act
    const out = await aws.ssm.send(new GetParameterHistoryCommand({ Name: name }));

    // Assess
    expect(out.Parameters?.map((p) => [p.Version, p.Value, p.Description])).toEqual([
      [1, 'one', 'first'],
      [2, 'two', 'second'],
    ]);
  });

  it('answers SecureString history in clear only with WithDecryption', async () => {
    // Prepare
    const name = `${uniqueRoot()}/password`;
    await put({ Name: name, Value: 'first-secret-value', Type: 'SecureString' });

    // Act
    const opaque = await aws.ssm.send(new GetParameterHistoryCommand({ Name: name }));
    const clear = await aws.ssm.send(new GetParameterHistoryCommand({ Name: name, WithDecryption: true }));

    // Assess
    expect(opaque.Parameters?.[0]?.Value).not.toContain('first-secret-value');
    expect(clear.Parameters?.[0]).toMatchObject({ Value: 'first-secret-value', KeyId: 'alias/aws/ssm' });
  });

  it('answers ParameterNotFound for an unknown name', async () => {
    // Act
    const out = aws.ssm.send(new GetParameterHistoryCommand({ Name: `${uniqueRoot()}/missing` }));

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });
});
