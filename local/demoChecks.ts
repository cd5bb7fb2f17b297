import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { createPostgresGateway } from '../src/postgres/gateway.js';
import { AWSCURRENT, AWSPREVIOUS, parseSecretString, portOf, dbnameOf, sslModeOf, type PostgresSecret } from '../src/secret.js';
import { credentialsOf } from '../src/rotation/secretValues.js';
import { errorText } from '../src/errors.js';
import { buildConnectionUrl } from '../src/sync/connectionUrl.js';
import type { EventEnvelope } from './aws/types.js';
import { DEMO_CLUSTER, type Demo, type DemoSecret } from './demoSeed.js';
import type { LocalPostgres } from './postgres.js';
import type { StackClients } from './stackClients.js';

/** One check of the demo's end state: a sentence that names things, never a value. */
export interface DemoCheck {
  ok: boolean;
  text: string;
}

/** The demo before the rotation: each secret's AWSCURRENT version and each service's primary deployment. */
export interface DemoSnapshot {
  at: Date;
  versions: Map<string, string>;
  deployments: Map<string, string>;
}

/** What checkDemo reads: the stack's clients, its PostgreSQL (for the CA) and the bus. */
export interface DemoCheckDeps {
  clients: StackClients;
  postgres: Pick<LocalPostgres, 'caCertPath'>;
  /** The bus's events (for "Services Redeployed"). */
  events: readonly EventEnvelope[];
}

const short = (id: string | undefined) => (id ?? '?').slice(0, 8);

/** Records what the checks compare against: run it right before RotateSecret. */
export async function snapshotDemo(clients: StackClients, demo: Demo): Promise<DemoSnapshot> {
  const versions = new Map<string, string>();
  for (const s of demo.secrets) {
    const d = await clients.sm.send(new DescribeSecretCommand({ SecretId: s.arn }));
    const current = Object.entries(d.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(AWSCURRENT))?.[0];
    if (current) versions.set(s.arn, current);
  }
  const deployments = new Map<string, string>();
  for (const svc of await describeDemoServices(clients, demo)) {
    const primary = svc.deployments?.find((d) => d.status === 'PRIMARY');
    if (svc.serviceArn && primary?.id) deployments.set(svc.serviceArn, primary.id);
  }
  return { at: new Date(), versions, deployments };
}

async function describeDemoServices(clients: StackClients, demo: Demo) {
  const out = await clients.ecs.send(new DescribeServicesCommand({ cluster: DEMO_CLUSTER, services: demo.services.map((s) => s.arn) }));
  return out.services ?? [];
}

/**
 * Checks the demo's end state: per secret, AWSCURRENT moved and logs in (and, with alternating
 * users, AWSPREVIOUS still does), every mirrored parameter equals what AWSCURRENT maps to, and
 * "Services Redeployed" was published; per service, a new deployment exactly when the rotation
 * should have restarted it. Never throws: a failure to look is a failed check.
 */
