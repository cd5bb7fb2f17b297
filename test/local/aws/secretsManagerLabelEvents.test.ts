import { describe, expect, it } from 'vitest';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { useTestAws, type TestAws } from '../../support/endpoint.js';
import { createManualClock, labelUpdatesOf, readVersionStages, recordInvocations, useFreshTestAws } from '../../support/awsFixtures.js';

const aws = useTestAws();
const freshAws = useFreshTestAws();

let counter = 0;
const uniqueName = (label: string) => `label-events/${label}-${++counter}`;

/** The label moves announced about a secret, as [labelUpdated, versionId]. */
const movesOf = (t: TestAws, arn: string) => labelUpdatesOf(t, arn).map((e) => [e.detail.labelUpdated, e.detail.versionId]);

async function createSecret(t: TestAws, name: string) {
  const out = await t.sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));
  return { arn: out.ARN!, versionId: out.VersionId! };
}

/** A secret with a first value, and the label moves announced about it since. */
async function createWatchedSecret(t: TestAws, label: string) {
  const secret = await createSecret(t, uniqueName(label));
  return { ...secret, moves: () => movesOf(t, secret.arn) };
}

describe('Secrets Manager "Secret Label Updated" events', () => {
  it('shapes the event as AWS documents it, on the default bus, with the secret ARN as its resource', async () => {
    // Prepare
    const clock = createManualClock(new Date('2026-03-01T12:00:00.750Z'));
    const t = await freshAws({ clock: clock.now, region: 'eu-west-1', accountId: '123456789012' });
    const name = uniqueName('shape');

    const created = await t.sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' }));

    // Act
    const out = await t.sm.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'v2' }));

    // Assess
    expect(labelUpdatesOf(t, created.ARN!)).toEqual([
      {
        version: '0',
        id: expect.any(String),
        'detail-type': 'Secret Label Updated',
        source: 'aws.secretsmanager',
        account: '123456789012',
        time: '2026-03-01T12:00:00Z',
        region: 'eu-west-1',
        resources: [created.ARN],
        detail: { name, labelUpdated: 'AWSCURRENT', versionId: out.VersionId },
      },
    ]);
  });

  it("announces nothing for the AWSCURRENT of CreateSecret's first version, which moves from no version", async () => {
    // Act
    const secret = await createSecret(aws, uniqueName('create'));

    // Assess
    expect(movesOf(aws, secret.arn)).toEqual([]);
  });

  it('announces nothing for the first value PutSecretValue stores in a secret created without one', async () => {
    // Prepare
    const created = await aws.sm.send(new CreateSecretCommand({ Name: uniqueName('empty') }));

    // Act
    await aws.sm.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'v1' }));

    // Assess
    expect(movesOf(aws, created.ARN!)).toEqual([]);
  });

  it('announces AWSCURRENT, not AWSPREVIOUS, when PutSecretValue stores a new current value', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'put');

    // Act
    const out = await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2' }));

    // Assess
    expect(secret.moves()).toEqual([['AWSCURRENT', out.VersionId]]);
  });

  it('announces each stage PutSecretValue moves, custom labels included, in the order it names them', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'put-stages');
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2', VersionStages: ['blue'] }));

    // Act
    const out = await aws.sm.send(
      new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v3', VersionStages: ['blue', 'AWSPENDING', 'AWSCURRENT'] }),
    );

    // Assess
    expect(secret.moves()).toEqual([
      ['blue', out.VersionId],
      ['AWSCURRENT', out.VersionId],
    ]);
  });

  it('announces nothing for a custom label no version had yet', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'put-new-label');

    // Act
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2', VersionStages: ['blue'] }));

    // Assess
    expect(secret.moves()).toEqual([]);
  });

  it('announces nothing when PutSecretValue stores an AWSPENDING version', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'put-pending');

    // Act
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));

    // Assess
    expect(secret.moves()).toEqual([]);
  });

  it('announces nothing for a retried PutSecretValue, which moves no label', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'put-retry');
    const request = { SecretId: secret.arn, SecretString: 'v2', ClientRequestToken: crypto.randomUUID() };
    await aws.sm.send(new PutSecretValueCommand(request));

    // Act
    await aws.sm.send(new PutSecretValueCommand(request));

    // Assess
    expect(secret.moves()).toEqual([['AWSCURRENT', request.ClientRequestToken]]);
  });

  it('announces AWSCURRENT when UpdateSecret stores a new value', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'update');

    // Act
    const out = await aws.sm.send(new UpdateSecretCommand({ SecretId: secret.arn, SecretString: 'v2' }));

    // Assess
    expect(secret.moves()).toEqual([['AWSCURRENT', out.VersionId]]);
  });

  it('announces nothing when UpdateSecret changes only the description', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'update-description');

    // Act
    await aws.sm.send(new UpdateSecretCommand({ SecretId: secret.arn, Description: 'metadata only' }));

    // Assess
    expect(secret.moves()).toEqual([]);
  });

  it('announces AWSCURRENT when UpdateSecretVersionStage moves it back to an older version', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'move-current');
    const v2 = await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2' }));

    // Act
    await aws.sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secret.arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: secret.versionId,
        RemoveFromVersionId: v2.VersionId,
      }),
    );

    // Assess
    expect(secret.moves()).toEqual([
      ['AWSCURRENT', v2.VersionId],
      ['AWSCURRENT', secret.versionId],
    ]);
  });

  it('announces a custom label UpdateSecretVersionStage moves', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'move-custom');
    const v2 = await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2', VersionStages: ['blue'] }));

    // Act
    await aws.sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: secret.arn, VersionStage: 'blue', MoveToVersionId: secret.versionId, RemoveFromVersionId: v2.VersionId }),
    );

    // Assess
    expect(secret.moves()).toEqual([['blue', secret.versionId]]);
  });

  it.each([
    ['removes a custom label without moving it', { VersionStage: 'blue', RemoveFrom: 'v2' }],
    ['attaches a custom label no version had', { VersionStage: 'green', MoveTo: 'v1' }],
    ['moves a label to the version that already holds it', { VersionStage: 'blue', MoveTo: 'v2' }],
    ['moves AWSPREVIOUS', { VersionStage: 'AWSPREVIOUS', MoveTo: 'v2', RemoveFrom: 'v1' }],
  ] as const)('announces nothing when UpdateSecretVersionStage %s', async (_, move) => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'move-none');
    const v2 = await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2', VersionStages: ['blue'] }));
    await aws.sm.send(new UpdateSecretVersionStageCommand({ SecretId: secret.arn, VersionStage: 'AWSPREVIOUS', MoveToVersionId: secret.versionId }));
    const idOf = (v: 'v1' | 'v2' | undefined) => (v === 'v1' ? secret.versionId : v === 'v2' ? v2.VersionId : undefined);

    // Act
    await aws.sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secret.arn,
        VersionStage: move.VersionStage,
        MoveToVersionId: idOf('MoveTo' in move ? move.MoveTo : undefined),
        RemoveFromVersionId: idOf('RemoveFrom' in move ? move.RemoveFrom : undefined),
      }),
    );

    // Assess
    expect(secret.moves()).toEqual([]);
  });

  it('announces the AWSCURRENT move of a rotation finishSecret, not its AWSPENDING version', async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'rotation');
    const functionName = `label-rotator-${++counter}`;
    aws.endpoint.lambdas.register(functionName, async (event) => {
      const e = event as { SecretId: string; ClientRequestToken: string; Step: string };
      if (e.Step === 'createSecret') {
        await aws.sm.send(
          new PutSecretValueCommand({ SecretId: e.SecretId, ClientRequestToken: e.ClientRequestToken, SecretString: 'rotated', VersionStages: ['AWSPENDING'] }),
        );
      }
      if (e.Step === 'finishSecret') {
        const stages = await readVersionStages(aws, e.SecretId);
        const current = Object.keys(stages).find((v) => stages[v]!.includes('AWSCURRENT'));
        await aws.sm.send(
          new UpdateSecretVersionStageCommand({ SecretId: e.SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: e.ClientRequestToken, RemoveFromVersionId: current }),
        );
      }
    });

    // Act
    const out = await aws.sm.send(
      new RotateSecretCommand({ SecretId: secret.arn, RotationLambdaARN: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}` }),
    );
    await aws.endpoint.idle();

    // Assess
    expect(secret.moves()).toEqual([['AWSCURRENT', out.VersionId]]);
  });

  it("publishes the event after the call's CloudTrail record", async () => {
    // Prepare
    const secret = await createWatchedSecret(aws, 'order');
    const before = aws.endpoint.eventBridge.events.length;

    // Act
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2' }));

    // Assess
    expect(aws.endpoint.eventBridge.events.slice(before).map((e) => e['detail-type'])).toEqual([
      'AWS API Call via CloudTrail',
      'Secret Label Updated',
    ]);
  });

  it('publishes nothing for a secret another service seeds', async () => {
    // Act
    const seeded = aws.endpoint.secretsManager.createManagedSecret({ name: `rds!db-${crypto.randomUUID()}`, owningService: 'rds', secretString: '{}' });

    // Assess
    expect(movesOf(aws, seeded.arn)).toEqual([]);
  });

  it('routes the event to the target of a default-bus rule matching its label', async () => {
    // Prepare
    const t = await freshAws({
      rules: [
        {
          name: 'current-moved',
          pattern: { source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'], detail: { labelUpdated: ['AWSCURRENT'] } },
          target: 'sync',
        },
      ],
    });
    const received = recordInvocations(t, 'sync');
    const secret = await createSecret(t, uniqueName('routed'));

    await t.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v2', VersionStages: ['blue'] }));

    // Act
    const out = await t.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, SecretString: 'v3', VersionStages: ['AWSCURRENT', 'blue'] }));
    await t.endpoint.idle();

    // Assess
    expect((received as Array<{ detail: unknown }>).map((e) => e.detail)).toEqual([
      expect.objectContaining({ labelUpdated: 'AWSCURRENT', versionId: out.VersionId }),
    ]);
  });
});
