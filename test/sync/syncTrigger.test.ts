import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SyncEventSchema } from '../../src/sync/syncTrigger.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:email-worker/prod/db-Ab12Cd';
const sample = (file: string): Record<string, any> => JSON.parse(readFileSync(new URL(`../../events/${file}`, import.meta.url), 'utf8'));

/** A sample event with its detail changed by `edit`. */
const withDetail = (file: string, edit: (detail: Record<string, any>) => void) => {
  const event = sample(file);
  edit(event.detail);
  return event;
};

describe('SyncEventSchema', () => {
  it.each([
    ['sync-secret-label-updated.json', 'Secret Label Updated', '0b6f3f2e-58a1-4c9b-9d57-3e2f1a7c8d90'],
    ['sync-secret-rotated.json', 'Secret Rotated', '0b6f3f2e-58a1-4c9b-9d57-3e2f1a7c8d90'],
    ['sync-rotation-succeeded.json', 'RotationSucceeded (AWS Service Event via CloudTrail)', undefined],
    ['sync-put-secret-value.json', 'PutSecretValue (AWS API Call via CloudTrail)', undefined],
    ['sync-update-secret-version-stage.json', 'UpdateSecretVersionStage (AWS API Call via CloudTrail)', undefined],
  ])('turns the sample %s into a sync of its secret', (file, trigger, versionId) => {
    // Act
    const parsed = SyncEventSchema.parse(sample(file));

    // Assess
    expect(parsed).toEqual({ kind: 'secret', secretId: ARN, trigger, ...(versionId ? { versionId } : {}) });
  });

  it('ignores a label other than AWSCURRENT moving', () => {
    // Prepare
    const event = withDetail('sync-secret-label-updated.json', (d) => {
      d.labelUpdated = 'BLUE';
    });

    // Act
    const parsed = SyncEventSchema.parse(event);

    // Assess
    expect(parsed).toMatchObject({ kind: 'ignore', reason: 'label BLUE moved, not AWSCURRENT' });
  });

  it('turns "Reconcile Continued" into a reconcile of its secrets only', () => {
    // Act
    const parsed = SyncEventSchema.parse(sample('reconcile-continued.json'));

    // Assess
    expect(parsed).toEqual({ kind: 'reconcile', trigger: 'Reconcile Continued', only: [ARN] });
  });

  it('refuses a "Reconcile Continued" naming more than 10 000 secrets', () => {
    // Prepare
    const event = withDetail('reconcile-continued.json', (d) => {
      d.secretArns = Array.from({ length: 10_001 }, (_, i) => `${ARN}${i}`);
    });

    // Act
    const act = () => SyncEventSchema.parse(event);

    // Assess
    expect(act).toThrow();
  });

  it('turns the scheduled sample into a reconcile', () => {
    // Act
    const parsed = SyncEventSchema.parse(sample('sync-schedule.json'));

    // Assess
    expect(parsed).toEqual({ kind: 'reconcile', trigger: 'Scheduled Event' });
  });

  it('reads the secret from responseElements.arn as well as the older aRN', () => {
    // Prepare
    const event = withDetail('sync-update-secret-version-stage.json', (d) => {
      d.responseElements = { arn: ARN };
      d.requestParameters.secretId = 'email-worker/prod/db';
    });

    // Act
    const parsed = SyncEventSchema.parse(event);

    // Assess
    expect(parsed).toMatchObject({ kind: 'secret', secretId: ARN });
  });

  it('falls back to the requested secret id when the response names none', () => {
    // Prepare
    const event = withDetail('sync-put-secret-value.json', (d) => {
      d.responseElements = null;
    });

    // Act
    const parsed = SyncEventSchema.parse(event);

    // Assess
    expect(parsed).toMatchObject({ kind: 'secret', secretId: 'email-worker/prod/db' });
  });

  it.each([
    [
      'a stage move that is not AWSCURRENT',
      withDetail('sync-update-secret-version-stage.json', (d) => {
        d.requestParameters.versionStage = 'AWSPENDING';
      }),
      /AWSCURRENT did not move/,
    ],
    [
      'a stage removal without a move',
      withDetail('sync-update-secret-version-stage.json', (d) => {
        delete d.requestParameters.moveToVersionId;
      }),
      /AWSCURRENT did not move/,
    ],
    [
      'a PutSecretValue staged AWSPENDING',
      withDetail('sync-put-secret-value.json', (d) => {
        d.requestParameters.versionStages = ['AWSPENDING'];
      }),
      /not AWSCURRENT/,
    ],
    [
      'a failed call',
      withDetail('sync-put-secret-value.json', (d) => {
        d.errorCode = 'AccessDenied';
        d.responseElements = null;
      }),
      /the call failed \(AccessDenied\)/,
    ],
    [
      'another API call',
      withDetail('sync-put-secret-value.json', (d) => {
        d.eventName = 'TagResource';
      }),
      /TagResource does not change a secret value/,
    ],
    [
      'another service event',
      withDetail('sync-rotation-succeeded.json', (d) => {
        d.eventName = 'RotationFailed';
      }),
      /not a RotationSucceeded event/,
    ],
  ])('ignores %s, with the reason', (_, event, reason) => {
    // Act
    const parsed = SyncEventSchema.parse(event);

    // Assess
    expect(parsed.kind).toBe('ignore');
    expect(parsed.kind === 'ignore' && parsed.reason).toMatch(reason);
  });

  it.each([
    ['an unsupported source', { ...sample('sync-schedule.json'), source: 'aws.ec2' }, /unsupported event: source "aws.ec2"/],
    [
      'a Secret Rotated detail without secretArn',
      withDetail('sync-secret-rotated.json', (d) => {
        delete d.secretArn;
      }),
      /detail\.secretArn/,
    ],
    [
      'a CloudTrail record of another service',
      withDetail('sync-put-secret-value.json', (d) => {
        d.eventSource = 'kms.amazonaws.com';
      }),
      /detail\.eventSource/,
    ],
    [
      'a CloudTrail record naming no secret',
      withDetail('sync-put-secret-value.json', (d) => {
        d.requestParameters = {};
        d.responseElements = null;
      }),
      /names no secret/,
    ],
    ['an event without detail-type', { source: 'keyroll', detail: {} }, /detail-type/],
  ])('rejects %s, naming the problem', (_, event, message) => {
    // Act
    const parsed = SyncEventSchema.safeParse(event);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toMatch(message);
  });
});
