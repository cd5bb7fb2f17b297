import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { listManagedSecrets } from '../../src/sync/listManagedSecrets.js';
import { useTestAws, type TestAws } from '../support/endpoint.js';

const unique = () => randomUUID().slice(0, 8);
const pathTag = () => ({ Key: 'keyroll:ssm-path', Value: `/kr-list/${unique()}/db` });

// The listing is under test, not the rotation: a function whose every step succeeds is enough
// for Secrets Manager to record the rotation settings and dates.
const SUCCEEDING_FUNCTION = 'keyroll-list-succeeding-rotation';

async function createManaged(t: TestAws): Promise<string> {
  const out = await t.sm.send(new CreateSecretCommand({ Name: `kr-list-${unique()}`, SecretString: '{}', Tags: [pathTag()] }));
  return out.ARN!;
}

describe('listManagedSecrets', () => {
  const aws = useTestAws();

  it('gives each managed secret its rotation settings and dates, as ListSecrets reports them', async () => {
    // Prepare
    const arn = await createManaged(aws);
    aws.endpoint.lambdas.register(SUCCEEDING_FUNCTION, async () => ({}));
    const functionArn = `arn:aws:lambda:${aws.endpoint.region}:${aws.endpoint.accountId}:function:${SUCCEEDING_FUNCTION}`;
    await aws.sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, RotationRules: { AutomaticallyAfterDays: 30 } }));
    await aws.endpoint.idle(10_000);

    // Act
    const listed = (await listManagedSecrets(aws.sm)).find((s) => s.secretArn === arn);

    // Assess
    expect(listed).toMatchObject({ rotationEnabled: true, rotationLambdaArn: functionArn });
    expect(listed?.lastRotatedDate).toBeInstanceOf(Date);
    expect(listed?.nextRotationDate?.getTime()).toBeGreaterThan(listed!.lastRotatedDate!.getTime());
  });

  it('says rotation is off, with no function nor dates, for a secret never rotated', async () => {
    // Prepare
    const arn = await createManaged(aws);

    // Act
    const listed = (await listManagedSecrets(aws.sm)).find((s) => s.secretArn === arn);

    // Assess
    expect(listed).toMatchObject({ rotationEnabled: false });
    expect(listed).not.toHaveProperty('rotationLambdaArn');
    expect(listed).not.toHaveProperty('lastRotatedDate');
    expect(listed).not.toHaveProperty('nextRotationDate');
  });
});
