import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsApiError, type BusEvent, type ServiceContext, type ServiceEmulation } from './types.js';
import { LambdaRegistry } from './lambdas.js';
import { createSecretsManager, type SecretsManagerEmulation } from './secretsManager.js';
import { createSsm, type SsmEmulation } from './ssm.js';
import { createEcs, type EcsEmulation, type EcsOptions } from './ecs.js';
import { createEventBridge, type EventBridgeEmulation, type EventRule } from './eventBridge.js';

/** One answered request, for counting API calls in tests and benchmarks. */
export interface RequestLogEntry {
  /** `secretsmanager`, `ssm`, `ecs` or `events`. */
  service: string;
  /** The API operation, e.g. `PutParameter`. */
  operation: string;
  at: Date;
  durationMs: number;
  /** `ok`, or the `__type` of the error answered. */
  outcome: string;
}

/** Injected failure: the Nth call (1-based, counted from injection) or every call until a time. */
export interface FaultSpec {
  /** `service.Operation`, e.g. `secretsmanager.PutSecretValue`. */
  operation: string;
  /** Fail only the nth matching call from now (1 = the next one). */
  nth?: number;
  /** Fail every matching call for this many milliseconds. */
  forMs?: number;
  /** Error type answered (default `InjectedFault`, HTTP 400, which the SDK does not retry). */
  errorType?: string;
  status?: number;
}

export interface AwsEndpointOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. The `npm run aws` default is 4566. */
  port?: number;
  region?: string;
  accountId?: string;
  /** KMS keys known besides the account default `alias/aws/ssm`: key ids, key ARNs or `alias/...` names. */
  kmsKeys?: string[];
  /** Rules routing events to Lambda targets (the local stack reads them from serverless.yml). */
  rules?: EventRule[];
  ecs?: EcsOptions;
  /** Used for Lambda targets that have no in-process handler (serverless-offline). */
  lambdaFallback?: (functionName: string, payload: unknown) => Promise<unknown>;
  clock?: () => Date;
  /** Largest request body accepted, in bytes (AWS's own limits are far below the default). */
  maxBodyBytes?: number;
}

export interface AwsEndpoint {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` or AWS_ENDPOINT_URL. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly requestLog: RequestLogEntry[];
  readonly lambdas: LambdaRegistry;
  readonly secretsManager: SecretsManagerEmulation;
  readonly ssm: SsmEmulation;
  readonly ecs: EcsEmulation;
  readonly eventBridge: EventBridgeEmulation;
  /** Number of logged calls of `service.Operation` (or of every operation of `service`). */
  count(operation: string): number;
  /** Clears the request log (counters start again from zero). */
  resetLog(): void;
  /** Answers ThrottlingException past `tps` calls per second of `service.Operation`, as AWS does. */
  setRateLimit(operation: string, tps: number | undefined): void;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** Resolves when no rotation or event delivery runs in the background (bounded by `timeoutMs`). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly tps: number) {
    this.tokens = tps;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.tps, this.tokens + ((now - this.last) / 1000) * this.tps);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

interface ActiveFault extends FaultSpec {
  seen: number;
  until?: number;
}

/** Epoch seconds for Dates, as AWS JSON 1.1 sends timestamps. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new AwsApiError('RequestEntityTooLargeException', `Request body exceeds ${limit} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the local AWS endpoint: Secrets Manager, SSM Parameter Store, ECS and EventBridge
 * over AWS JSON 1.1 on 127.0.0.1. keyroll's code talks to it through the ordinary SDK
 * clients, selected only by the endpoint URL.
 */
export async function startAwsEndpoint(options: AwsEndpointOptions = {}): Promise<AwsEndpoint> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const clock = options.clock ?? (() => new Date());
  const maxBody = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const lambdas = new LambdaRegistry(options.lambdaFallback);
  const pending = new Set<Promise<void>>();
  const backgroundErrors: string[] = [];

  const kmsKeys = new Map<string, string>();
  const addKey = (spec: string) => {
    const arn = spec.startsWith('arn:') ? spec : `arn:aws:kms:${region}:${accountId}:${spec.startsWith('alias/') ? spec : `key/${spec}`}`;
    kmsKeys.set(spec, arn);
    kmsKeys.set(arn, arn);
    // An alias ARN's name, and a key ARN's bare id, resolve too.
    const alias = /:(alias\/.+)$/.exec(arn);
    if (alias) kmsKeys.set(alias[1]!, arn);
    const key = /:key\/(.+)$/.exec(arn);
    if (key) kmsKeys.set(key[1]!, arn);
  };
  addKey('alias/aws/ssm');
  for (const k of options.kmsKeys ?? []) addKey(k);

