import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { startAwsEndpoint } from '../local/aws/server.js';
import { startPostgres } from '../local/postgres.js';
import { createStackClients } from '../local/stackClients.js';
import { createPostgresGateway } from '../src/postgres/gateway.js';
import { runRotationStep } from '../src/rotation/rotate.js';
import { RotationEventSchema } from '../src/events.js';
import { DEFAULT_EXCLUDE_CHARACTERS } from '../src/config.js';
import { TAG_MASTER } from '../src/tags.js';
import type { Bench } from './types.js';

const ROTATIONS = 20;
const ROTATE_FUNCTION = 'keyroll-rotate';

/**
 * Full rotations through RotateSecret against the local endpoint and an embedded
 * PostgreSQL (TLS, verify-full): Secrets Manager calls per rotation counted from the
 * endpoint's request log, and wall time per rotation, for both strategies.
 */
export const run: Bench = async () => {
  const db = await startPostgres({ tls: true });
  const endpoint = await startAwsEndpoint();
  try {
    const { sm, events } = createStackClients(endpoint.url, endpoint.region);
    const deps = {
      secretsManager: sm,
      eventBridge: events,
      db: createPostgresGateway({ caBundle: db.caCertPath, connectTimeoutMs: 5_000 }),
      settings: { passwordLength: 32, excludeCharacters: DEFAULT_EXCLUDE_CHARACTERS, eventBusName: 'default' },
    };
    endpoint.lambdas.register(ROTATE_FUNCTION, (event) => runRotationStep(deps, RotationEventSchema.parse(event)));
    const rotationLambdaArn = `arn:aws:lambda:${endpoint.region}:${endpoint.accountId}:function:${ROTATE_FUNCTION}`;
    const admin = new pg.Client({ host: db.host, port: db.port, user: db.superuser, password: db.superuserPassword, database: 'postgres', ssl: { rejectUnauthorized: false } });
    await admin.connect();
    const base = { engine: 'postgres', host: db.host, port: db.port, dbname: 'postgres', sslmode: 'verify-full' };
    await admin.query(`CREATE ROLE bench_master LOGIN CREATEROLE PASSWORD 'Bench-Master-1!'`);
    const master = await sm.send(
      new CreateSecretCommand({
        Name: 'bench/master',
        SecretString: JSON.stringify({ ...base, username: 'bench_master', password: 'Bench-Master-1!' }),
        Tags: [{ Key: TAG_MASTER, Value: 'true' }],
      }),
    );

    const measure = async (alternating: boolean) => {
      const role = alternating ? 'bench_alt' : 'bench_single';
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'Bench-Start-1!'`);
      if (alternating) await admin.query(`GRANT ${role} TO bench_master WITH ADMIN OPTION`);
      const secret = await sm.send(
        new CreateSecretCommand({
          Name: `bench/${role}`,
          SecretString: JSON.stringify({ ...base, username: role, password: 'Bench-Start-1!', ...(alternating ? { masterarn: master.ARN } : {}) }),
        }),
      );
      const calls: number[] = [];
      const times: number[] = [];
      for (let i = 0; i < ROTATIONS; i++) {
        endpoint.resetLog();
        const started = performance.now();
        await sm.send(new RotateSecretCommand({ SecretId: secret.ARN, RotationLambdaARN: rotationLambdaArn, RotationRules: { AutomaticallyAfterDays: 30 } }));
        await endpoint.idle(30_000);
        times.push(performance.now() - started);
        calls.push(endpoint.requestLog.filter((r) => r.service === 'secretsmanager' && r.operation !== 'RotateSecret').length);
      }
      const sorted = [...times].sort((a, b) => a - b);
      return {
        callsMax: Math.max(...calls),
        callsSteady: calls[calls.length - 1]!,
        msMedian: Math.round(sorted[Math.floor(sorted.length / 2)]!),
        msP90: Math.round(sorted[Math.floor(sorted.length * 0.9)]!),
      };
    };
    const single = await measure(false);
    const alternating = await measure(true);
    await admin.end();
    return {
      name: 'rotation',
      params: { rotations: ROTATIONS, tls: 'verify-full', postgres: 18 },
      metrics: {
        singleUserSecretsManagerCallsMax: single.callsMax,
        singleUserRotationMsMedian: single.msMedian,
        singleUserRotationMsP90: single.msP90,
        alternatingSecretsManagerCallsFirst: alternating.callsMax,
        alternatingSecretsManagerCallsSteady: alternating.callsSteady,
        alternatingRotationMsMedian: alternating.msMedian,
        alternatingRotationMsP90: alternating.msP90,
      },
      notes: 'Wall time includes the endpoint invoking the four steps in process; the alternating first rotation also tags keyroll:strategy.',
    };
  } finally {
    await endpoint.close();
    await db.stop();
  }
};
