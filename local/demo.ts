/**
 * The local stack's demo run: seed, rotate both secrets through RotateSecret as Secrets
 * Manager's schedule would, print the pipeline as it flows, then check the end state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { checkDemo, snapshotDemo, type DemoCheck } from './demoChecks.js';
import { seedDemo, waitForSteadyState, type Demo } from './demoSeed.js';
import type { FunctionKey, DevStack } from './devStack.js';
import { startTimeline } from './timeline.js';

/** What a demo run did and found. */
export interface DemoReport {
  demo: Demo;
  checks: DemoCheck[];
  /** Every check passed. */
  ok: boolean;
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Receives every line of the printout (no line carries a secret value). */
  print: (line: string) => void;
  /** Bound on the whole pipeline, rotation to last redeploy (default 120 s). */
  timeoutMs?: number;
  /** Stops waiting for the pipeline (Ctrl-C): the report then has no checks and is not ok. */
  signal?: AbortSignal;
}

const short = (id: string | undefined) => (id ?? '?').slice(0, 8);

/**
 * Seeds the demo on a running stack, rotates both secrets (RotateSecret with the rotate
 * function's ARN, so the endpoint invokes it through serverless-offline), prints the timeline
 * until the endpoint is idle and the restarted services have rolled, then prints the checks.
 * A pipeline that fails or stalls is not thrown: it shows in the timeline and the checks.
 * @throws DemoSeedError when the demo cannot be seeded; SDK errors when RotateSecret is refused.
 */
export async function runDemo(stack: DevStack, options: DemoOptions): Promise<DemoReport> {
  const { print } = options;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { clients } = stack;

  const demo = await seedDemo({ clients, postgres: stack.postgres, region: stack.region, accountId: stack.accountId });
  print('');
  print('Demo');
  for (const s of demo.secrets) {
    const how =
      s.strategy === 'single-user'
        ? `single user ${s.username}`
        : `alternating users ${s.username} / ${s.username}_clone, master ${s.master?.name} (${s.master?.username})`;
    print(`  secret ${s.name}: ${how}; mirrored to SSM ${s.ssmPath}${s.kmsKey ? ` (KMS ${s.kmsKey})` : ''}`);
  }
  for (const svc of demo.services) print(`  ECS ${svc.cluster}/${svc.name}: reads ${svc.reads}`);

  const before = await snapshotDemo(clients, demo);
  const keyOf = new Map((['rotate', 'sync', 'redeploy'] as FunctionKey[]).map((k) => [stack.functionName(k), k]));
  print('');
  print(`Rotation (RotateSecret; Secrets Manager invokes ${stack.functionName('rotate')} through serverless-offline; times from the first call)`);
  const timeline = startTimeline({
    endpoint: stack.endpoint,
    invoker: stack.invoker,
    secrets: demo.secrets.map((s) => ({ arn: s.arn, label: s.name, ssmPath: s.ssmPath })),
    services: demo.services.map((s) => ({ arn: s.arn, name: `${s.cluster}/${s.name}`, label: s.secretName ?? '' })),
    functionKeyOf: (name) => keyOf.get(name) ?? name,
    print,
  });

  const deadline = Date.now() + timeoutMs;
  try {
    for (const s of demo.secrets) {
      const calledAt = Date.now();
      const out = await clients.sm.send(
        new RotateSecretCommand({ SecretId: s.arn, RotationLambdaARN: stack.functionArn('rotate'), RotationRules: { AutomaticallyAfterDays: 30 } }),
      );
      timeline.note(s.arn, `RotateSecret → new version ${short(out.VersionId)} (AWSPENDING)`, calledAt);
    }
    // Every delivery and rotation runs as the endpoint's background work, and each one that
    // publishes adds the next before it ends: idle means the whole cascade is over.
    await Promise.race([
      stack.endpoint.idle(Math.max(1, deadline - Date.now())),
      abortedBy(options.signal),
      stack.offline.exited.then((e) => {
        throw new Error(`serverless-offline exited (${e.signal ?? `code ${e.code}`}) during the run:\n${stack.offline.lastOutput()}`);
      }),
    ]);
    const restarted = await restartedServices(stack, demo, before.deployments);
    if (restarted.length > 0) await waitForSteadyState(clients, restarted, Math.max(1, Math.min(30_000, deadline - Date.now())));
    // The rollouts' completion events are published by the endpoint's ECS advance: give the last one a poll.
    await sleep(300);
  } catch (err) {
    if (!options.signal?.aborted) timeline.note(undefined, `✘ ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    timeline.stop();
  }
  if (options.signal?.aborted) return { demo, checks: [], ok: false };

  const checks = await checkDemo({ clients, postgres: stack.postgres, events: stack.endpoint.eventBridge.events }, demo, before);
  print('');
  print('Checks');
  for (const c of checks) print(`  ${c.ok ? '✔' : '✘'} ${c.text}`);
  return { demo, checks, ok: checks.length > 0 && checks.every((c) => c.ok) };
}

/** Rejects when the signal aborts (never, without one). */
function abortedBy(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(new Error('aborted'));
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
}

async function restartedServices(stack: DevStack, demo: Demo, before: Map<string, string>): Promise<string[]> {
  const out = await stack.clients.ecs.send(new DescribeServicesCommand({ cluster: demo.services[0]?.cluster, services: demo.services.map((s) => s.arn) }));
  return (out.services ?? [])
    .filter((s) => {
      const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
      return s.serviceArn && primary?.id && primary.id !== before.get(s.serviceArn);
    })
    .map((s) => s.serviceArn!);
}