  let eventBridge!: EventBridgeEmulation;
  const ctx: ServiceContext = {
    region,
    accountId,
    now: clock,
    publish: (event: BusEvent) => eventBridge.publish(event),
    invoke: lambdas.invoke,
    background(name, work) {
      const p = work()
        .catch((err: unknown) => {
          backgroundErrors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    resolveKmsKey: (keyId) => kmsKeys.get(keyId),
  };

  eventBridge = createEventBridge(ctx, { rules: options.rules ?? [] });
  const secretsManager = createSecretsManager(ctx);
  const ssm = createSsm(ctx);
  const ecs = createEcs(ctx, options.ecs ?? {});
  const services: ServiceEmulation[] = [secretsManager, ssm, ecs, eventBridge];
  const byPrefix = new Map(services.map((s) => [s.targetPrefix, s]));

  const requestLog: RequestLogEntry[] = [];
  const limits = new Map<string, TokenBucket>();
  let faults: ActiveFault[] = [];

  const checkFault = (op: string) => {
    const now = Date.now();
    for (const f of faults) {
      if (f.operation !== op) continue;
      f.seen += 1;
      const hit = (f.nth !== undefined && f.seen === f.nth) || (f.until !== undefined && now < f.until);
      if (hit) throw new AwsApiError(f.errorType ?? 'InjectedFault', `Injected fault on ${op}`, f.status ?? 400);
    }
    faults = faults.filter((f) => !(f.nth !== undefined && f.seen >= f.nth) && !(f.until !== undefined && now >= f.until));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    let service = 'unknown';
    let operation = 'unknown';
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body, replacer);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': crypto.randomUUID(),
      });
      res.end(text);
    };
    try {
      if (req.method === 'GET' && (req.url === '/' || req.url === '/_health')) {
        send(200, { status: 'running', services: services.map((s) => s.name) });
        return;
      }
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || typeof target !== 'string' || !target.includes('.')) {
        throw new AwsApiError('UnknownOperationException', 'Expected POST with an X-Amz-Target header (AWS JSON 1.1)');
      }
      const dot = target.lastIndexOf('.');
      const emulation = byPrefix.get(target.slice(0, dot));
      operation = target.slice(dot + 1);
      if (!emulation) throw new AwsApiError('UnknownOperationException', `Unknown service in X-Amz-Target: ${target}`);
      service = emulation.name;
      const impl = Object.hasOwn(emulation.operations, operation) ? emulation.operations[operation] : undefined;
      if (!impl) throw new AwsApiError('UnknownOperationException', `${service} does not support ${operation} here`);
      const raw = await readBody(req, maxBody);
      let input: unknown;
      try {
        input = raw.trim() === '' ? {} : JSON.parse(raw);
      } catch {
        throw new AwsApiError('SerializationException', 'Request body is not valid JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new AwsApiError('SerializationException', 'Request body must be a JSON object');
      }
      const key = `${service}.${operation}`;
      const bucket = limits.get(key);
      if (bucket && !bucket.take()) throw new AwsApiError('ThrottlingException', 'Rate exceeded');
      checkFault(key);
      const output = await impl(input as Record<string, unknown>);
      send(200, output ?? {});
      requestLog.push({ service, operation, at: new Date(started), durationMs: Date.now() - started, outcome: 'ok' });
    } catch (err) {
      const e =
        err instanceof AwsApiError
          ? err
          : new AwsApiError('InternalFailure', `Internal error: ${err instanceof Error ? err.message : String(err)}`, 500);
      requestLog.push({ service, operation, at: new Date(started), durationMs: Date.now() - started, outcome: e.type });
      if (!res.headersSent) {
        // x-amzn-errortype lets every SDK read the code even if it ignores the body.
        res.setHeader('x-amzn-errortype', e.type);
        send(e.status, { __type: e.type, message: e.message, Message: e.message });
      }
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${options.port} on 127.0.0.1 is already in use: stop what holds it or pick another with --port`)
          : err,
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    region,
    accountId,
    requestLog,
    lambdas,
    secretsManager,
    ssm,
    ecs,
    eventBridge,
    count(op) {
      return op.includes('.')
        ? requestLog.filter((r) => `${r.service}.${r.operation}` === op).length
        : requestLog.filter((r) => r.service === op).length;
    },
    resetLog() {
      requestLog.length = 0;
    },
    setRateLimit(op, tps) {
      if (tps === undefined) limits.delete(op);
      else limits.set(op, new TokenBucket(tps));
    },
    injectFault(fault) {
      faults.push({ ...fault, seen: 0, ...(fault.forMs !== undefined ? { until: Date.now() + fault.forMs } : {}) });
    },
    clearFaults() {
      faults = [];
    },
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`local AWS endpoint still busy after ${timeoutMs} ms (${pending.size} background tasks)`);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...pending]),
          new Promise((r) => {
            timer = setTimeout(r, left);
          }),
        ]);
        clearTimeout(timer);
      }
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
