import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { matchesEventPattern } from '../../local/aws/eventPattern.js';
import { nameOf, startBenchStack, waitFor, type BenchStack } from '../../bench/benchStack.js';
import { parseLastFailure, TAG_LAST_FAILURE } from '../../src/tags.js';
import { createLoginRole, usePostgres } from '../support/postgres.js';

// What an operator sees of a rotation, through the deployed bundles (each function in a process
// of its own, as on Lambda): the EMF metrics each function prints, the correlation id on every
// log line of one rotation across rotate, sync and redeploy, and the failed step recorded on the
// secret. Every line is also searched for the passwords involved.

const CLUSTER = 'observed';
const ROTATE_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${nameOf('rotate')}`;

interface Emf {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

let stack: BenchStack;
const passwords: string[] = [];

const linesOf = (key: string): Array<Record<string, unknown>> =>
  stack.host.functions
    .get(nameOf(key))!
    .lines()
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
const emfOf = (key: string): Emf[] => linesOf(key).filter((l): l is Emf => typeof l._aws === 'object');
const logsOf = (key: string) => linesOf(key).filter((l) => typeof l.level === 'string');

/** Every value of metric `name` the function emitted, with the dimensions it came with. */
function metric(key: string, name: string): Array<{ value: number; dimensions: Record<string, string>; namespace: string; unit: string }> {
  return emfOf(key).flatMap((emf) =>
    emf._aws.CloudWatchMetrics.flatMap((d) =>
      d.Metrics.filter((m) => m.Name === name).flatMap((m) => {
        const values = emf[name];
        const dimensions = Object.fromEntries(d.Dimensions.flat().map((k) => [k, String(emf[k])]));
        return (Array.isArray(values) ? values : [values]).map((v) => ({ value: Number(v), dimensions, namespace: d.Namespace, unit: m.Unit }));
      }),
    ),
  );
}
const total = (key: string, name: string, where: Record<string, string> = {}) =>
  metric(key, name)
    .filter((m) => Object.entries(where).every(([k, v]) => m.dimensions[k] === v))
    .reduce((n, m) => n + m.value, 0);

async function createMirroredSecret(name: string, username: string, password: string) {
  const db = usePostgres();
  const created = await stack.clients.sm.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: JSON.stringify({ engine: 'postgres', host: db.host, port: db.port, username, password, dbname: 'postgres', sslmode: 'verify-full' }),
      Tags: [{ Key: 'keyroll:ssm-path', Value: `/${name}` }],
    }),
  );
  return created.ARN!;
}

beforeAll(async () => {
  stack = await startBenchStack({ params: { ecsClusters: CLUSTER }, env: { DB_CA_BUNDLE: usePostgres().caCertPath, SSM_PUT_TPS: '100' } });
  await stack.clients.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('a rotation, as an operator sees it', () => {
  let secretArn: string;
  let versionId: string;

  beforeAll(async () => {
    const role = await createLoginRole({ prefix: 'obs' });
    passwords.push(role.password);
    secretArn = await createMirroredSecret('observed/app/db', role.name, role.password);
    const td = await stack.clients.ecs.send(
      new RegisterTaskDefinitionCommand({ family: 'observed-app', containerDefinitions: [{ name: 'app', image: 'app:1', secrets: [{ name: 'DATABASE_URL', valueFrom: `/observed/app/db/url` }] }] }),
    );
    await stack.clients.ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'observed-app', taskDefinition: td.taskDefinition!.taskDefinitionArn!, desiredCount: 1 }));
    const eventsBefore = stack.endpoint.eventBridge.events.length;
    const rotated = await stack.clients.sm.send(new RotateSecretCommand({ SecretId: secretArn, RotationLambdaARN: ROTATE_ARN, RotationRules: { AutomaticallyAfterDays: 30 } }));
    versionId = rotated.VersionId!;
    await waitFor('"Services Redeployed"', () => stack.endpoint.eventBridge.events.slice(eventsBefore).some((e) => e['detail-type'] === 'Services Redeployed'), 60_000);
    await stack.endpoint.idle(30_000);
  }, 120_000);

  it('rotate emits one success per step with its step and strategy, the step durations and one finished rotation, in namespace keyroll', () => {
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      expect(total('rotate', 'RotationStepSucceeded', { step, strategy: 'single-user' }), step).toBe(1);
      const durations = metric('rotate', 'RotationStepDuration').filter((m) => m.dimensions.step === step);
      expect(durations).toHaveLength(1);
      expect(durations[0]!.unit).toBe('Milliseconds');
    }
    expect(total('rotate', 'RotationStepFailed')).toBe(0);
    expect(total('rotate', 'RotationSucceeded', { strategy: 'single-user' })).toBe(1);
    const all = emfOf('rotate').flatMap((e) => e._aws.CloudWatchMetrics);
    expect(new Set(all.map((d) => d.Namespace))).toEqual(new Set(['keyroll']));
    // Few dimensions: the service, then at most step and strategy.
    for (const d of all) for (const set of d.Dimensions) expect(set.every((k) => ['service', 'step', 'strategy'].includes(k)), set.join(',')).toBe(true);
    expect(metric('rotate', 'RotationSucceeded')[0]!.dimensions.service).toBe(`keyroll-bench`);
  });

  it('sync counts the parameters it wrote and the secret it synced; redeploy the services it restarted', () => {
    expect(total('sync', 'ParametersWritten')).toBeGreaterThanOrEqual(2);
    expect(total('sync', 'SecretsSynced')).toBe(1);
    expect(total('redeploy', 'ServicesRestarted')).toBe(1);
    expect(total('redeploy', 'ServicesFailed')).toBe(0);
    expect(total('redeploy', 'ServicesSkipped')).toBe(0);
  });

  it('every log line of the rotation, in all three functions, carries its version id as correlation_id', () => {
    for (const key of ['rotate', 'sync', 'redeploy']) {
      const lines = logsOf(key).filter((l) => l.secretArn === secretArn || l.correlation_id === versionId);
      expect(lines.length, key).toBeGreaterThan(0);
      for (const line of lines) expect(line.correlation_id, `${key}: ${String(line.message)}`).toBe(versionId);
    }
  });

  it('no line of any function carries a password', () => {
    for (const f of stack.host.functions.values()) {
      const text = f.lines().join('\n');
      for (const p of passwords) expect(text.includes(p), f.key).toBe(false);
    }
  });
});

describe('a rotation that fails', () => {
  it('records the failed step (metric and the keyroll:last-failure tag naming the step, the version and the cause), cleared by the next finished rotation', async () => {
    const role = await createLoginRole({ prefix: 'obsfail' });
    passwords.push(role.password);
    // AWSCURRENT holds a password the role does not have: setSecret cannot log in.
    const secretArn = await createMirroredSecret('observed/broken/db', role.name, `${role.password}-not-it`);
    const failedBefore = total('rotate', 'RotationStepFailed', { step: 'setSecret' });
    const rotation = await stack.clients.sm
      .send(new RotateSecretCommand({ SecretId: secretArn, RotationLambdaARN: ROTATE_ARN, RotationRules: { AutomaticallyAfterDays: 30 } }))
      .catch((err: Error) => err);
    await stack.endpoint.idle(30_000);
    expect(total('rotate', 'RotationStepFailed', { step: 'setSecret', strategy: 'single-user' })).toBe(failedBefore + 1);
    const meta = await stack.clients.sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
    const recorded = parseLastFailure(meta.Tags?.find((t) => t.Key === TAG_LAST_FAILURE)?.Value);
    expect(recorded).toBeDefined();
    expect(recorded!.step).toBe('setSecret');
    const pending = Object.entries(meta.VersionIdsToStages ?? {}).find(([, s]) => s.includes('AWSPENDING'))![0];
    expect(recorded!.versionId).toBe(pending);
    expect(recorded!.cause).toMatch(/RotationDatabaseError|28P01|password/i);
    expect(recorded!.cause).not.toContain(role.password);
    expect(rotation instanceof Error ? rotation.message : '').not.toContain(role.password);

    // Secrets Manager's own RotationFailed reaches the alarm topic: serverless.yml's rule matches it,
    // and the fields its message quotes are where the rule's input transformer reads them.
    const rule = (parse(await readFile('serverless.yml', 'utf8')) as any).resources.Resources.RotationFailedRule.Properties;
    const failedEvent = stack.endpoint.eventBridge.events.find((e) => (e.detail as any)?.eventName === 'RotationFailed' && (e.detail as any)?.additionalEventData?.SecretId === secretArn);
    expect(failedEvent).toBeDefined();
    expect(matchesEventPattern(rule.EventPattern, failedEvent)).toBe(true);
    expect((failedEvent!.detail as any).errorMessage).toBe(`Error when executing lambda ${ROTATE_ARN} during setSecret step`);
    expect(Object.keys(rule.Targets[0].InputTransformer.InputPathsMap)).toEqual(['event', 'secret', 'error', 'time', 'region']);

    // Fixed: the password is put right and the rotation of the same version runs again to its end.
    await stack.clients.sm.send(
      new (await import('@aws-sdk/client-secrets-manager')).PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: JSON.stringify({ engine: 'postgres', host: usePostgres().host, port: usePostgres().port, username: role.name, password: role.password, dbname: 'postgres', sslmode: 'verify-full' }),
        VersionStages: ['AWSCURRENT'],
      }),
    );
    for (const Step of ['setSecret', 'testSecret', 'finishSecret']) {
      await stack.host.invoke(nameOf('rotate'), { SecretId: secretArn, ClientRequestToken: pending, Step });
    }
    const after = await stack.clients.sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(after.VersionIdsToStages?.[pending]).toContain('AWSCURRENT');
    expect(after.Tags?.some((t) => t.Key === TAG_LAST_FAILURE)).toBe(false);
  }, 60_000);
});

describe('a reconcile', () => {
  it('counts the secrets in sync, the drift it repaired and the secrets it could not do', async () => {
    const role = await createLoginRole({ prefix: 'obsrec' });
    passwords.push(role.password);
    const driftedArn = await createMirroredSecret('observed/drifted/db', role.name, role.password);
    // Mirrored once by an event, then someone overwrites one of its parameters.
    await stack.host.invoke(nameOf('sync'), {
      source: 'aws.secretsmanager',
      'detail-type': 'Secret Label Updated',
      resources: [driftedArn],
      detail: { name: 'observed/drifted/db', labelUpdated: 'AWSCURRENT', versionId: Object.keys((await stack.clients.sm.send(new DescribeSecretCommand({ SecretId: driftedArn }))).VersionIdsToStages!)[0] },
    });
    await stack.clients.ssm.send(new PutParameterCommand({ Name: '/observed/drifted/db/port', Value: '1', Type: 'String', Overwrite: true }));
    // A secret whose path lies outside what it may mirror to: failed, nothing read.
    await stack.clients.sm.send(
      new CreateSecretCommand({ Name: 'observed/outside/db', SecretString: JSON.stringify({ username: 'x', password: 'Outside-Pw-1!', host: '127.0.0.1' }), Tags: [{ Key: 'keyroll:ssm-path', Value: '/someone-else/db' }] }),
    );
    passwords.push('Outside-Pw-1!');

    const report = (await stack.host.invoke(nameOf('reconcile'), { source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [], detail: {} })) as { report: { repaired: number; failed: number; inSync: number; secrets: Array<{ name: string; status: string; written?: string[] }> } };
    const repaired = report.report.secrets.filter((e) => e.status === 'repaired').map((e) => e.name);
    expect(repaired).toContain('observed/drifted/db');
    const last = (name: string) => metric('reconcile', name).at(-1)?.value;
    expect(last('DriftRepaired')).toBe(report.report.repaired);
    expect(last('ReconcileSecretsFailed')).toBe(report.report.failed);
    expect(report.report.failed).toBeGreaterThanOrEqual(1);
    expect(last('ReconcileSecretsInSync')).toBe(report.report.inSync);
    expect(last('ReconcileSecretsDeferred')).toBe(0);
    expect(last('ParametersWritten')).toBe(report.report.secrets.reduce((n, e) => n + (e.written?.length ?? 0), 0));
    expect(report.report.secrets.find((e) => e.name === 'observed/drifted/db')?.written).toEqual(['/observed/drifted/db/port']);
    for (const p of passwords) expect(stack.host.functions.get(nameOf('reconcile'))!.lines().join('\n').includes(p)).toBe(false);
  }, 60_000);
});
