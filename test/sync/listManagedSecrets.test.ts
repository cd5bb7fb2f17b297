import { describe, expect, it } from 'vitest';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { listManagedSecrets } from '../../src/sync/listManagedSecrets.js';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { registerRotation, rotateAndWait, rotationDeps, rotationLambdaArn, seedSecret } from '../support/rotation.js';

const pathTag = () => ({ Key: 'keyroll:ssm-path', Value: `/${uniqueName('app')}/db` });

describe('listManagedSecrets', () => {
  const aws = useTestAws();

  it('gives each managed secret its rotation settings and dates, as ListSecrets reports them', async () => {
    // Prepare
    const secret = await seedSecret(aws, { tags: [pathTag()] });
    registerRotation(aws, rotationDeps(aws));
    await rotateAndWait(aws, secret.arn);

    // Act
    const listed = (await listManagedSecrets(aws.sm)).find((s) => s.secretArn === secret.arn);

    // Assess
    expect(listed).toMatchObject({ name: secret.name, rotationEnabled: true, rotationLambdaArn: rotationLambdaArn(aws) });
    expect(listed?.lastRotatedDate).toBeInstanceOf(Date);
    expect(listed?.nextRotationDate?.getTime()).toBeGreaterThan(listed!.lastRotatedDate!.getTime());
  });

  it('says rotation is off, with no function nor dates, for a secret never rotated', async () => {
    // Prepare
    const created = await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('plain'), SecretString: '{}', Tags: [pathTag()] }));

    // Act
    const listed = (await listManagedSecrets(aws.sm)).find((s) => s.secretArn === created.ARN);

    // Assess
    expect(listed).toMatchObject({ rotationEnabled: false });
    expect(listed).not.toHaveProperty('rotationLambdaArn');
    expect(listed).not.toHaveProperty('lastRotatedDate');
    expect(listed).not.toHaveProperty('nextRotationDate');
  });
});
