/**
 * `npm start`: the local stack (embedded PostgreSQL, the local AWS endpoint, serverless-offline
 * running the three functions), a demo rotation of two secrets through the whole pipeline with
 * its timeline and checks, then either exit (`--once`) or stay up for the CLI until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';
import { DEMO_CLUSTER, DEMO_KMS_KEY } from './demoSeed.js';
import { startDevStack, type FunctionKey, type DevStack } from './devStack.js';
import { startTimeline } from './timeline.js';

const USAGE = `Usage: npm start [-- --once] [--aws-port 4566] [--lambda-port 3002] [--http-port 3003] [--websocket-port 3004]

Starts PostgreSQL, the local AWS endpoint and serverless-offline, rotates two demo secrets
through the whole pipeline and checks the result.
  --once   exit after the checks: 0 when all pass, 1 otherwise
  (default) stay up for the keyroll CLI and the AWS CLI until Ctrl-C`;

const print = (line: string) => process.stdout.write(`${line}\n`);
const FORCE_AFTER_MS = 2_000;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function portOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${name} must be a port number from 1 to 65535, got "${value}"`);
  return n;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        once: { type: 'boolean', default: false },
        'aws-port': { type: 'string' },
        'lambda-port': { type: 'string' },
        'http-port': { type: 'string' },
        'websocket-port': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    print(USAGE);
    return 0;
  }
  let ports;
  try {
    ports = {
      awsPort: portOption(args['aws-port'], 'aws-port', 4566),
      lambdaPort: portOption(args['lambda-port'], 'lambda-port', 3002),
      httpPort: portOption(args['http-port'], 'http-port', 3003),
      websocketPort: portOption(args['websocket-port'], 'websocket-port', 3004),
    };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }

  // Signals arriving while something starts are acted on once it has started (or failed).
  let stack: DevStack | undefined;
  let signalled: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  let signals = 0;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      firstSignalAt = Date.now();
      print(`\n${signal}: stopping serverless-offline, the endpoint and PostgreSQL…`);
      signalled(signal);
      return;
    }
    // One Ctrl-C arrives more than once: from the terminal to the whole process group, and
    // relayed again by npm and tsx. Only a later one means "do not wait for a clean stop".
    if (Date.now() - firstSignalAt < FORCE_AFTER_MS) return;
    if (stack) killGroup(stack.offline.pid);
    process.exit(130);
  };
  for (const s of SIGNALS) process.on(s, onSignal);

  print('keyroll local stack');
  try {
    stack = await startDevStack({ ...ports, kmsKeys: [DEMO_KMS_KEY], onProgress: (m) => print(`  ✔ ${m}`) });
  } catch (err) {
    process.stderr.write(`  ✘ ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }

  try {
    if (signals > 0) return 0;
    const abort = new AbortController();
    void stopRequested.then(() => abort.abort());
    const report = await runDemo(stack, { print, signal: abort.signal });
    if (abort.signal.aborted) return 0;
    print('');
    print(report.ok ? '✔ every check passed' : `✘ ${report.checks.filter((c) => !c.ok).length} check(s) failed`);
    if (args.once) return report.ok ? 0 : 1;

    printUsage(stack);
    const keyOf = new Map((['rotate', 'sync', 'redeploy'] as FunctionKey[]).map((k) => [stack!.functionName(k), k]));
    const watch = startTimeline({
      endpoint: stack.endpoint,
      invoker: stack.invoker,
      secrets: report.demo.secrets.map((s) => ({ arn: s.arn, label: s.name, ssmPath: s.ssmPath })),
      services: report.demo.services.map((s) => ({ arn: s.arn, name: `${s.cluster}/${s.name}`, label: s.secretName ?? '' })),
      functionKeyOf: (name) => keyOf.get(name) ?? name,
      print,
    });
    const ended = await Promise.race([
      stopRequested.then(() => 0),
      stack.offline.exited.then((e) => {
        // Its exit is news only when nobody asked for it.
        if (signals > 0) return 0;
        process.stderr.write(`✘ serverless-offline exited (${e.signal ?? `code ${e.code}`}):\n${stack!.offline.lastOutput()}\n`);
        return 1;
      }),
    ]);
    watch.stop();
    return ended;
  } catch (err) {
    process.stderr.write(`✘ ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await stack.stop();
    print('stopped');
  }
}

function printUsage(stack: DevStack): void {
  const url = stack.endpoint.url;
  print('');
  print('The stack stays up until Ctrl-C. From another terminal:');
  print(`  export AWS_ENDPOINT_URL=${url} AWS_REGION=${stack.region} AWS_DEFAULT_REGION=${stack.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`);
  print('  npm run keyroll -- status');
  print('  npm run keyroll -- rotate email-worker/local/db --wait');
  print(`  aws --endpoint-url ${url} secretsmanager describe-secret --secret-id billing/local/db`);
  print(`  aws --endpoint-url ${url} ssm get-parameters-by-path --path /email-worker/local/db --query 'Parameters[].[Name,Type,Version]'`);
  print(`  aws --endpoint-url ${url} ecs list-services --cluster ${DEMO_CLUSTER}`);
  print(`  aws --endpoint-url ${url} secretsmanager rotate-secret --secret-id email-worker/local/db`);
  print(`PostgreSQL: 127.0.0.1:${stack.postgres.port} (CA ${stack.postgres.caCertPath}). The functions' own logs: ${stack.offlineLogPath}`);
  print('Rotations from now on are shown below as they flow.');
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`✘ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
