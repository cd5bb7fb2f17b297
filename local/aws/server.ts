import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AwsApiError,
  notEmulated,
  type BusEvent,
  type QueryServiceEmulation,
  type ServiceContext,
  type ServiceEmulation,
} from './types.js';
import { LambdaRegistry, type InvocationFailureListener } from './lambdas.js';
import { createSecretsManager, type SecretsManagerEmulation } from './secretsManager.js';
import { createSsm, type SsmEmulation } from './ssm.js';
import { createEcs, type EcsEmulation, type EcsOptions } from './ecs.js';
import { createEventBridge, type EventBridgeEmulation, type EventRule } from './eventBridge.js';
import { createSqs, type SqsEmulation, type SqsOptions } from './sqs.js';
import { createRds, type RdsEmulation } from './rds.js';
import { encodeJson, jsonContentType, jsonErrorOf } from './jsonProtocol.js';
import { parseQueryForm, queryErrorXml, queryResultXml, signerOf, signingServiceOf } from './queryProtocol.js';
import { createLambdaInvokeApi, lambdaErrorOf, parseInvokePath } from './lambdaInvokeApi.js';

/** One answered request, for counting API calls in tests and benchmarks. */
export interface RequestLogEntry {
  /** `secretsmanager`, `ssm`, `ecs`, `events`, `sqs`, `rds` or `lambda` (the signing name of an unknown service). */
  service: string;
  /** The API operation, e.g. `PutParameter`. */
  operation: string;
  at: Date;
  durationMs: number;
  /** `ok`, or the `__type` of the error answered. */
  outcome: string;
  /** The access key id and region the request was signed with (SigV4's credential scope), when signed. */
  signer?: { accessKeyId: string; region: string };
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
  /**
   * Retries of a rule target's failed (asynchronous) invocation before its on-failure destination
   * gets the record: Lambda makes 2, a minute and two minutes apart; here they follow at once.
   * Default 0, so a test sees one invocation per event.
   */
  asyncRetries?: number;
  /** SQS queues that exist from the start (the local stack: the queues serverless.yml declares). */
  queues?: string[];
  ecs?: EcsOptions;
  /** Used for Lambda targets that have no in-process handler (serverless-offline). */
  lambdaFallback?: (functionName: string, payload: unknown) => Promise<unknown>;
  /**
   * Told of every Lambda invocation (rotation step, rule target) that failed or could not be
   * made, e.g. to log it: the endpoint itself records it in `lambdas.invocations` only.
   */
  onLambdaFailure?: InvocationFailureListener;
  /**
   * The function timeout of every Lambda invocation (Invoke API, rotation steps, rule targets),
   * past which it fails as Lambda's `Sandbox.Timedout`; default 900 000 (Lambda's maximum).
   */
  lambdaTimeoutMs?: number;
  sqs?: SqsOptions;
  clock?: () => Date;
  /**
   * Largest request body accepted, in bytes (AWS's own limits are far below the default).
   * Lambda's Invoke takes Lambda's own payload quotas (6 MB, 1 MB for Event) unless this is lower.
   */
  maxBodyBytes?: number;
}

export interface AwsEndpoint {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` or AWS_ENDPOINT_URL. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly requestLog: RequestLogEntry[];
  /**
   * The Lambda functions the endpoint invokes: `lambdas.register(name, handler)` serves a
   * function in-process, to the endpoint's own invocations and to Lambda's Invoke API
   * (`LambdaClient` + `InvokeCommand` on `url`) alike; others go to `lambdaFallback`.
   */
  readonly lambdas: LambdaRegistry;
  readonly secretsManager: SecretsManagerEmulation;
  readonly ssm: SsmEmulation;
  readonly ecs: EcsEmulation;
  readonly eventBridge: EventBridgeEmulation;
  readonly sqs: SqsEmulation;
  /** RDS (AWS Query): DescribeDBInstances / DescribeDBClusters over what `rds.addInstance` / `rds.addCluster` seed. */
  readonly rds: RdsEmulation;
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

const bodyTooLarge = (limit: number) => new AwsApiError('RequestEntityTooLargeException', `Request body exceeds ${limit} bytes`, 413);

async function readBody(req: IncomingMessage, limit: number, tooLarge: (limit: number) => AwsApiError = bodyTooLarge): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Lambda's answer to a payload over its quota. */
const invokePayloadTooLarge = (limit: number) =>
  new AwsApiError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the InvokeFunction operation`, 413);

/**
 * Starts the local AWS endpoint on 127.0.0.1: Secrets Manager, SSM Parameter Store, ECS and
 * EventBridge over AWS JSON 1.1, SQS over AWS JSON 1.0, RDS over AWS Query and Lambda's
 * Invoke over REST-JSON, on one port.
 * keyroll's code talks to it through the ordinary SDK clients, selected only by the endpoint URL.
 */
