import { describe, expect, it } from 'vitest';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleep } from 'node:timers/promises';
import { useTestAws } from '../support/endpoint.js';
import { uniqueName } from '../support/postgres.js';
import { RedeployInputError } from '../../src/redeploy/errors.js';
import { findCurrentVersion } from '../../src/redeploy/findCurrentVersion.js';

const aws = useTestAws();

async function createSecret(): Promise<string> {
  return (await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('current'), SecretString: '{"v":1}' }))).ARN!;
}

/** The AWSCURRENT version as GetSecretValue reports it: what findCurrentVersion must agree with. */
async function currentOf(arn: string) {
  const v = await aws.sm.send(new GetSecretValueCommand({ SecretId: arn }));
  return { versionId: v.VersionId!, createdDate: v.CreatedDate! };
}

describe('findCurrentVersion', () => {
  it('answers the version a value change made AWSCURRENT, with its creation date', async () => {
    // Prepare
    const arn = await createSecret();
    await sleep(5);
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{"v":2}' }));

    // Act
    const found = await findCurrentVersion(aws.sm, arn);

    // Assess
    expect(found).toEqual(await currentOf(arn));
  });

  it.each([
    ['a tag added', (arn: string) => aws.sm.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'team', Value: 'payments' }] }))],
    ['a tag removed', (arn: string) => aws.sm.send(new UntagResourceCommand({ SecretId: arn, TagKeys: ['team'] }))],
  ])('keeps the value creation date through a settings change (%s)', async (_what, settingsChange) => {
    // Prepare
    const arn = await createSecret();
    const before = await currentOf(arn);
    await sleep(5);

    // Act
    await settingsChange(arn);
    const found = await findCurrentVersion(aws.sm, arn);

    // Assess
    expect(found).toEqual(before);
  });

  it('makes one ListSecretVersionIds call when the first page holds AWSCURRENT', async () => {
    // Prepare
    const arn = await createSecret();
    aws.endpoint.resetLog();

    // Act
    await findCurrentVersion(aws.sm, arn);

    // Assess
    expect(aws.endpoint.requestLog.map((r) => `${r.service}.${r.operation}`)).toEqual(['secretsmanager.ListSecretVersionIds']);
  });

  it('follows NextToken to the page that holds AWSCURRENT', async () => {
    // Prepare: 100 labelled versions before the one that becomes AWSCURRENT, so it sits on the second page.
    const arn = await createSecret();
    for (let i = 0; i < 100; i++) {
      await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: `{"v":"label-${i}"}`, VersionStages: [`L${i}`] }));
    }
    await aws.sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{"v":"current"}' }));
    aws.endpoint.resetLog();

    // Act
    const found = await findCurrentVersion(aws.sm, arn);

    // Assess
    expect(found).toEqual(await currentOf(arn));
    expect(aws.endpoint.count('secretsmanager.ListSecretVersionIds')).toBe(2);
  });

  it('throws RedeployInputError naming the secret, with the SDK error in cause, for a missing secret', async () => {
    // Prepare
    const name = uniqueName('missing');

    // Act
    const act = findCurrentVersion(aws.sm, name);

    // Assess
    await expect(act).rejects.toThrow(new RedeployInputError(
      `redeploy: secret ${name}: cannot list its versions to learn when its AWSCURRENT value was created: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    ));
    await expect(act).rejects.toMatchObject({ cause: { name: 'ResourceNotFoundException' } });
  });
});
