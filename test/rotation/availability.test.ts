import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useTestAws } from '../support/endpoint.js';
import { logsIn, registerRotation, rotateAndWait, rotationDeps, seedSecret } from '../support/rotation.js';

describe('alternating-users rotation availability', () => {
  const aws = useTestAws();

  it('never refuses a client that logs in with AWSCURRENT while two rotations run', async () => {
    // Prepare
    const secret = await seedSecret(aws, { alternating: true });
    const deps = rotationDeps(aws);
    registerRotation(aws, deps);
    let running = true;
    const attempts: boolean[] = [];
    // Four clients in parallel, each bounded: stops when the rotations end, or after 2,000 attempts in all.
    const loop = async () => {
      while (running && attempts.length < 2_000) {
        const v = await aws.sm.send(new GetSecretValueCommand({ SecretId: secret.arn }));
        attempts.push(await logsIn(deps.db, JSON.parse(v.SecretString!)));
        await sleep(3);
      }
    };
    const clients = Promise.all([loop(), loop(), loop(), loop()]);
    // Act
    await rotateAndWait(aws, secret.arn);
    await rotateAndWait(aws, secret.arn);
    running = false;
    await clients;
    // Assess
    expect(attempts.length).toBeGreaterThan(20);
    expect(attempts.filter((ok) => !ok)).toHaveLength(0);
  });
});
