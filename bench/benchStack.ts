import { readFile } from 'node:fs/promises';
import { startAwsEndpoint, type AwsEndpoint, type AwsEndpointOptions } from '../local/aws/server.js';
import { startBundleHost, type BundleHost, type BundleHostOptions } from '../local/bundleHost.js';
import { startPostgres, type LocalPostgres } from '../local/postgres.js';
import { queuesFromServerless, rulesFromServerless } from '../local/serverlessRules.js';
import { createStackClients, type StackClients } from '../local/stackClients.js';

export const STAGE = 'bench';
export const nameOf = (key: string) => `keyroll-${STAGE}-${key}`;

/** The local endpoint routing serverless.yml's rules to the deployed bundles, each in its own process. */
export interface BenchStack {
  endpoint: AwsEndpoint;
  host: BundleHost;
  clients: StackClients;
  postgres: LocalPostgres | undefined;
  stop(): Promise<void>;
}

/**
 * Starts what a benchmark measures against: PostgreSQL (when asked), the local AWS endpoint with
 * serverless.yml's EventBridge rules for stage `bench`, and the functions' deployed bundles in
 * processes of their own, invoked by the endpoint as Lambda would (rules, RotateSecret, Invoke).
 */
export async function startBenchStack(options: {
  postgres?: boolean;
  params?: Record<string, string>;
  env?: Record<string, string>;
  envOf?: BundleHostOptions['envOf'];
  timeoutSecondsOf?: BundleHostOptions['timeoutSecondsOf'];
  endpoint?: AwsEndpointOptions;
  only?: readonly string[];
}): Promise<BenchStack> {
  const postgres = options.postgres ? await startPostgres({ tls: true }) : undefined;
  let host: BundleHost | undefined;
  const yml = await readFile('serverless.yml', 'utf8');
  const endpoint = await startAwsEndpoint({
    ...options.endpoint,
    rules: rulesFromServerless(yml, { stage: STAGE, ...(options.params ? { params: options.params } : {}) }),
    queues: queuesFromServerless(yml, { stage: STAGE, ...(options.params ? { params: options.params } : {}) }),
    lambdaFallback: (name, payload) => host!.invoke(name, payload),
  });
  try {
    host = await startBundleHost({
      stage: STAGE,
      ...(options.params ? { params: options.params } : {}),
      ...(options.only ? { only: options.only } : {}),
      env: {
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        ...(postgres?.caCertPath ? { DB_CA_BUNDLE: postgres.caCertPath } : {}),
        ...options.env,
      },
      ...(options.envOf ? { envOf: options.envOf } : {}),
      ...(options.timeoutSecondsOf ? { timeoutSecondsOf: options.timeoutSecondsOf } : {}),
    });
  } catch (err) {
    await endpoint.close();
    await postgres?.stop();
    throw err;
  }
  return {
    endpoint,
    host,
    clients: createStackClients(endpoint.url, endpoint.region),
    postgres,
    async stop() {
      await endpoint.idle(30_000).catch(() => undefined);
      await host!.stop();
      await endpoint.close();
      await postgres?.stop();
    },
  };
}

/** Calls in the request log, by `service.Operation`. */
export function callsByOperation(endpoint: AwsEndpoint, filter: (r: AwsEndpoint['requestLog'][number]) => boolean = () => true): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of endpoint.requestLog) {
    if (!filter(r)) continue;
    const key = `${r.service}.${r.operation}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Polls `done` every 50 ms up to `timeoutMs`. @throws Error naming `what` when it never holds. */
export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
