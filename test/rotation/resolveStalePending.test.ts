import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { withAdmin } from '../support/postgres.js';
import { useTestAws } from '../support/endpoint.js';
import { resolveStalePending } from '../../src/rotation/resolveStalePending.js';
import { runRotationStep } from '../../src/rotation/rotate.js';
import { logsIn, rotateAndWait, registerRotation, rotationDeps, seedSecret, stagesOf, startPausedRotation, valueOf } from '../support/rotation.js';

describe('resolveStalePending', () => {
  const aws = useTestAws();

  it('does nothing when no version other than AWSCURRENT is AWSPENDING', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    registerRotation(aws, rotationDeps(aws));
    await rotateAndWait(aws, secret.arn);
    const before = await stagesOf(aws, secret.arn);
    // Act
    const report = await resolveStalePending(rotationDeps(aws), secret.arn);
    // Assess
    expect(report.action).toBe('none');
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });

  it('finishes the rotation when the database already took the pending password', async () => {
    // Prepare: a single-user rotation that stopped after setSecret (current no longer logs in).
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    for (const Step of ['createSecret', 'setSecret'] as const) await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step });
    // Act
    const report = await resolveStalePending(deps, secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'finished', versionId: token });
    const stages = await stagesOf(aws, secret.arn);
    expect(stages[token]).toEqual(['AWSCURRENT']);
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('drops the label when the current credentials still log in', async () => {
    // Prepare: a rotation that stopped after createSecret.
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    // Act
    const report = await resolveStalePending(deps, secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'dropped', versionId: token, reason: 'the current credentials still log in' });
    expect(Object.values(await stagesOf(aws, secret.arn)).flat()).not.toContain('AWSPENDING');
    expect(await logsIn(deps.db, await valueOf(aws, secret.arn))).toBe(true);
  });

  it('drops a label whose version never received a value', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);
    // Act
    const report = await resolveStalePending(rotationDeps(aws), secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'dropped', versionId: token });
    expect((await stagesOf(aws, secret.arn))[token] ?? []).not.toContain('AWSPENDING');
  });

  it('reports without changing anything in a dry run', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await aws.sm.send(
      new PutSecretValueCommand({ SecretId: secret.arn, ClientRequestToken: token, SecretString: JSON.stringify(await valueOf(aws, secret.arn)), VersionStages: ['AWSPENDING'] }),
    );
    const before = await stagesOf(aws, secret.arn);
    // Act
    const report = await resolveStalePending(rotationDeps(aws), secret.arn, { dryRun: true });
    // Assess
    expect(report).toMatchObject({ action: 'dropped', dryRun: true });
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });
});

describe('resolveStalePending when no safe decision exists, or the database moves meanwhile', () => {
  const aws = useTestAws();

  it('changes nothing when neither the pending nor the current credentials log in', async () => {
    // Prepare: a rotation stopped after createSecret, then the role's password changed by hand.
    const secret = await seedSecret(aws);
    const deps = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(deps, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    await withAdmin((a) => a.query(`ALTER ROLE ${pg.escapeIdentifier(secret.role.name)} PASSWORD 'Changed-By-Hand-1!'`));
    const before = await stagesOf(aws, secret.arn);
    // Act
    const report = await resolveStalePending(deps, secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'left', versionId: token });
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });

  it('changes nothing when the pending version names another host', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);
    const foreign = { ...(await valueOf(aws, secret.arn)), host: 'elsewhere.example.com', password: 'Foreign-Pass-1!' };
    await aws.sm.send(new PutSecretValueCommand({ SecretId: secret.arn, ClientRequestToken: token, SecretString: JSON.stringify(foreign), VersionStages: ['AWSPENDING'] }));
    const before = await stagesOf(aws, secret.arn);
    // Act
    const report = await resolveStalePending(rotationDeps(aws), secret.arn);
    // Assess
    expect(report.action).toBe('left');
    expect(report.reason).toContain('pending endpoint differs from the current one');
    expect(await stagesOf(aws, secret.arn)).toEqual(before);
  });

  it('finishes the rotation when setSecret changes the database while the label is being dropped', async () => {
    // Prepare: the database takes the pending password right after the heal decided to drop.
    const secret = await seedSecret(aws);
    const base = rotationDeps(aws);
    const token = await startPausedRotation(aws, secret.arn);
    await runRotationStep(base, { SecretId: secret.arn, ClientRequestToken: token, Step: 'createSecret' });
    const pendingPassword = (await valueOf(aws, secret.arn, 'AWSPENDING')).password;
    let calls = 0;
    const racing = {
      ...base,
      db: {
        ...base.db,
        canLogIn: async (creds: Parameters<typeof base.db.canLogIn>[0]) => {
          calls += 1;
          if (calls === 3) {
            await withAdmin((a) => a.query(`ALTER ROLE ${pg.escapeIdentifier(secret.role.name)} PASSWORD ${pg.escapeLiteral(pendingPassword)}`));
          }
          return base.db.canLogIn(creds);
        },
      },
    };
    // Act
    const report = await resolveStalePending(racing, secret.arn);
    // Assess
    expect(report).toMatchObject({ action: 'finished', versionId: token });
    expect((await stagesOf(aws, secret.arn))[token]).toEqual(['AWSCURRENT']);
    expect(await logsIn(base.db, await valueOf(aws, secret.arn))).toBe(true);
  });
});
