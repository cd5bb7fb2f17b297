import { describe, expect, it } from 'vitest';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretCommand,
  type UpdateSecretRequest,
} from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';
import { readVersionStages, recordInvocations } from '../../support/awsFixtures.js';

const KEY_ALIAS = 'alias/keyroll-update-test';
const aws = useTestAws({ kmsKeys: [KEY_ALIAS] });

let counter = 0;
const uniqueName = (label: string) => `sm-update/${label}-${++counter}`;
const tokenOf = (label: string) => `${label}-${crypto.randomUUID()}`.slice(0, 64);

async function createSecret(name: string, token = tokenOf('first')) {
  return aws.sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: token }));
}

const update = (request: UpdateSecretRequest) => aws.sm.send(new UpdateSecretCommand(request));

describe('UpdateSecret', () => {
  it('stores a new value as a new version that takes AWSCURRENT, leaving AWSPREVIOUS on the old one', async () => {
    // Prepare
    const name = uniqueName('value');
    const first = tokenOf('first');
    await createSecret(name, first);
    const second = tokenOf('second');

    // Act
    const out = await update({ SecretId: name, SecretString: 'v2', ClientRequestToken: second });

    // Assess
    expect(out).toMatchObject({ Name: name, VersionId: second });
    expect(out.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:sm-update\//);
    expect(await readVersionStages(aws, name)).toEqual({ [first]: ['AWSPREVIOUS'], [second]: ['AWSCURRENT'] });
    expect((await aws.sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v2');
  });

  it('moves AWSPREVIOUS on with each new value, so the oldest version keeps no label', async () => {
    // Prepare
    const name = uniqueName('three');
    const first = tokenOf('first');
    await createSecret(name, first);
    const second = (await update({ SecretId: name, SecretString: 'v2' })).VersionId!;

    // Act
    const third = (await update({ SecretId: name, SecretString: 'v3' })).VersionId!;

    // Assess
    expect(await readVersionStages(aws, name)).toEqual({ [second]: ['AWSPREVIOUS'], [third]: ['AWSCURRENT'] });
  });

  it('changes only the description when no value is given: no version, no VersionId', async () => {
    // Prepare
    const name = uniqueName('description');
    const first = tokenOf('first');
    await createSecret(name, first);

    // Act
    const out = await update({ SecretId: name, Description: 'the orders database' });

    // Assess
    expect(out.VersionId).toBeUndefined();
    expect(await readVersionStages(aws, name)).toEqual({ [first]: ['AWSCURRENT'] });
    expect((await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).Description).toBe('the orders database');
  });

  it('answers a retry with the same token and value as the first call, creating no second version', async () => {
    // Prepare
    const name = uniqueName('retry');
    await createSecret(name);
    const token = tokenOf('retry');
    await update({ SecretId: name, SecretString: 'v2', ClientRequestToken: token });

    // Act
    const again = await update({ SecretId: name, SecretString: 'v2', ClientRequestToken: token });

    // Assess
    expect(again.VersionId).toBe(token);
    expect(Object.keys(await readVersionStages(aws, name))).toHaveLength(2);
  });

  it('answers ResourceExistsException for a token of an existing version with another value', async () => {
    // Prepare
    const name = uniqueName('modify');
    const first = tokenOf('first');
    await createSecret(name, first);

    // Act
    const err = await captureError(update({ SecretId: name, SecretString: 'other', ClientRequestToken: first }));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'ResourceExistsException',
      message: "You can't modify an existing version, you can only create a new version.",
    });
  });

  it('answers InvalidParameterException for both SecretString and SecretBinary', async () => {
    // Prepare
    const name = uniqueName('both');
    await createSecret(name);

    // Act
    const err = await captureError(update({ SecretId: name, SecretString: 's', SecretBinary: new Uint8Array([1]) }));

    // Assess
    expect(err.name).toBe('InvalidParameterException');
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    // Act
    const err = await captureError(update({ SecretId: uniqueName('missing'), Description: 'd' }));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
  });

  it('answers InvalidRequestException for a secret marked for deletion', async () => {
    // Prepare
    const name = uniqueName('deleted');
    await createSecret(name);
    await aws.sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));

    // Act
    const err = await captureError(update({ SecretId: name, SecretString: 'v2' }));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
  });

  it('sets the KMS key a known alias names, and answers EncryptionFailure for an unknown one', async () => {
    // Prepare
    const name = uniqueName('kms');
    await createSecret(name);

    // Act
    await update({ SecretId: name, KmsKeyId: KEY_ALIAS });
    const unknown = await captureError(update({ SecretId: name, KmsKeyId: 'alias/nobody-made-this' }));

    // Assess
    expect((await aws.sm.send(new DescribeSecretCommand({ SecretId: name }))).KmsKeyId).toBe(
      `arn:aws:kms:us-east-1:000000000000:${KEY_ALIAS}`,
    );
    expect(unknown.name).toBe('EncryptionFailure');
  });

  it('is not refused while a rotation left AWSPENDING on another version (AWS documents no such refusal)', async () => {
    // Prepare
    const name = uniqueName('pending');
    await createSecret(name);
    recordInvocations(aws, 'noop-rotator');
    const rotation = await aws.sm.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:noop-rotator' }),
    );
    await aws.endpoint.idle();

    // Act
    const out = await update({ SecretId: name, SecretString: 'v2' });

    // Assess
    const stages = await readVersionStages(aws, name);
    expect(stages[out.VersionId!]).toEqual(['AWSCURRENT']);
    expect(stages[rotation.VersionId!]).toEqual(['AWSPENDING']);
  });

  it('publishes an "AWS API Call via CloudTrail" UpdateSecret event without the value', async () => {
    // Prepare
    const name = uniqueName('event');
    await createSecret(name);
    const token = tokenOf('event');

    // Act
    const out = await update({ SecretId: name, SecretString: 'secret-value-never-logged', ClientRequestToken: token, Description: 'd' });

    // Assess
    const event = aws.endpoint.eventBridge.events.find(
      (e) => (e.detail as { eventName?: string }).eventName === 'UpdateSecret' && (e.detail as { requestParameters: { secretId: string } }).requestParameters.secretId === name,
    );
    expect(event).toMatchObject({
      source: 'aws.secretsmanager',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventSource: 'secretsmanager.amazonaws.com',
        eventName: 'UpdateSecret',
        requestParameters: { secretId: name, clientRequestToken: token, description: 'd' },
        responseElements: { arn: out.ARN, name, versionId: token },
      },
    });
    expect(JSON.stringify(event)).not.toContain('secret-value-never-logged');
  });
});