export async function startAwsEndpoint(options: AwsEndpointOptions = {}): Promise<AwsEndpoint> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const clock = options.clock ?? (() => new Date());
  const maxBody = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const lambdas = new LambdaRegistry(options.lambdaFallback, options.onLambdaFailure, options.lambdaTimeoutMs);
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
    sendToQueue: (queueName, body) => sqs.deliver(queueName, body),
  };

  eventBridge = createEventBridge(ctx, { rules: options.rules ?? [], ...(options.asyncRetries !== undefined ? { asyncRetries: options.asyncRetries } : {}) });
  const secretsManager = createSecretsManager(ctx);
  const ssm = createSsm(ctx);
  const ecs = createEcs(ctx, options.ecs ?? {});
  // Queue URLs carry the port, known once the server listens (below).
  let endpointUrl = '';
  const sqs = createSqs(ctx, { ...options.sqs, baseUrl: () => endpointUrl });
  for (const QueueName of options.queues ?? []) sqs.operations.CreateQueue!({ QueueName });
  const rds = createRds(ctx, { secretsManager });
  const lambdaApi = createLambdaInvokeApi({ region, accountId, lambdas, background: ctx.background, maxBodyBytes: options.maxBodyBytes });
  const jsonServices: ServiceEmulation[] = [secretsManager, ssm, ecs, eventBridge, sqs];
  const queryServices: QueryServiceEmulation[] = [rds];
  const byPrefix = new Map(jsonServices.map((s) => [s.targetPrefix, s]));
  const queryByName = new Map(queryServices.map((s) => [s.name, s]));

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
    const requestId = crypto.randomUUID();
    let service = 'unknown';
    let operation = 'unknown';
    let protocol: 'json' | 'query' | 'rest-json' = 'json';
    let jsonService: ServiceEmulation | undefined;
    let queryService: QueryServiceEmulation | undefined;
    const send = (status: number, contentType: string, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        ...headers,
        'content-type': contentType,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
      });
      res.end(text);
    };
    /** Rate limits and injected faults apply to every protocol alike, by `service.Operation`. */
    const admit = () => {
      const key = `${service}.${operation}`;
      const bucket = limits.get(key);
      if (bucket && !bucket.take()) throw new AwsApiError('ThrottlingException', 'Rate exceeded');
      checkFault(key);
    };
    try {
      if (req.method === 'GET' && (req.url === '/' || req.url === '/_health')) {
        send(200, jsonContentType(), encodeJson({ status: 'running', services: [...jsonServices, ...queryServices].map((s) => s.name) }));
        return;
      }
      const target = req.headers['x-amz-target'];
      const signingService = signingServiceOf(req.headers.authorization);
      const signer = signerOf(req.headers.authorization);
      const contentType = String(req.headers['content-type'] ?? '');
      const invocation = parseInvokePath(req.method, req.url);
      if (invocation) {
        protocol = 'rest-json';
        service = 'lambda';
        operation = 'Invoke';
        const header = req.headers['x-amz-invocation-type'];
        const invocationType = Array.isArray(header) ? header[0] : header;
        const payload = await readBody(req, lambdaApi.payloadLimit(invocationType), invokePayloadTooLarge);
        admit();
        const answer = await lambdaApi.invoke({ ...invocation, invocationType, payload, requestId });
        send(answer.status, 'application/json', answer.body, answer.headers);
      } else if (req.method === 'POST' && typeof target === 'string' && target.lastIndexOf('.') > 0) {
        const dot = target.lastIndexOf('.');
        jsonService = byPrefix.get(target.slice(0, dot));
        operation = target.slice(dot + 1);
        service = jsonService?.name ?? signingService ?? target.slice(0, dot);
        const impl = jsonService && Object.hasOwn(jsonService.operations, operation) ? jsonService.operations[operation] : undefined;
        if (!impl) throw notEmulated(service, operation, 'json');
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
        admit();
        const output = await impl(input as Record<string, unknown>);
        send(200, jsonContentType(jsonService!.jsonVersion), encodeJson(output ?? {}));
      } else if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
        protocol = 'query';
        const params = parseQueryForm(await readBody(req, maxBody));
        const action = params.get('Action');
        if (action !== undefined) operation = action;
        queryService =
          signingService !== undefined
            ? queryByName.get(signingService)
            : queryServices.find((s) => action !== undefined && Object.hasOwn(s.operations, action));
        service = queryService?.name ?? signingService ?? 'unknown';
        if (action === undefined) throw new AwsApiError('MissingAction', 'The request must contain the parameter Action.');
        const impl = queryService && Object.hasOwn(queryService.operations, action) ? queryService.operations[action] : undefined;
        if (!impl) throw notEmulated(service, action, 'query');
        admit();
        const result = await impl(params);
        send(200, 'text/xml', queryResultXml(action, queryService!.xmlNamespace, requestId, result));
      } else {
        throw new AwsApiError(
          'UnknownOperationException',
          `${req.method} ${req.url ?? '/'} is not an AWS request keyroll's local endpoint understands: expected a POST with an ` +
            'X-Amz-Target header (AWS JSON), a form-encoded body with an Action (AWS Query) or a POST to ' +
            '/2015-03-31/functions/{FunctionName}/invocations (Lambda Invoke)',
        );
      }
      requestLog.push({ service, operation, at: new Date(started), durationMs: Date.now() - started, outcome: 'ok', ...(signer ? { signer } : {}) });
    } catch (err) {
      const e =
        err instanceof AwsApiError
          ? err
          : new AwsApiError('InternalFailure', `Internal error: ${err instanceof Error ? err.message : String(err)}`, 500);
      requestLog.push({ service, operation, at: new Date(started), durationMs: Date.now() - started, outcome: e.type });
      if (res.headersSent) return;
      if (protocol === 'query') {
        send(e.status, 'text/xml', queryErrorXml(e, requestId, queryService?.xmlNamespace));
      } else if (protocol === 'rest-json') {
        const { headers, body } = lambdaErrorOf(e);
        send(e.status, 'application/json', body, headers);
      } else {
        const { headers, body } = jsonErrorOf(e, jsonService);
        send(e.status, jsonContentType(jsonService?.jsonVersion), encodeJson(body), headers);
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
  endpointUrl = `http://127.0.0.1:${port}`;

  return {
    url: endpointUrl,
    port,
    region,
    accountId,
    requestLog,
    lambdas,
    secretsManager,
    ssm,
    ecs,
    eventBridge,
    sqs,
    rds,
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
