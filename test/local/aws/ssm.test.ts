import { describe, expect, it } from 'vitest';
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import { useTestAws } from '../../support/endpoint.js';

const CUSTOM_KEY_ALIAS = 'alias/keyroll-test';
const CUSTOM_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const aws = useTestAws({ kmsKeys: [CUSTOM_KEY_ALIAS, CUSTOM_KEY_ID] });

let seq = 0;
/** A fresh hierarchical name per call, so tests sharing the endpoint never collide. */
const uniqueName = (leaf = 'param') => `/kr-test/t${++seq}/${leaf}`;

const put = (input: ConstructorParameters<typeof PutParameterCommand>[0]) => aws.ssm.send(new PutParameterCommand(input));
const get = (Name: string, WithDecryption = false) => aws.ssm.send(new GetParameterCommand({ Name, WithDecryption }));
const metadataOf = async (name: string) => {
  const out = await aws.ssm.send(
    new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }),
  );
  return out.Parameters?.[0];
};

describe('PutParameter', () => {
  it('creates a String parameter at version 1 in the Standard tier', async () => {
    // Prepare
    const name = uniqueName();

    // Act
    const out = await put({ Name: name, Value: 'db.internal', Type: 'String' });

    // Assess
    expect(out).toMatchObject({ Version: 1, Tier: 'Standard' });
  });

  it('answers ParameterAlreadyExists for an existing name without Overwrite', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'one', Type: 'String' });

    // Act
    const second = put({ Name: name, Value: 'two', Type: 'String' });

    // Assess
    await expect(second).rejects.toMatchObject({
      name: 'ParameterAlreadyExists',
      message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    });
    expect((await get(name)).Parameter?.Value).toBe('one');
  });

  it('increments the version on each overwrite', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v1', Type: 'String' });
    await put({ Name: name, Value: 'v2', Type: 'String', Overwrite: true });

    // Act
    const out = await put({ Name: name, Value: 'v3', Type: 'String', Overwrite: true });

    // Assess
    expect(out.Version).toBe(3);
    expect((await get(name)).Parameter).toMatchObject({ Value: 'v3', Version: 3 });
  });

  it('keeps the type, key and description when an overwrite leaves them out', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'first', Type: 'SecureString', KeyId: CUSTOM_KEY_ALIAS, Description: 'from secret x' });

    // Act
    await put({ Name: name, Value: 'second', Overwrite: true });

    // Assess
    expect(await metadataOf(name)).toMatchObject({
      Type: 'SecureString',
      KeyId: CUSTOM_KEY_ALIAS,
      Description: 'from secret x',
      Version: 2,
    });
    expect((await get(name, true)).Parameter?.Value).toBe('second');
  });

  it('changes the type when an overwrite names another one', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'plain', Type: 'String' });

    // Act
    await put({ Name: name, Value: 'now secret', Type: 'SecureString', Overwrite: true });

    // Assess
    expect(await metadataOf(name)).toMatchObject({ Type: 'SecureString', KeyId: 'alias/aws/ssm', Version: 2 });
  });

  it('treats /name and name as the same one-level parameter', async () => {
    // Prepare
    const bare = `kr-one-level-${++seq}`;
    await put({ Name: bare, Value: 'x', Type: 'String' });

    // Act
    const rooted = put({ Name: `/${bare}`, Value: 'y', Type: 'String' });

    // Assess
    await expect(rooted).rejects.toMatchObject({ name: 'ParameterAlreadyExists' });
    expect((await get(`/${bare}`)).Parameter).toMatchObject({ Name: `/${bare}`, Value: 'x' });
  });

  it('keeps names case-sensitive', async () => {
    // Prepare
    const name = uniqueName('Password');
    await put({ Name: name, Value: 'upper', Type: 'String' });

    // Act
    await put({ Name: name.toLowerCase(), Value: 'lower', Type: 'String' });

    // Assess
    expect((await get(name)).Parameter?.Value).toBe('upper');
    expect((await get(name.toLowerCase())).Parameter?.Value).toBe('lower');
  });

  it('removes spaces around a name, as the service does', async () => {
    // Prepare
    const name = uniqueName();

    // Act
    await put({ Name: `  ${name} `, Value: 'trimmed', Type: 'String' });

    // Assess
    expect((await get(name)).Parameter?.Value).toBe('trimmed');
  });

  it('answers ValidationException when Tags come with Overwrite', async () => {
    // Prepare
    const name = uniqueName();

    // Act
    const out = put({ Name: name, Value: 'v', Type: 'String', Overwrite: true, Tags: [{ Key: 'team', Value: 'db' }] });

    // Assess
    await expect(out).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("tags and overwrite can't be used together"),
    });
  });

  it('answers ValidationException when a new parameter has no Type', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'v' });

    // Assess
    await expect(out).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'A parameter type is required when you create a parameter.',
    });
  });

  it('answers ValidationException for a Type outside String, StringList and SecureString', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'v', Type: 'Secret' as never });

    // Assess
    await expect(out).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must satisfy enum value set: [SecureString, StringList, String]'),
    });
  });

  it.each([
    ['a name with a space', '/app/db password', 'ValidationException'],
    ['a hierarchical name without the leading slash', 'app/db/password', 'ValidationException'],
    ['an empty sub-path', '/app//password', 'ValidationException'],
    ['a character outside a-zA-Z0-9_.-/', '/app/pass$word', 'ValidationException'],
    ['a trailing slash', '/app/db/', 'ValidationException'],
    ['a one-level name beginning with aws', 'awsPassword', 'ValidationException'],
    ['a one-level name beginning with SSM in capitals', 'SSM-password', 'ValidationException'],
    ['a path beginning with /ssm', '/ssm/app/password', 'ValidationException'],
    ['a path under the reserved /aws namespace', '/aws/app/password', 'AccessDeniedException'],
    ['a path under /AWS in capitals', '/AWS/app/password', 'AccessDeniedException'],
    ['a parameter ARN', 'arn:aws:ssm:us-east-1:000000000000:parameter/app/password', 'ValidationException'],
  ])('refuses %s with %s', async (_case, name, errorType) => {
    // Act
    const out = put({ Name: name, Value: 'v', Type: 'String' });

    // Assess
    await expect(out).rejects.toMatchObject({ name: errorType });
  });

  it('accepts a hierarchy of 15 levels', async () => {
    // Prepare
    const name = `/${Array.from({ length: 14 }, (_, i) => `l${i + 1}`).join('/')}/leaf-${++seq}`;

    // Act
    const out = await put({ Name: name, Value: 'deep', Type: 'String' });

    // Assess
    expect(out.Version).toBe(1);
  });

  it('answers HierarchyLevelLimitExceededException for a hierarchy of 16 levels', async () => {
    // Prepare
    const name = `/${Array.from({ length: 15 }, (_, i) => `l${i + 1}`).join('/')}/leaf-${++seq}`;

    // Act
    const out = put({ Name: name, Value: 'too deep', Type: 'String' });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'HierarchyLevelLimitExceededException' });
  });

  it('answers ValidationException for a name over 1011 characters counting the ARN prefix', async () => {
    // Prepare: the ARN prefix arn:aws:ssm:us-east-1:000000000000:parameter/ is 45 characters.
    const fits = `/kr-long-${++seq}-`.padEnd(1011 - 45 + 1, 'x');
    const tooLong = `${fits}y`;

    // Act
    const accepted = await put({ Name: fits, Value: 'v', Type: 'String' });
    const refused = put({ Name: tooLong, Value: 'v', Type: 'String' });

    // Assess
    expect(accepted.Version).toBe(1);
    await expect(refused).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers ValidationException for a Standard value over 4096 characters', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'x'.repeat(4097), Type: 'String' });

    // Assess
    await expect(out).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Standard tier parameters support a maximum parameter value of 4096 characters'),
    });
  });

  it('stores an Advanced value of 8192 characters', async () => {
    // Prepare
    const name = uniqueName();

    // Act
    const out = await put({ Name: name, Value: 'x'.repeat(8192), Type: 'String', Tier: 'Advanced' });

    // Assess
    expect(out.Tier).toBe('Advanced');
    expect((await get(name)).Parameter?.Value).toHaveLength(8192);
  });

  it('answers ValidationException for an Advanced value over 8192 characters', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'x'.repeat(8193), Type: 'String', Tier: 'Advanced' });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it.each([
    [100, 'Standard'],
    [5000, 'Advanced'],
  ])('places a %i-character value in the %s tier under Intelligent-Tiering', async (length, tier) => {
    // Act
    const out = await put({ Name: uniqueName(), Value: 'x'.repeat(length), Type: 'String', Tier: 'Intelligent-Tiering' });

    // Assess
    expect(out.Tier).toBe(tier);
  });

  it('keeps an Advanced parameter Advanced when an overwrite names no tier', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'big', Type: 'String', Tier: 'Advanced' });

    // Act
    const out = await put({ Name: name, Value: 'small', Overwrite: true });

    // Assess
    expect(out.Tier).toBe('Advanced');
  });

  it('answers ValidationException for a downgrade from Advanced to Standard', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String', Tier: 'Advanced' });

    // Act
    const out = put({ Name: name, Value: 'v2', Type: 'String', Tier: 'Standard', Overwrite: true });

    // Assess
    await expect(out).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("You can't downgrade a parameter from the advanced-parameter tier"),
    });
  });

  it('answers ValidationException for a description over 1024 characters', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'v', Type: 'String', Description: 'd'.repeat(1025) });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers ParameterPatternMismatchException for a value outside AllowedPattern, without the value', async () => {
    // Prepare
    const secretish = 'not-a-number-9f3a';

    // Act
    const out = put({ Name: uniqueName(), Value: secretish, Type: 'SecureString', AllowedPattern: '^\\d+$' });

    // Assess
    const err = await out.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ name: 'ParameterPatternMismatchException' });
    expect(err?.message).not.toContain(secretish);
  });

  it('checks an overwrite against the AllowedPattern the parameter already has', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: '5432', Type: 'String', AllowedPattern: '^\\d+$' });

    // Act
    const out = put({ Name: name, Value: 'five', Overwrite: true });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ParameterPatternMismatchException' });
  });

  it('answers InvalidAllowedPatternException for a pattern that is not a regular expression', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'v', Type: 'String', AllowedPattern: '([a-z' });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'InvalidAllowedPatternException' });
  });

  it('answers ValidationException for a DataType other than text', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'v', Type: 'String', DataType: 'TEXT' });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it.each([
    ['an unknown alias', 'alias/does-not-exist'],
    ['an unknown key id', 'ffffffff-0000-0000-0000-000000000000'],
    ['an unknown key ARN', 'arn:aws:kms:us-east-1:000000000000:key/ffffffff-0000-0000-0000-000000000000'],
  ])('answers InvalidKeyId for %s', async (_case, keyId) => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'v', Type: 'SecureString', KeyId: keyId });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'InvalidKeyId' });
  });

  it.each([
    ['alias', CUSTOM_KEY_ALIAS],
    ['key id', CUSTOM_KEY_ID],
    ['key ARN', `arn:aws:kms:us-east-1:000000000000:key/${CUSTOM_KEY_ID}`],
    ['alias ARN', `arn:aws:kms:us-east-1:000000000000:${CUSTOM_KEY_ALIAS}`],
  ])('encrypts under a known key named by its %s and keeps that KeyId', async (_case, keyId) => {
    // Prepare
    const name = uniqueName();

    // Act
    await put({ Name: name, Value: 'pw', Type: 'SecureString', KeyId: keyId });

    // Assess
    expect((await metadataOf(name))?.KeyId).toBe(keyId);
    expect((await get(name, true)).Parameter?.Value).toBe('pw');
  });

  it('answers ValidationException for a KeyId on a String parameter', async () => {
    // Act
    const out = put({ Name: uniqueName(), Value: 'v', Type: 'String', KeyId: CUSTOM_KEY_ALIAS });

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('GetParameter', () => {
  it('answers the value, type, version, ARN, data type and modification date', async () => {
    // Prepare
    const name = uniqueName('host');
    await put({ Name: name, Value: 'db.internal', Type: 'String' });

    // Act
    const out = await get(name);

    // Assess
    expect(out.Parameter).toMatchObject({
      Name: name,
      Type: 'String',
      Value: 'db.internal',
      Version: 1,
      ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}`,
      DataType: 'text',
    });
    expect(out.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
  });

  it.each([
    ['a hierarchical name', '/kr-arn/app/password', 'arn:aws:ssm:us-east-1:000000000000:parameter/kr-arn/app/password'],
    ['a one-level name with a slash', '/kr-arn-rooted', 'arn:aws:ssm:us-east-1:000000000000:parameter/kr-arn-rooted'],
    ['a one-level name without a slash', 'kr-arn-bare', 'arn:aws:ssm:us-east-1:000000000000:parameter/kr-arn-bare'],
  ])('forms the ARN of %s without doubling the slash', async (_case, name, arn) => {
    // Prepare
    await put({ Name: name, Value: 'v', Type: 'String' });

    // Act
    const out = await get(name);

    // Assess
    expect(out.Parameter?.ARN).toBe(arn);
  });

  it.each([
    ['a hierarchical', '/kr-by-arn/app/user', '/kr-by-arn/app/user'],
    ['a one-level', 'kr-by-arn-user', 'kr-by-arn-user'],
  ])('reads %s parameter by its ARN', async (_case, name, answeredName) => {
    // Prepare
    await put({ Name: name, Value: 'app', Type: 'String' });
    const arn = (await get(name)).Parameter!.ARN!;

    // Act
    const out = await get(arn);

    // Assess
    expect(out.Parameter).toMatchObject({ Name: answeredName, Value: 'app' });
  });

  it('reads an earlier version with name:version and names the selector', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'old', Type: 'String' });
    await put({ Name: name, Value: 'new', Type: 'String', Overwrite: true });

    // Act
    const out = await get(`${name}:1`);

    // Assess
    expect(out.Parameter).toMatchObject({ Name: name, Value: 'old', Version: 1, Selector: ':1' });
  });

  it('answers ParameterVersionNotFound for a version that does not exist', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String' });

    // Act
    const out = get(`${name}:7`);

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ParameterVersionNotFound' });
  });

  it('answers ParameterNotFound for an unknown name', async () => {
    // Act
    const out = get(uniqueName());

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('answers a SecureString without decryption as ciphertext that neither holds nor decodes to the value', async () => {
    // Prepare
    const name = uniqueName('password');
    const password = 'Tr0ub4dor&3-correct-horse';
    await put({ Name: name, Value: password, Type: 'SecureString' });

    // Act
    const out = await get(name, false);

    // Assess
    const blob = out.Parameter!.Value!;
    expect(blob).not.toContain(password);
    for (const encoding of ['utf8', 'latin1', 'hex'] as const) {
      expect(Buffer.from(blob, 'base64').toString(encoding)).not.toContain(password);
    }
    expect(out.Parameter?.Type).toBe('SecureString');
  });

  it('answers a SecureString in clear with WithDecryption', async () => {
    // Prepare
    const name = uniqueName('password');
    await put({ Name: name, Value: 'hunter2-but-longer', Type: 'SecureString' });

    // Act
    const out = await get(name, true);

    // Assess
    expect(out.Parameter?.Value).toBe('hunter2-but-longer');
  });

  it('answers a StringList as the comma-separated value it was given', async () => {
    // Prepare
    const name = uniqueName('hosts');
    await put({ Name: name, Value: 'a.internal,b.internal', Type: 'StringList' });

    // Act
    const out = await get(name, true);

    // Assess
    expect(out.Parameter).toMatchObject({ Type: 'StringList', Value: 'a.internal,b.internal' });
  });
});

describe('GetParameters', () => {
  it('answers the parameters found and lists unknown names and versions as invalid', async () => {
    // Prepare
    const a = uniqueName('a');
    const b = uniqueName('b');
    await put({ Name: a, Value: 'va', Type: 'String' });
    await put({ Name: b, Value: 'vb', Type: 'SecureString' });
    const missing = uniqueName('missing');

    // Act
    const out = await aws.ssm.send(new GetParametersCommand({ Names: [a, b, missing, `${a}:9`], WithDecryption: true }));

    // Assess
    expect(out.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
      [a, 'va'],
      [b, 'vb'],
    ]);
    expect(out.InvalidParameters).toEqual([missing, `${a}:9`]);
  });

  it('answers ValidationException for more than 10 names', async () => {
    // Act
    const out = aws.ssm.send(new GetParametersCommand({ Names: Array.from({ length: 11 }, () => uniqueName()) }));

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('DeleteParameter', () => {
  it('deletes a parameter so that reading it answers ParameterNotFound', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String' });

    // Act
    await aws.ssm.send(new DeleteParameterCommand({ Name: name }));

    // Assess
    await expect(get(name)).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('answers ParameterNotFound for an unknown name', async () => {
    // Act
    const out = aws.ssm.send(new DeleteParameterCommand({ Name: uniqueName() }));

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('forgets the versions, so a parameter created again starts at version 1', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v1', Type: 'String' });
    await put({ Name: name, Value: 'v2', Type: 'String', Overwrite: true });
    await aws.ssm.send(new DeleteParameterCommand({ Name: name }));

    // Act
    const out = await put({ Name: name, Value: 'again', Type: 'String' });

    // Assess
    expect(out.Version).toBe(1);
  });
});

describe('DeleteParameters', () => {
  it('answers the names deleted and the names not found', async () => {
    // Prepare
    const a = uniqueName('a');
    const b = uniqueName('b');
    const missing = uniqueName('missing');
    await put({ Name: a, Value: 'v', Type: 'String' });
    await put({ Name: b, Value: 'v', Type: 'String' });

    // Act
    const out = await aws.ssm.send(new DeleteParametersCommand({ Names: [a, missing, b] }));

    // Assess
    expect(out.DeletedParameters).toEqual([a, b]);
    expect(out.InvalidParameters).toEqual([missing]);
    await expect(get(a)).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('answers ValidationException for more than 10 names', async () => {
    // Act
    const out = aws.ssm.send(new DeleteParametersCommand({ Names: Array.from({ length: 11 }, () => uniqueName()) }));

    // Assess
    await expect(out).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
