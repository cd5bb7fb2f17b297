/**
 * `npm run aws`: the local AWS endpoint alone (Secrets Manager, SSM Parameter Store, ECS,
 * EventBridge, SQS, RDS, Lambda Invoke) on 127.0.0.1, for the AWS CLI, SDK scripts or a
 * serverless-offline of your own.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLambdaInvoker } from '../lambdaInvoker.js';
import { rulesFromServerless } from '../serverlessRules.js';
import type { EventRule } from './eventBridge.js';
import { startAwsEndpoint } from './server.js';

const USAGE = `Usage: npm run aws -- [options]

Runs the local AWS endpoint on 127.0.0.1 until Ctrl-C.
  --port <n>              port (default 4566; 0 picks a free one)
  --region <r>            region of ARNs and events (default us-east-1)
  --kms-key <id>          a KMS key id, key ARN or alias/... the endpoint accepts (repeatable)
  --serverless [file]     route EventBridge events by the eventBridge events of serverless.yml
                          (default file ./serverless.yml) to Lambda functions behind --lambda-url
  --stage <s>             stage for serverless.yml's names and \${sls:stage} (default local)
  --param <name=value>    a serverless.yml \${param:...} value (repeatable)
  --lambda-url <url>      Lambda invoke API through which the endpoint invokes functions: rotation
                          functions (RotateSecret's RotationLambdaARN), rule targets and the
                          endpoint's own Lambda Invoke calls (default http://127.0.0.1:3002,
                          serverless-offline's); a failed invocation is reported on stderr
  --ecs-rollout-ms <n>    how long an ECS deployment takes to complete (default 1500)
  -h, --help`;

const print = (line: string) => process.stdout.write(`${line}\n`);

/** An invocation error in one line; a refused connection's message can be empty, its code is not. */
function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const text = error.message || code || error.name;
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

async function main(): Promise<number> {
  let values;
  let port: number;
  let rolloutMs: number;
  let params: Record<string, string>;
  try {
    values = parseArgs({
      options: {
        port: { type: 'string' },
        region: { type: 'string', default: 'us-east-1' },
        'kms-key': { type: 'string', multiple: true, default: [] },
        serverless: { type: 'string' },
        stage: { type: 'string', default: 'local' },
        param: { type: 'string', multiple: true, default: [] },
        'lambda-url': { type: 'string', default: 'http://127.0.0.1:3002' },
        'ecs-rollout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      // `--serverless` alone means ./serverless.yml.
      args: process.argv.slice(2).flatMap((a, i, all) => (a === '--serverless' && (all[i + 1] === undefined || all[i + 1]!.startsWith('--')) ? [a, 'serverless.yml'] : [a])),
      strict: true,
    }).values;
    port = integer(values.port, 'port', 4566, 0, 65535);
    rolloutMs = integer(values['ecs-rollout-ms'], 'ecs-rollout-ms', 1500, 0, 600_000);
    params = Object.fromEntries(
      values.param.map((p) => {
        const eq = p.indexOf('=');
        if (eq <= 0) throw new Error(`--param must be name=value, got "${p}"`);
        return [p.slice(0, eq), p.slice(eq + 1)];
      }),
    );
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    print(USAGE);
    return 0;
  }

  let rules: EventRule[] = [];
  let rulesFrom: string | undefined;
  if (values.serverless !== undefined) {
    rulesFrom = resolve(values.serverless);
    try {
      rules = rulesFromServerless(await readFile(rulesFrom, 'utf8'), { stage: values.stage, region: values.region, params });
    } catch (err) {
      process.stderr.write(`✘ cannot load routing rules from ${rulesFrom}: ${(err as Error).message}\n`);
      return 1;
    }
  }

  let endpoint;
  try {
    endpoint = await startAwsEndpoint({
      port,
      region: values.region,
      kmsKeys: values['kms-key'],
      rules,
      ecs: { rolloutMs },
      // Every function without an in-process handler (all of them here) runs behind the Lambda URL.
      lambdaFallback: createLambdaInvoker(values['lambda-url']),
      onLambdaFailure: (functionName, error) =>
        process.stderr.write(`✘ Lambda function ${functionName} (through ${values['lambda-url']}): ${describeError(error)}\n`),
    });
  } catch (err) {
    process.stderr.write(`✘ the local AWS endpoint did not start: ${(err as Error).message}\n`);
    return 1;
  }
  // ECS applies rollout transitions when a call touches a service; this makes their events flow unasked.
  const advance = setInterval(() => endpoint.ecs.advance(), 250);

  const url = endpoint.url;
  print(`Local AWS endpoint on ${url} (region ${endpoint.region}, account ${endpoint.accountId})`);
  print('  Secrets Manager, SSM Parameter Store, ECS and EventBridge (AWS JSON 1.1), SQS (AWS JSON 1.0), RDS (AWS Query)');
  print('  and Lambda Invoke (REST-JSON); state lives in memory until it stops.');
  print(`  Lambda functions (rotation, rule targets, Invoke) are invoked through ${values['lambda-url']}`);
  print(`  KMS keys: alias/aws/ssm${values['kms-key'].length ? `, ${values['kms-key'].join(', ')}` : ''}`);
  if (rulesFrom) {
    print(`  ${rules.length} EventBridge rule(s) from ${rulesFrom} (stage ${values.stage}), targets invoked through ${values['lambda-url']}:`);
    for (const r of rules) print(`    ${r.name} → ${r.target}`);
  }
  print('Point the AWS CLI (v2.13+) and the SDKs at it:');
  print(`  export AWS_ENDPOINT_URL=${url} AWS_REGION=${endpoint.region} AWS_DEFAULT_REGION=${endpoint.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`);
  print('  aws secretsmanager list-secrets');
  print(`  aws --endpoint-url ${url} ssm get-parameters-by-path --path / --recursive   (older CLIs)`);
  print('  npm run keyroll -- status');
  print('Ctrl-C stops it.');

  // Listeners stay: Ctrl-C reaches this process more than once (from the terminal, relayed by npm and tsx).
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.on('SIGINT', () => done('SIGINT'));
    process.on('SIGTERM', () => done('SIGTERM'));
  });
  print(`${signal}: stopping the local AWS endpoint`);
  clearInterval(advance);
  await endpoint.idle(5_000).catch(() => undefined);
  await endpoint.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`✘ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
