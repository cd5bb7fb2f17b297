import { describe, expect, it } from 'vitest';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';

const aws = useTestAws();

let counter = 0;
const uniqueId = (label: string) => `${label}-${++counter}`;

/** Seeds an instance whose master password RDS manages; answers its ARN and its secret's ARN. */
function seedManagedInstance(password?: string) {
  const seeded = aws.endpoint.rds.addInstance({
    dbInstanceIdentifier: uniqueId('db'),
    masterUsername: 'admin',
    manageMasterUserPassword: password === undefined ? true : { password },
  });
  return { instanceArn: seeded.arn, secretArn: seeded.masterUserSecretArn! };
}

describe('RDS-managed master user secret', () => {
  it('is named rds!db-<uuid> and holds only the username and the password', async () => {
    // Prepare
    const { secretArn } = seedManagedInstance('initial-password');

    // Act
    const value = await aws.sm.send(new GetSecretValueCommand({ SecretId: secretArn }));

    // Assess
    expect(value.Name).toMatch(/^rds!db-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(JSON.parse(value.SecretString!)).toEqual({ username: 'admin', password: 'initial-password' });
    expect(value.VersionStages).toEqual(['AWSCURRENT']);
  });

  it('is generated with a random password when the seed gives none', async () => {
    // Prepare
    const first = seedManagedInstance();
    const second = seedManagedInstance();

    // Act
    const passwords = await Promise.all(
      [first, second].map(async (s) => JSON.parse((await aws.sm.send(new GetSecretValueCommand({ SecretId: s.secretArn }))).SecretString!).password),
    );

    // Assess
    expect(passwords[0]).toMatch(/^.{28}$/);
    expect(passwords[0]).not.toBe(passwords[1]);
  });

  it('is tagged with the instance ARN and the owning service, and described as owned by rds', async () => {
    // Prepare
    const { instanceArn, secretArn } = seedManagedInstance();

    // Act
    const described = await aws.sm.send(new DescribeSecretCommand({ SecretId: secretArn }));

    // Assess
    expect(described).toMatchObject({
      OwningService: 'rds',
      Tags: [
        { Key: 'aws:rds:primaryDBInstanceArn', Value: instanceArn },
        { Key: 'aws:secretsmanager:owningService', Value: 'rds' },
      ],
      Description: `Secret associated with primary RDS DB instance: ${instanceArn}`,
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 7 },
    });
    expect(described.RotationLambdaARN).toBeUndefined();
  });

  it('is named rds!cluster-<uuid> and tagged with the cluster ARN for a cluster', async () => {
    // Prepare
    const seeded = aws.endpoint.rds.addCluster({ dbClusterIdentifier: uniqueId('cluster'), manageMasterUserPassword: true });

    // Act
    const described = await aws.sm.send(new DescribeSecretCommand({ SecretId: seeded.masterUserSecretArn! }));

    // Assess
    expect(described.Name).toMatch(/^rds!cluster-/);
    expect(described.Tags?.[0]).toEqual({ Key: 'aws:rds:primaryDBClusterArn', Value: seeded.arn });
  });

  it('is found by name, the ! included', async () => {
    // Prepare
    const { secretArn } = seedManagedInstance();
    const name = (await aws.sm.send(new DescribeSecretCommand({ SecretId: secretArn }))).Name!;

    // Act
    const byName = await aws.sm.send(new DescribeSecretCommand({ SecretId: name }));

    // Assess
    expect(byName.ARN).toBe(secretArn);
  });

  it('is listed by the owning-service filter, and secrets you manage are not', async () => {
    // Prepare
    const { secretArn } = seedManagedInstance();
    const own = await aws.sm.send(new CreateSecretCommand({ Name: uniqueId('own-secret'), SecretString: 'v' }));

    // Act
    const listed = await aws.sm.send(new ListSecretsCommand({ Filters: [{ Key: 'owning-service', Values: ['rds'] }] }));

    // Assess
    const arns = listed.SecretList?.map((s) => s.ARN);
    expect(arns).toContain(secretArn);
    expect(arns).not.toContain(own.ARN);
    expect(listed.SecretList?.find((s) => s.ARN === secretArn)?.OwningService).toBe('rds');
  });

  it('refuses PutSecretValue: the secret is managed by another service', async () => {
    // Prepare
    const { secretArn } = seedManagedInstance();

    // Act
    const err = await captureError(aws.sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: '{"password":"mine"}' })));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
    expect(err.message).toMatch(/^The secret rds!db-\S+ is managed by rds, and you must use that service to update it\.$/);
  });

  it('refuses an UpdateSecret that changes the value, and accepts one that changes the description', async () => {
    // Prepare
    const { secretArn } = seedManagedInstance();

    // Act
    const valueChange = await captureError(aws.sm.send(new UpdateSecretCommand({ SecretId: secretArn, SecretString: 'x' })));
    await aws.sm.send(new UpdateSecretCommand({ SecretId: secretArn, Description: 'read by the rotator' }));

    // Assess
    expect(valueChange.name).toBe('InvalidRequestException');
    expect((await aws.sm.send(new DescribeSecretCommand({ SecretId: secretArn }))).Description).toBe('read by the rotator');
  });

  it('answers RotateSecret without a Lambda function with an error naming the managed rotation it does not emulate', async () => {
    // Prepare
    const { secretArn } = seedManagedInstance();

    // Act
    const err = await captureError(aws.sm.send(new RotateSecretCommand({ SecretId: secretArn })));

    // Assess
    expect(err.name).toBe('InvalidRequestException');
    expect(err.message).toContain("rds's managed rotation, which keyroll's local endpoint does not emulate");
  });
});
