import { describe, expect, it } from 'vitest';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { useTestAws, type TestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';
import { readVersionStages } from '../../support/awsFixtures.js';

const aws = useTestAws();

let counter = 0;
/** A secret name of its own for each test. */
const uniqueName = (label: string) => `sm-test/${label}-${++counter}`;
/** A ClientRequestToken (32..64 characters) that reads in failure output. */
const tokenOf = (label: string) => `${label}-${crypto.randomUUID()}`.slice(0, 64);

async function createSecret(t: TestAws, name: string, value = 'v1', token = tokenOf('first')) {
  return t.sm.send(new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: token }));
}

describe('CreateSecret', () => {
  it('answers an ARN of the form arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 alphanumerics>', async () => {
    // Prepare
    const name = uniqueName('arn');

    // Act
    const out = await createSecret(aws, name);

    // Assess
    expect(out.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-[a-zA-Z0-9]{6}$`));
    expect(out.Name).toBe(name);
  });

  it('uses the ClientRequestToken as the first version id and attaches AWSCURRENT to it', async () => {
    // Prepare
    const name = uniqueName('token');
    const token = tokenOf('initial');

    // Act
    const out = await createSecret(aws, name, 'value', token);

    // Assess
    expect(out.VersionId).toBe(token);
    expect(await readVersionStages(aws, name)).toEqual({ [token]: ['AWSCURRENT'] });
  });

  it('answers ResourceExistsException for a name that already exists', async () => {
    // Prepare
    const name = uniqueName('exists');
    await createSecret(aws, name);

    // Act
    const err = await captureError(createSecret(aws, name, 'other'));

    // Assess
    expect(err.name).toBe('ResourceExistsException');
    expect(err.message).toBe(`The operation failed because the secret ${name} already exists.`);
  });

  it('answers a retried request with the same token and value as the first one', async () => {
    // Prepare
    const name = uniqueName('retry');
    const token = tokenOf('retry');
    const first = await createSecret(aws, name, 'same', token);

    // Act
    const again = await createSecret(aws, name, 'same', token);

    // Assess
    expect(again).toMatchObject({ ARN: first.ARN, Name: name, VersionId: token });
  });

  it('answers ValidationException for a name with a character outside letters, digits and /_+=.@-', async () => {
    // Act
    const err = await captureError(createSecret(aws, 'bad name!'));

    // Assess
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('Invalid name');
  });

  it('creates no version when neither SecretString nor SecretBinary is given', async () => {
    // Prepare
    const name = uniqueName('empty');

    // Act
    const out = await aws.sm.send(new CreateSecretCommand({ Name: name }));

    // Assess
    expect(out.VersionId).toBeUndefined();
    expect(await readVersionStages(aws, name)).toEqual({});
  });

  it('answers ValidationException for a ClientRequestToken shorter than 32 characters', async () => {
    // Act
    const err = await captureError(createSecret(aws, uniqueName('short-token'), 'v', 'too-short'));

    // Assess
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('clientRequestToken');
  });

  it('answers ValidationException without echoing the value for a SecretString over 65536 bytes', async () => {
    // Prepare
    const big = 'é'.repeat(32_769);

    // Act
    const err = await captureError(createSecret(aws, uniqueName('big'), big));

    // Assess
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('secretString');
    expect(err.message).not.toContain('é');
  });

  it('answers InvalidParameterException for a SecretString and a SecretBinary together', async () => {
    // Act
    const err = await captureError(
      aws.sm.send(
        new CreateSecretCommand({ Name: uniqueName('both'), SecretString: 's', SecretBinary: new Uint8Array([1, 2]) }),
      ),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
  });

  it('describes the ARN of the KMS key named, and no KmsKeyId for the AWS managed key', async () => {
    // Prepare
    const named = uniqueName('kms-named');
    const managed = uniqueName('kms-managed');

    // Act
    await aws.sm.send(new CreateSecretCommand({ Name: named, SecretString: 'v', KmsKeyId: 'alias/aws/ssm' }));
    await aws.sm.send(new CreateSecretCommand({ Name: managed, SecretString: 'v', KmsKeyId: 'alias/aws/secretsmanager' }));

    // Assess
    const kmsOf = async (name: string) => (await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).KmsKeyId;
    expect(await kmsOf(named)).toBe('arn:aws:kms:us-east-1:000000000000:alias/aws/ssm');
    expect(await kmsOf(managed)).toBeUndefined();
  });

  it('answers EncryptionFailure for a value under a KMS key the endpoint does not know', async () => {
    // Act
    const err = await captureError(
      aws.sm.send(new CreateSecretCommand({ Name: uniqueName('kms'), SecretString: 'v', KmsKeyId: 'alias/unknown-key' })),
    );

    // Assess
    expect(err.name).toBe('EncryptionFailure');
  });
});

describe('DescribeSecret', () => {
  it('describes the name, description, tags, versions and dates of a secret', async () => {
    // Prepare
    const name = uniqueName('describe');
    const token = tokenOf('describe');
    const created = await aws.sm.send(
      new CreateSecretCommand({
        Name: name,
        Description: 'orders database',
        SecretString: '{}',
        ClientRequestToken: token,
        Tags: [{ Key: 'team', Value: 'orders' }],
      }),
    );

    // Act
    const out = await aws.sm.send(new DescribeSecretCommand({ SecretId: name }));

    // Assess
    expect(out).toMatchObject({
      ARN: created.ARN,
      Name: name,
      Description: 'orders database',
      Tags: [{ Key: 'team', Value: 'orders' }],
      VersionIdsToStages: { [token]: ['AWSCURRENT'] },
    });
    expect(out.CreatedDate).toBeInstanceOf(Date);
    expect(out.LastChangedDate).toBeInstanceOf(Date);
    expect(out.RotationEnabled).toBeUndefined();
  });

  it("answers ResourceNotFoundException with AWS's message for an unknown secret", async () => {
    // Act
    const err = await captureError(aws.sm.send(new DescribeSecretCommand({ SecretId: uniqueName('missing') })));

    // Assess
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe("Secrets Manager can't find the specified secret.");
  });
});

describe('GetSecretValue', () => {
  it.each([
    ['its name', (name: string, _arn: string) => name],
    ['its full ARN', (_name: string, arn: string) => arn],
    ['its partial ARN (without the random suffix)', (_name: string, arn: string) => arn.slice(0, -7)],
  ])('reads the AWSCURRENT value by %s', async (_label, idOf) => {
    // Prepare
    const name = uniqueName('read');
    const created = await createSecret(aws, name, 'current-value');

    // Act
    const out = await aws.sm.send(new GetSecretValueCommand({ SecretId: idOf(name, created.ARN!) }));

    // Assess
    expect(out).toMatchObject({
      ARN: created.ARN,
      Name: name,
      VersionId: created.VersionId,
      SecretString: 'current-value',
      VersionStages: ['AWSCURRENT'],
    });
    expect(out.CreatedDate).toBeInstanceOf(Date);
  });

  it('answers ResourceNotFoundException for a full ARN with another random suffix', async () => {
    // Prepare
    const name = uniqueName('suffix');
    const created = await createSecret(aws, name);
    const wrong = `${created.ARN!.slice(0, -6)}${created.ARN!.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`;

    // Act
    const err = await captureError(aws.sm.send(new GetSecretValueCommand({ SecretId: wrong })));

    // Assess
    expect(err.name).toBe('ResourceNotFoundException');
  });

  it('reads the version that holds the VersionStage asked for', async () => {
    // Prepare
    const name = uniqueName('previous');
    await createSecret(aws, name, 'old');
    await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'new' }));

    // Act
    const out = await aws.sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPREVIOUS' }));

    // Assess
    expect(out.SecretString).toBe('old');
    expect(out.VersionStages).toEqual(['AWSPREVIOUS']);
  });

  it('reads a version by its VersionId', async () => {
    // Prepare
    const name = uniqueName('by-id');
    const first = await createSecret(aws, name, 'first');
    await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second' }));

    // Act
    const out = await aws.sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: first.VersionId }));

    // Assess
    expect(out.SecretString).toBe('first');
  });

  it('reads a version when VersionId and VersionStage name the same one', async () => {
    // Prepare
    const name = uniqueName('both-agree');
    const first = await createSecret(aws, name, 'first');

    // Act
    const out = await aws.sm.send(
      new GetSecretValueCommand({ SecretId: name, VersionId: first.VersionId, VersionStage: 'AWSCURRENT' }),
    );

    // Assess
    expect(out.SecretString).toBe('first');
  });

  it('answers InvalidRequestException when VersionId and VersionStage name different versions', async () => {
    // Prepare
    const name = uniqueName('mismatch');
    const first = await createSecret(aws, name, 'first');
    await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'second' }));

    // Act
    const err = await captureError(
      aws.sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: first.VersionId, VersionStage: 'AWSCURRENT' })),
    );

    // Assess
    expect(err.name).toBe('InvalidRequestException');
    expect(err.message).toBe('You provided a VersionStage that is not associated to the provided VersionId.');
  });

  it('answers ResourceNotFoundException naming the stage no version holds', async () => {
    // Prepare
    const name = uniqueName('no-stage');
    await createSecret(aws, name);

    // Act
    const err = await captureError(aws.sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' })));

    // Assess
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.message).toBe("Secrets Manager can't find the specified secret value for staging label: AWSPENDING");
  });

  it('answers ResourceNotFoundException for a secret created without a value', async () => {
    // Prepare
    const name = uniqueName('valueless');
    await aws.sm.send(new CreateSecretCommand({ Name: name }));

    // Act
    const err = await captureError(aws.sm.send(new GetSecretValueCommand({ SecretId: name })));

    // Assess
    expect(err.name).toBe('ResourceNotFoundException');
  });

  it('returns a SecretBinary as the bytes stored', async () => {
    // Prepare
    const name = uniqueName('binary');
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await aws.sm.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));

    // Act
    const out = await aws.sm.send(new GetSecretValueCommand({ SecretId: name }));

    // Assess
    expect(out.SecretBinary).toEqual(bytes);
    expect(out.SecretString).toBeUndefined();
  });

  it('records the day of the read as LastAccessedDate', async () => {
    // Prepare
    const name = uniqueName('accessed');
    await createSecret(aws, name);

    const dayOf = (ms: number) => Math.floor(ms / 86_400_000) * 86_400_000;
    const before = dayOf(Date.now());

    // Act
    await aws.sm.send(new GetSecretValueCommand({ SecretId: name }));

    // Assess
    const accessed = (await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).LastAccessedDate;
    expect([before, dayOf(Date.now())]).toContain(accessed?.getTime());
  });
});

describe('PutSecretValue', () => {
  it('moves AWSCURRENT to the new version and attaches AWSPREVIOUS to the old one', async () => {
    // Prepare
    const name = uniqueName('put');
    const first = await createSecret(aws, name, 'one');

    // Act
    const out = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two' }));

    // Assess
    expect(out.VersionStages).toEqual(['AWSCURRENT']);
    expect(await readVersionStages(aws, name)).toEqual({ [first.VersionId!]: ['AWSPREVIOUS'], [out.VersionId!]: ['AWSCURRENT'] });
  });

  it('takes AWSPREVIOUS from the version that had it when AWSCURRENT moves again', async () => {
    // Prepare
    const name = uniqueName('put-twice');
    const first = await createSecret(aws, name, 'one');
    const second = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two' }));

    // Act
    const third = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'three' }));

    // Assess
    const stages = await readVersionStages(aws, name);
    expect(stages[second.VersionId!]).toEqual(['AWSPREVIOUS']);
    expect(stages[third.VersionId!]).toEqual(['AWSCURRENT']);
    expect(stages[first.VersionId!]).toBeUndefined();
  });

  it('answers the existing version unchanged for the same token and the same value', async () => {
    // Prepare
    const name = uniqueName('put-idem');
    await createSecret(aws, name, 'one');
    const token = tokenOf('put');
    const first = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token }));
    const before = await readVersionStages(aws, name);

    // Act
    const again = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token }));

    // Assess
    expect(again.VersionId).toBe(first.VersionId);
    expect(await readVersionStages(aws, name)).toEqual(before);
  });

  it('answers ResourceExistsException for the same token with another value, keeping the first value', async () => {
    // Prepare
    const name = uniqueName('put-conflict');
    await createSecret(aws, name, 'one');
    const token = tokenOf('conflict');
    await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token }));

    // Act
    const err = await captureError(
      aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'other', ClientRequestToken: token })),
    );

    // Assess
    expect(err.name).toBe('ResourceExistsException');
    expect(err.message).not.toContain('other');
    const kept = await aws.sm.send(new GetSecretValueCommand({ SecretId: name, VersionId: token }));
    expect(kept.SecretString).toBe('two');
  });

  it('attaches only the VersionStages given, taking each from the version that had it', async () => {
    // Prepare
    const name = uniqueName('put-stages');
    const first = await createSecret(aws, name, 'one');
    const a = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'a', VersionStages: ['AWSPENDING'] }));

    // Act
    const b = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'b', VersionStages: ['AWSPENDING'] }));

    // Assess
    expect(await readVersionStages(aws, name)).toEqual({ [first.VersionId!]: ['AWSCURRENT'], [b.VersionId!]: ['AWSPENDING'] });
    expect(a.VersionId).not.toBe(b.VersionId);
  });

  it('attaches AWSCURRENT to the first version of a secret created without a value', async () => {
    // Prepare
    const name = uniqueName('put-first');
    await aws.sm.send(new CreateSecretCommand({ Name: name }));

    // Act
    const out = await aws.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'x', VersionStages: ['custom'] }));

    // Assess
    expect(out.VersionStages).toEqual(['custom', 'AWSCURRENT']);
  });

  it('answers ResourceNotFoundException for a secret that does not exist', async () => {
    // Act
    const err = await captureError(aws.sm.send(new PutSecretValueCommand({ SecretId: uniqueName('put-missing'), SecretString: 'x' })));

    // Assess
    expect(err.name).toBe('ResourceNotFoundException');
  });
});

describe('UpdateSecretVersionStage', () => {
  async function twoVersions(label: string) {
    const name = uniqueName(label);
    const current = await createSecret(aws, name, 'current');
    const pending = await aws.sm.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: 'pending', VersionStages: ['AWSPENDING'] }),
    );
    return { name, current: current.VersionId!, pending: pending.VersionId! };
  }

  it('moves AWSCURRENT and leaves AWSPREVIOUS on the version it came from', async () => {
    // Prepare
    const s = await twoVersions('move');

    // Act
    await aws.sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: s.name,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: s.pending,
        RemoveFromVersionId: s.current,
      }),
    );

    // Assess
    expect(await readVersionStages(aws, s.name)).toEqual({ [s.current]: ['AWSPREVIOUS'], [s.pending]: ['AWSPENDING', 'AWSCURRENT'] });
  });

  it('answers InvalidParameterException for a stage attached to another version than RemoveFromVersionId names', async () => {
    // Prepare
    const s = await twoVersions('move-no-remove');

    // Act
    const err = await captureError(
      aws.sm.send(new UpdateSecretVersionStageCommand({ SecretId: s.name, VersionStage: 'AWSCURRENT', MoveToVersionId: s.pending })),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toContain(`Staging label AWSCURRENT is currently attached to version ${s.current}`);
  });

  it('answers InvalidParameterException for a RemoveFromVersionId that does not hold the stage', async () => {
    // Prepare
    const s = await twoVersions('remove-wrong');

    // Act
    const err = await captureError(
      aws.sm.send(
        new UpdateSecretVersionStageCommand({ SecretId: s.name, VersionStage: 'AWSPENDING', RemoveFromVersionId: s.current }),
      ),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
    expect(await readVersionStages(aws, s.name)).toEqual({ [s.current]: ['AWSCURRENT'], [s.pending]: ['AWSPENDING'] });
  });

  it('removes a stage when only RemoveFromVersionId is given', async () => {
    // Prepare
    const s = await twoVersions('remove');

    // Act
    await aws.sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: s.name, VersionStage: 'AWSPENDING', RemoveFromVersionId: s.pending }),
    );

    // Assess
    expect(await readVersionStages(aws, s.name)).toEqual({ [s.current]: ['AWSCURRENT'] });
  });

  it('refuses to remove AWSCURRENT without moving it to another version', async () => {
    // Prepare
    const s = await twoVersions('remove-current');

    // Act
    const err = await captureError(
      aws.sm.send(
        new UpdateSecretVersionStageCommand({ SecretId: s.name, VersionStage: 'AWSCURRENT', RemoveFromVersionId: s.current }),
      ),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
  });

  it('keeps a version without labels readable by id but out of VersionIdsToStages', async () => {
    // Prepare
    const s = await twoVersions('deprecated');
    await aws.sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: s.name, VersionStage: 'AWSPENDING', RemoveFromVersionId: s.pending }),
    );

    // Act
    const out = await aws.sm.send(new GetSecretValueCommand({ SecretId: s.name, VersionId: s.pending }));
    const listed = await aws.sm.send(new ListSecretVersionIdsCommand({ SecretId: s.name, IncludeDeprecated: true }));

    // Assess
    expect(out.VersionStages).toEqual([]);
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual([s.current, s.pending]);
  });
});

describe('TagResource and UntagResource', () => {
  it('adds tags and overwrites the value of a key already present', async () => {
    // Prepare
    const name = uniqueName('tag');
    await aws.sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v', Tags: [{ Key: 'env', Value: 'dev' }] }));

    // Act
    await aws.sm.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'a' }] }));

    // Assess
    const tags = (await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags;
    expect(tags).toEqual([
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'a' },
    ]);
  });

  it('removes the tags whose keys are given', async () => {
    // Prepare
    const name = uniqueName('untag');
    await aws.sm.send(
      new CreateSecretCommand({ Name: name, SecretString: 'v', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }),
    );

    // Act
    await aws.sm.send(new UntagResourceCommand({ SecretId: name, TagKeys: ['a'] }));

    // Assess
    expect((await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).Tags).toEqual([{ Key: 'b', Value: '2' }]);
  });
});

describe('DeleteSecret and RestoreSecret', () => {
  it('schedules the deletion 30 days ahead by default', async () => {
    // Prepare
    const name = uniqueName('delete');
    await createSecret(aws, name);

    // Act
    const out = await aws.sm.send(new DeleteSecretCommand({ SecretId: name }));

    // Assess
    const days = (out.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect((await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).DeletedDate).toEqual(out.DeletionDate);
  });

  it('answers InvalidRequestException when reading a secret scheduled for deletion', async () => {
    // Prepare
    const name = uniqueName('deleted-read');
    await createSecret(aws, name);
    await aws.sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));

    // Act
    const err = await captureError(aws.sm.send(new GetSecretValueCommand({ SecretId: name })));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
    expect(err.message).toContain('marked for deletion');
  });

  it('deletes at once with ForceDeleteWithoutRecovery, freeing the name', async () => {
    // Prepare
    const name = uniqueName('force');
    const first = await createSecret(aws, name);

    // Act
    await aws.sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));

    // Assess
    const again = await createSecret(aws, name);
    expect(again.ARN).not.toBe(first.ARN);
  });

  it.each([6, 31])('answers InvalidParameterException for a recovery window of %i days', async (days) => {
    // Prepare
    const name = uniqueName('window');
    await createSecret(aws, name);

    // Act
    const err = await captureError(aws.sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: days })));

    // Assess
    expect(err.name).toBe('InvalidParameterException');
  });

  it('answers InvalidRequestException when creating a secret under a name scheduled for deletion', async () => {
    // Prepare
    const name = uniqueName('recreate');
    await createSecret(aws, name);
    await aws.sm.send(new DeleteSecretCommand({ SecretId: name }));

    // Act
    const err = await captureError(createSecret(aws, name));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
  });

  it('makes a secret readable again when restored', async () => {
    // Prepare
    const name = uniqueName('restore');
    await createSecret(aws, name, 'kept');
    await aws.sm.send(new DeleteSecretCommand({ SecretId: name }));

    // Act
    await aws.sm.send(new RestoreSecretCommand({ SecretId: name }));

    // Assess
    expect((await aws.sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('kept');
  });
});

describe('scheduled deletion', () => {
  let now = new Date('2026-01-01T00:00:00Z');
  const t = useTestAws({ clock: () => now });

  it('purges a secret once its recovery window has passed', async () => {
    // Prepare
    const name = uniqueName('purge');
    await createSecret(t, name);
    await t.sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));

    // Act
    now = new Date(now.getTime() + 7 * 86_400_000 + 1);

    // Assess
    const err = await captureError(t.sm.send(new DescribeSecretCommand({ SecretId: name })));
    expect(err.name).toBe('ResourceNotFoundException');
  });
});
