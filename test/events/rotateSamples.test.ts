import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { usePostgres } from '../support/postgres.js';
import { logsIn, rotationDeps, seedSecret, stagesOf, startPausedRotation, valueOf } from '../support/rotation.js';
import { RotationEventSchema, ROTATION_STEPS } from '../../src/events.js';

const sample = async (step: string) => JSON.parse(await readFile(new URL(`../../events/rotate-${step}.json`, import.meta.url), 'utf8')) as Record<string, string>;

describe('events/rotate-*.json', () => {
  const aws = useTestAws();
  let handler: (event: unknown, context: unknown) => Promise<unknown>;

  beforeAll(async () => {
    process.env.AWS_ENDPOINT_URL = aws.endpoint.url;
    process.env.DB_CA_BUNDLE = usePostgres().caCertPath;
    handler = (await import('../../src/handlers/rotate.js')).handler as never;
  });

  it.each(ROTATION_STEPS.map((s) => [s]))('%s is a valid rotation event', async (step) => {
    expect(RotationEventSchema.parse(await sample(step)).Step).toBe(step);
  });

  it('drive a whole rotation through the handler once pointed at a real secret and token', async () => {
    // Prepare
    const secret = await seedSecret(aws);
    const token = await startPausedRotation(aws, secret.arn);
    // Act
    for (const step of ROTATION_STEPS) {
      await handler({ ...(await sample(step)), SecretId: secret.arn, ClientRequestToken: token }, {});
    }
    // Assess
    expect((await stagesOf(aws, secret.arn))[token]).toEqual(['AWSCURRENT']);
    expect(await logsIn(rotationDeps(aws).db, await valueOf(aws, secret.arn))).toBe(true);
  });
});
