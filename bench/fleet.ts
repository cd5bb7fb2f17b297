import { CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import pLimit from 'p-limit';
import type { StackClients } from '../local/stackClients.js';
import { reconcileAll } from '../src/sync/reconcileAll.js';

/** The i-th bench secret's name: `bench/s0001/db`…, mirrored under `/bench/s0001/db` (the default binding). */
export const secretName = (i: number) => `bench/s${String(i).padStart(4, '0')}/db`;

/** Creates `count` managed secrets (6 parameters each), optionally mirrored once already. */
export async function seedSecrets(clients: StackClients, count: number, options: { mirrored: boolean }): Promise<string[]> {
  const limit = pLimit(16);
  const arns = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const name = secretName(i);
        const out = await clients.sm.send(
          new CreateSecretCommand({
            Name: name,
            SecretString: JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: `app_${i}`, password: `Bench-Pass-${i}-x!`, dbname: 'app' }),
            Tags: [{ Key: 'keyroll:ssm-path', Value: `/${name}` }],
          }),
        );
        return out.ARN!;
      }),
    ),
  );
  if (options.mirrored) {
    // Mirrored from the bench process, unpaced: the starting state, not the thing measured.
    await reconcileAll({ secretsManager: clients.sm, ssm: clients.ssm, eventBridge: clients.events, settings: { putTps: 100_000, eventBusName: 'bench-seed', mirrorRules: { prefix: '/', bindings: new Map() } } });
  }
  return arns;
}

/**
 * `count` services over `clusters` clusters; service i takes the url parameter of secret i % `secrets`
 * (so `count` services reference `min(count, secrets)` secrets), through task definitions of 10
 * containers each (a tenth as many distinct revisions as services).
 */
export async function seedServices(clients: StackClients, options: { count: number; clusters: string[]; secrets: number; valueFrom?: (i: number) => string }): Promise<void> {
  for (const c of options.clusters) await clients.ecs.send(new CreateClusterCommand({ clusterName: c }));
  const valueFrom = options.valueFrom ?? ((i: number) => `/${secretName(i % options.secrets)}/url`);
  const limit = pLimit(16);
  const tds = await Promise.all(
    Array.from({ length: Math.ceil(options.count / 10) }, (_, t) =>
      limit(async () => {
        const out = await clients.ecs.send(
          new RegisterTaskDefinitionCommand({
            family: `bench-td-${t}`,
            containerDefinitions: Array.from({ length: 10 }, (_, c) => ({ name: `c${c}`, image: 'app:1', secrets: [{ name: 'DATABASE_URL', valueFrom: valueFrom(t * 10 + c) }] })),
          }),
        );
        return out.taskDefinition!.taskDefinitionArn!;
      }),
    ),
  );
  await Promise.all(
    Array.from({ length: options.count }, (_, i) =>
      limit(() =>
        clients.ecs.send(
          new CreateServiceCommand({ cluster: options.clusters[i % options.clusters.length], serviceName: `bench-svc-${i}`, taskDefinition: tds[Math.floor(i / 10)]!, desiredCount: 1 }),
        ),
      ),
    ),
  );
}

export const scheduledEvent = () => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:000000000000:rule/keyroll-bench-reconcile-rule-1'],
  detail: {},
});
