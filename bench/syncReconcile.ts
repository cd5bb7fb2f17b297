import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import pLimit from 'p-limit';
import { createEventBridgeClient, createSecretsManagerClient, createSsmClient } from '../src/aws.js';
import { startAwsEndpoint } from '../local/aws/server.js';
import { reconcileAll } from '../src/sync/reconcileAll.js';
import type { Bench } from './types.js';

const SECRETS = 200;
const QUOTA_TPS = 3;
const KEYS = ['username', 'password', 'host', 'port', 'dbname', 'url'];

/**
 * Reconcile under SSM's PutParameter quota: 200 managed secrets whose 6 parameters all hold
 * stale values (full drift), PutParameter limited to 3 TPS by the local endpoint (it answers
 * ThrottlingException past that, as AWS does), SSM_PUT_TPS 3. The run must end with zero
 * failures; its duration is compared with the quota bound, writes / 3 TPS.
 */
export const run: Bench = async () => {
  // The local endpoint does not check signatures, but the SDK will not sign without credentials.
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  const endpoint = await startAwsEndpoint();
  try {
    const o = { endpoint: endpoint.url, region: endpoint.region, maxAttempts: 8 };
    const sm = createSecretsManagerClient(o);
    const ssm = createSsmClient(o);

    // Setup, unthrottled: the secrets, and parameters that all differ from them.
    const setup = pLimit(8);
    await Promise.all(
      Array.from({ length: SECRETS }, (_, i) =>
        setup(async () => {
          const path = `/bench/app${i}/db`;
          await sm.send(
            new CreateSecretCommand({
              Name: `bench/app${i}/db`,
              SecretString: JSON.stringify({ engine: 'postgres', host: `db${i}.internal`, username: `app${i}`, password: `Bench-${i}-${crypto.randomUUID()}` }),
              Tags: [{ Key: 'keyroll:ssm-path', Value: path }],
            }),
          );
          for (const key of KEYS) {
            await ssm.send(new PutParameterCommand({ Name: `${path}/${key}`, Value: 'stale', Type: 'SecureString', Overwrite: true }));
          }
        }),
      ),
    );

    endpoint.setRateLimit('ssm.PutParameter', QUOTA_TPS);
    endpoint.resetLog();
    const started = performance.now();
    const report = await reconcileAll({
      secretsManager: sm,
      ssm,
      eventBridge: createEventBridgeClient(o),
      logger: new Logger({ serviceName: 'keyroll-bench', logLevel: 'SILENT' }),
      settings: { putTps: QUOTA_TPS, eventBusName: 'default', mirrorRules: { prefix: '/', bindings: new Map() } },
    });
    const durationMs = performance.now() - started;
    await endpoint.idle(30_000);

    const puts = endpoint.requestLog.filter((r) => r.service === 'ssm' && r.operation === 'PutParameter');
    const written = report.secrets.reduce((n, e) => n + (e.written?.length ?? 0), 0);
    const quotaBoundMs = (written / QUOTA_TPS) * 1000;
    if (report.failed > 0) {
      throw new Error(`syncReconcile: ${report.failed} secrets failed: ${JSON.stringify(report.secrets.find((e) => e.status === 'failed')?.error)}`);
    }
    return {
      name: 'syncReconcile',
      metrics: {
        durationMs: Math.round(durationMs),
        quotaBoundMs: Math.round(quotaBoundMs),
        ratio: Number((durationMs / quotaBoundMs).toFixed(3)),
        parametersWritten: written,
        putParameterCalls: puts.length,
        throttledCalls: puts.filter((r) => r.outcome === 'ThrottlingException').length,
        secretsRepaired: report.repaired,
        secretsFailed: report.failed,
        getParametersCalls: endpoint.count('ssm.GetParameters'),
        describeParametersCalls: endpoint.count('ssm.DescribeParameters'),
        batchGetSecretValueCalls: endpoint.count('secretsmanager.BatchGetSecretValue'),
      },
      params: { secrets: SECRETS, parametersPerSecret: KEYS.length, quotaTps: QUOTA_TPS, putTps: QUOTA_TPS, drift: 'every parameter holds a stale value' },
      notes: 'quotaBoundMs = parameters written / 3 TPS; ratio = durationMs / quotaBoundMs (target ≤ 1.3).',
    };
  } finally {
    await endpoint.close();
  }
};
