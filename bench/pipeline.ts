import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { callsByOperation, nameOf, startBenchStack, waitFor } from './benchStack.js';
import { syncSecret } from '../src/sync/syncSecret.js';
import type { Bench } from './types.js';

const CLUSTER = 'bench-pipeline';
// The least a rotation can cost with these guarantees' predecessors, as issue #11 counts it:
// rotate 12 (4 DescribeSecret, 4 GetSecretValue, PutSecretValue, 2 UpdateSecretVersionStage,
// PutEvents), sync 7 (DescribeSecret, GetSecretValue, GetParameters, DescribeParameters, 2
// PutParameter, PutEvents), redeploy 6 (DescribeSecret, ListServices, DescribeServices,
// DescribeTaskDefinition, UpdateService, PutEvents).
const MINIMUM_CALLS = 25;

/**
 * One single-user rotation of a mirrored secret end to end through the three deployed bundles,
 * each in its own process, cold: RotateSecret → rotate (4 steps) → Secret Label Updated → sync →
 * Secret Synced → redeploy → one service restarted. Invocations per function and AWS calls by
 * operation from the endpoint's request log, against the minimum; each function's peak RSS.
 */
export const run: Bench = async () => {
  const stack = await startBenchStack({ postgres: true, params: { ecsClusters: CLUSTER } });
  try {
    const { sm, ecs } = stack.clients;
    const db = stack.postgres!;
    const admin = new pg.Client({ host: db.host, port: db.port, user: db.superuser, password: db.superuserPassword, database: 'postgres', ssl: { rejectUnauthorized: false } });
    await admin.connect();
    await admin.query(`CREATE ROLE bench_app LOGIN PASSWORD 'Bench-Start-1!'`);
    await admin.end();
    const name = 'bench/app/db';
    const secret = await sm.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ engine: 'postgres', host: db.host, port: db.port, username: 'bench_app', password: 'Bench-Start-1!', dbname: 'postgres', sslmode: 'verify-full' }),
        Tags: [{ Key: 'keyroll:ssm-path', Value: `/${name}` }],
      }),
    );
    // The first mirror, made from the bench process so that no function's container is warmed by it.
    await syncSecret(
      { secretsManager: sm, ssm: stack.clients.ssm, eventBridge: stack.clients.events, settings: { putTps: 100, eventBusName: 'default', mirrorRules: { prefix: '/', bindings: new Map() } } },
      secret.ARN!,
      { publish: 'never' },
    );
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'bench-app', containerDefinitions: [{ name: 'app', image: 'app:1', secrets: [{ name: 'DATABASE_URL', valueFrom: `/${name}/url` }] }] }),
    );
    await ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'bench-app', taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: 1 }));
    await stack.endpoint.idle(30_000);
    const before = new Map([...stack.host.functions.values()].map((f) => [f.key, f.invocations]));
    stack.endpoint.resetLog();
    const eventsBefore = stack.endpoint.eventBridge.events.length;

    // Act
    const started = performance.now();
    await sm.send(
      new RotateSecretCommand({ SecretId: secret.ARN, RotationLambdaARN: `arn:aws:lambda:us-east-1:000000000000:function:${nameOf('rotate')}`, RotationRules: { AutomaticallyAfterDays: 30 } }),
    );
    const redeployed = () => stack.endpoint.eventBridge.events.slice(eventsBefore).some((e) => e['detail-type'] === 'Services Redeployed');
    await waitFor('"Services Redeployed"', redeployed, 60_000);
    await stack.endpoint.idle(30_000);
    const durationMs = performance.now() - started;

    // Assess
    const invocations = Object.fromEntries([...stack.host.functions.values()].map((f) => [f.key, f.invocations - before.get(f.key)!]));
    const byOperation = callsByOperation(stack.endpoint, (r) => r.operation !== 'RotateSecret');
    const calls = Object.values(byOperation).reduce((a, b) => a + b, 0);
    const emitted = stack.endpoint.eventBridge.events.slice(eventsBefore).filter((e) => e.source === 'keyroll').map((e) => e['detail-type']);
    const rss = Object.fromEntries(await Promise.all([...stack.host.functions.values()].map(async (f) => [`${f.key}PeakRssMiB`, await f.peakRssMiB()])));
    return {
      name: 'pipeline',
      metrics: {
        calls,
        minimumCalls: MINIMUM_CALLS,
        ratioToMinimum: Math.round((calls / MINIMUM_CALLS) * 100) / 100,
        invocations: Object.values(invocations).reduce((a, b) => a + b, 0),
        rotateInvocations: invocations.rotate ?? 0,
        syncInvocations: invocations.sync ?? 0,
        redeployInvocations: invocations.redeploy ?? 0,
        secretSyncedEvents: emitted.filter((t) => t === 'Secret Synced').length,
        servicesRedeployedEvents: emitted.filter((t) => t === 'Services Redeployed').length,
        durationMs: Math.round(durationMs),
        ...rss,
      },
      params: { strategy: 'single-user', mirrored: true, services: 1, clusters: 1, containers: 'cold (first invocation of rotate, sync, redeploy)', callsByOperation: byOperation },
      notes: 'Targets (issue #11): calls ≤ 28 (1.1 × the minimum), one "Secret Synced" and one "Services Redeployed". RotateSecret itself is not counted.',
    };
  } finally {
    await stack.stop();
  }
};
