import { createLambdaInvoker } from './lambdaInvoker.js';
import type { LambdaInvoker } from './aws/types.js';

/** What a function was invoked with, reduced to what a timeline shows (never a value). */
export type InvocationTrigger =
  | { kind: 'rotation'; secretId: string; step: string }
  | {
      kind: 'event';
      source: string;
      detailType: string;
      /** The envelope's `id`: which event on the bus this invocation delivered. */
      eventId?: string;
      secretId?: string;
      parameterName?: string;
      eventName?: string;
    }
  | { kind: 'other' };

/** One finished invocation through serverless-offline. */
export interface InvocationRecord {
  functionName: string;
  trigger: InvocationTrigger;
  /** When the endpoint asked for the invocation. */
  requestedAt: Date;
  /** When it ran (later than requestedAt when the function's reserved concurrency made it wait). */
  startedAt: Date;
  durationMs: number;
  ok: boolean;
  /** The function's error message (keyroll's errors never carry a secret value). */
  error?: string;
  /** The function's own reason when it left the event alone on purpose. */
  ignored?: string;
}

/** Options of {@link createOfflineInvoker}. */
export interface OfflineInvokerOptions {
  /** serverless-offline's Lambda API, `http://127.0.0.1:3002`. */
  lambdaUrl: string;
  /** `reservedConcurrency` per deployed function name: at most that many run at once, the rest wait, as on AWS. */
  reservedConcurrency?: Record<string, number>;
  /** Invoker to use instead of the Lambda API (tests of this module). */
  invoke?: LambdaInvoker;
}

/** The endpoint's Lambda fallback for the local stack, with its invocation log. */
export interface OfflineInvoker {
  readonly invoke: LambdaInvoker;
  /** Every finished invocation, in completion order. */
  readonly invocations: InvocationRecord[];
  /** The invocations still running, oldest first. */
  running(): RunningInvocation[];
  /** When the earliest invocation still running started; undefined when none runs. */
  earliestRunning(): Date | undefined;
}

/** An invocation serverless-offline has not answered yet. */
export interface RunningInvocation {
  functionName: string;
  trigger: InvocationTrigger;
  startedAt: Date;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** What a payload is about: a rotation step, or an EventBridge event and the secret or parameter it names. */
function triggerOf(payload: unknown): InvocationTrigger {
  if (!isObject(payload)) return { kind: 'other' };
  const step = str(payload['Step']);
  const secretId = str(payload['SecretId']);
  if (step && secretId) return { kind: 'rotation', secretId, step };
  const source = str(payload['source']);
  const detailType = str(payload['detail-type']);
  if (!source || !detailType) return { kind: 'other' };
  const detail = isObject(payload['detail']) ? payload['detail'] : {};
  const extra = isObject(detail['additionalEventData']) ? detail['additionalEventData'] : {};
  const response = isObject(detail['responseElements']) ? detail['responseElements'] : {};
  const request = isObject(detail['requestParameters']) ? detail['requestParameters'] : {};
  const resources = Array.isArray(payload['resources']) ? payload['resources'] : [];
  // Secrets Manager's own "Secret Label Updated" names the secret in resources only.
  const labelUpdated = source === 'aws.secretsmanager' && detailType === 'Secret Label Updated' ? str(resources[0]) : undefined;
  const named =
    str(detail['secretArn']) ?? str(extra['SecretId']) ?? str(response['arn']) ?? str(response['aRN']) ?? str(request['secretId']) ?? labelUpdated;
  const parameterName = source === 'aws.ssm' ? str(detail['name']) : undefined;
  const eventName = str(detail['eventName']);
  const eventId = str(payload['id']);
  return {
    kind: 'event',
    source,
    detailType,
    ...(eventId ? { eventId } : {}),
    ...(named ? { secretId: named } : {}),
    ...(parameterName ? { parameterName } : {}),
    ...(eventName ? { eventName } : {}),
  };
}

/** The reason a keyroll function gives for leaving an event alone (`kind`/`outcome` `ignored`). */
function ignoredReasonOf(result: unknown): string | undefined {
  if (!isObject(result)) return undefined;
  if (result['kind'] === 'ignored' || result['outcome'] === 'ignored') return str(result['reason']) ?? 'ignored';
  const inner = isObject(result['result']) ? result['result'] : undefined;
  if (inner && inner['status'] === 'unmanaged') return str(inner['reason']) ?? 'not managed';
  return undefined;
}

/**
 * Invokes functions through serverless-offline's Lambda API, records each invocation (what
 * triggered it, when, how long, its outcome) and honours serverless.yml's
 * `reservedConcurrency`: serverless-offline runs every invocation at once, while AWS lets a
 * function with reserved concurrency 1 handle one event at a time.
 * Payloads and results are not kept: only the fields a timeline needs.
 */
export function createOfflineInvoker(options: OfflineInvokerOptions): OfflineInvoker {
  const invokeLambda = options.invoke ?? createLambdaInvoker(options.lambdaUrl);
  const invocations: InvocationRecord[] = [];
  const inFlight = new Set<RunningInvocation>();
  const slots = new Map<string, { free: number; waiting: Array<() => void> }>();
  for (const [name, n] of Object.entries(options.reservedConcurrency ?? {})) {
    if (Number.isInteger(n) && n > 0) slots.set(name, { free: n, waiting: [] });
  }

  const acquire = async (name: string) => {
    const s = slots.get(name);
    if (!s) return;
    if (s.free > 0) {
      s.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => s.waiting.push(resolve));
  };
  const release = (name: string) => {
    const s = slots.get(name);
    if (!s) return;
    const next = s.waiting.shift();
    if (next) next();
    else s.free += 1;
  };

  const invoke: LambdaInvoker = async (functionName, payload) => {
    const requestedAt = new Date();
    const trigger = triggerOf(payload);
    await acquire(functionName);
    const startedAt = new Date();
    const entry: RunningInvocation = { functionName, trigger, startedAt };
    inFlight.add(entry);
    const record = (outcome: { ok: true; ignored?: string } | { ok: false; error: string }) =>
      invocations.push({ functionName, trigger, requestedAt, startedAt, durationMs: Date.now() - startedAt.getTime(), ...outcome });
    try {
      const result = await invokeLambda(functionName, payload);
      const ignored = ignoredReasonOf(result);
      record({ ok: true, ...(ignored ? { ignored } : {}) });
      return result;
    } catch (err) {
      record({ ok: false, error: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      inFlight.delete(entry);
      release(functionName);
    }
  };

  const running = () => [...inFlight].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const earliestRunning = () => running()[0]?.startedAt;

  return { invoke, invocations, running, earliestRunning };
}