export async function checkDemo(deps: DemoCheckDeps, demo: Demo, before: DemoSnapshot): Promise<DemoCheck[]> {
  const checks: DemoCheck[] = [];
  const db = createPostgresGateway({ caBundle: deps.postgres.caCertPath, connectTimeoutMs: 5_000 });
  const attempt = async (failText: string, work: () => Promise<DemoCheck | DemoCheck[]>) => {
    try {
      const out = await work();
      checks.push(...(Array.isArray(out) ? out : [out]));
    } catch (err) {
      checks.push({ ok: false, text: `${failText}: ${errorText(err)}` });
    }
  };

  for (const s of demo.secrets) {
    await attempt(`${s.name}: cannot read AWSCURRENT`, async () => {
      const current = await readStage(deps.clients, s, AWSCURRENT);
      const moved = current.versionId !== before.versions.get(s.arn);
      const logsIn = await db.canLogIn(credentialsOf(current.value));
      return [
        { ok: moved, text: `${s.name}: AWSCURRENT ${moved ? 'moved to' : 'is still'} version ${short(current.versionId)} (user ${current.value.username})` },
        { ok: logsIn, text: `${s.name}: AWSCURRENT ${logsIn ? 'logs in' : 'does NOT log in'} to PostgreSQL as ${current.value.username} (TLS ${sslModeOf(current.value)})` },
      ];
    });
    if (s.strategy === 'alternating-users') {
      await attempt(`${s.name}: cannot read AWSPREVIOUS`, async () => {
        const previous = await readStage(deps.clients, s, AWSPREVIOUS);
        const logsIn = await db.canLogIn(credentialsOf(previous.value));
        return {
          ok: logsIn,
          text: `${s.name}: AWSPREVIOUS (${previous.value.username}) ${logsIn ? 'still logs in' : 'does NOT log in'}, so tasks not yet restarted keep working`,
        };
      });
    }
    await attempt(`${s.name}: cannot compare Parameter Store`, () => checkParameters(deps.clients, s));
    const redeployed = deps.events.some(
      (e) => e.source === 'keyroll' && e['detail-type'] === 'Services Redeployed' && (e.detail as { secretArn?: unknown })?.secretArn === s.arn,
    );
    checks.push({ ok: redeployed, text: `${s.name}: the pipeline ${redeployed ? 'reached' : 'never reached'} "Services Redeployed"` });
  }

  await attempt('ECS: cannot describe the demo services', async () => {
    const described = new Map((await describeDemoServices(deps.clients, demo)).map((s) => [s.serviceArn, s]));
    return demo.services.map((svc): DemoCheck => {
      const now = described.get(svc.arn)?.deployments?.find((d) => d.status === 'PRIMARY');
      const fresh = now?.id !== undefined && now.id !== before.deployments.get(svc.arn);
      const name = `${svc.cluster}/${svc.name}`;
      if (svc.expect === 'restart') {
        return {
          ok: fresh && now?.createdAt !== undefined && now.createdAt >= before.at,
          text: fresh ? `ECS ${name} has a new deployment since the rotation (${now?.rolloutState ?? 'state unknown'})` : `ECS ${name} has NO new deployment since the rotation`,
        };
      }
      const why = svc.expect === 'skip' ? 'skipped: no desired tasks' : 'it does not use a rotated secret';
      return { ok: !fresh, text: fresh ? `ECS ${name} was restarted, but ${why}` : `ECS ${name} has no new deployment (${why})` };
    });
  });
  return checks;
}

async function readStage(clients: StackClients, s: DemoSecret, stage: string): Promise<{ versionId: string; value: PostgresSecret }> {
  const out = await clients.sm.send(new GetSecretValueCommand({ SecretId: s.arn, VersionStage: stage }));
  return { versionId: out.VersionId ?? '', value: parseSecretString(out.SecretString, { secretId: s.arn, stage }) };
}

async function checkParameters(clients: StackClients, s: DemoSecret): Promise<DemoCheck> {
  const current = await readStage(clients, s, AWSCURRENT);
  const v = current.value;
  const expected = new Map<string, string>([
    ['username', v.username],
    ['password', v.password],
    ['host', v.host],
    ['port', String(portOf(v))],
    ['dbname', dbnameOf(v)],
    ['url', buildConnectionUrl(v, s.arn)],
  ]);
  const out = await clients.ssm.send(new GetParametersCommand({ Names: [...expected.keys()].map((k) => `${s.ssmPath}/${k}`), WithDecryption: true }));
  const actual = new Map((out.Parameters ?? []).map((p) => [p.Name!.slice(s.ssmPath.length + 1), p.Value]));
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const differ = [...expected].filter(([k, value]) => actual.has(k) && actual.get(k) !== value).map(([k]) => k);
  const names = `${s.ssmPath}/{${[...expected.keys()].join(', ')}}`;
  if (missing.length === 0 && differ.length === 0) return { ok: true, text: `${s.name}: SSM ${names} equal AWSCURRENT` };
  const problems = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...(differ.length ? [`different ${differ.join(', ')}`] : [])];
  return { ok: false, text: `${s.name}: SSM ${names} do not equal AWSCURRENT: ${problems.join('; ')}` };
}
