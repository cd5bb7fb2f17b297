import type { LambdaInvoker } from './types.js';
import { AwsApiError } from './types.js';

/** A handler as Lambda calls it; the context is minimal on purpose. */
export type InProcessHandler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

/** Told of every invocation that failed or could not happen (no such function, invoke API down). */
export type InvocationFailureListener = (functionName: string, error: Error) => void;

/** A function reference split as Lambda reads one: the function's name and its version or alias, if any. */
export interface FunctionReference {
  name: string;
  qualifier?: string;
  /** Region and account when the reference is a full ARN (a partial ARN gives the account only). */
  region?: string;
  accountId?: string;
}

/** Where an invocation of a function goes. */
export type InvocationRoute = 'in-process' | 'fallback';

/** Per-invocation settings of {@link LambdaRegistry.invoke}. */
export interface InvocationOptions {
  /** The request id the handler sees as `context.awsRequestId` (a new UUID when absent). */
  requestId?: string;
}

/** Lambda's longest function timeout, the default bound of every invocation. */
export const MAX_FUNCTION_TIMEOUT_MS = 900_000;

/**
 * An invocation that ran past the function timeout, as Lambda reports one (errorType
 * `Sandbox.Timedout`). The handler's promise is abandoned, not cancelled.
 */
export class FunctionTimeoutError extends Error {
  constructor(
    readonly functionName: string,
    readonly requestId: string,
    readonly timeoutMs: number,
  ) {
    super(`RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'Sandbox.Timedout';
  }
}

// Lambda's documented forms: a name, a partial ARN (`123456789012:function:name`) or a full ARN,
// each optionally followed by `:version` or `:alias`.
const FUNCTION_REFERENCE =
  /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9_-]+))?$/;

/**
 * Lambda targets of the endpoint: in-process handlers registered by name (tests), else a
 * fallback invoker (serverless-offline's invoke API in the local stack). Every invocation is
 * bounded by a function timeout (`timeoutMs`, Lambda's 15-minute maximum by default).
 */
export class LambdaRegistry {
  private readonly handlers = new Map<string, InProcessHandler>();
  /** Every invocation, in order, for tests. Payloads are not kept (they may hold secrets). */
  readonly invocations: Array<{ functionName: string; at: Date; ok: boolean; error?: string }> = [];

  constructor(
    private fallback?: LambdaInvoker,
    private readonly onFailure?: InvocationFailureListener,
    private readonly timeoutMs = MAX_FUNCTION_TIMEOUT_MS,
  ) {}

  register(functionName: string, handler: InProcessHandler): void {
    this.handlers.set(functionName, handler);
  }

  setFallback(invoker: LambdaInvoker | undefined): void {
    this.fallback = invoker;
  }

  /** A name, partial ARN or full ARN (with or without qualifier) split; undefined when it is none of them. */
  static parseReference(nameOrArn: string): FunctionReference | undefined {
    const m = FUNCTION_REFERENCE.exec(nameOrArn);
    if (!m) return undefined;
    return {
      name: m[3]!,
      ...(m[4] !== undefined ? { qualifier: m[4] } : {}),
      ...(m[1] !== undefined ? { region: m[1] } : {}),
      ...(m[2] !== undefined ? { accountId: m[2] } : {}),
    };
  }

  /** Function name from a name, a partial ARN or a full ARN (with or without qualifier). */
  static functionNameOf(nameOrArn: string): string {
    return LambdaRegistry.parseReference(nameOrArn)?.name ?? nameOrArn;
  }

  /** Where an invocation of the function would go; undefined when nothing can run it. */
  routeOf(nameOrArn: string): InvocationRoute | undefined {
    if (this.handlers.has(LambdaRegistry.functionNameOf(nameOrArn))) return 'in-process';
    return this.fallback ? 'fallback' : undefined;
  }

  /**
   * Runs the function with `payload` and returns its result.
   * @throws ResourceNotFoundException (AwsApiError) when no handler is registered and no
   *   fallback is set; FunctionTimeoutError past the timeout; else whatever the handler or the
   *   fallback threw, unchanged.
   */
  readonly invoke = async (nameOrArn: string, payload: unknown, options: InvocationOptions = {}): Promise<unknown> => {
    const functionName = LambdaRegistry.functionNameOf(nameOrArn);
    const handler = this.handlers.get(functionName);
    const at = new Date();
    const requestId = options.requestId ?? crypto.randomUUID();
    try {
      let result: unknown;
      if (handler) {
        const deadline = Date.now() + this.timeoutMs;
        result = await this.withinTimeout(
          functionName,
          requestId,
          handler(structuredClone(payload), {
            functionName,
            awsRequestId: requestId,
            getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
          }),
        );
      } else if (this.fallback) {
        result = await this.withinTimeout(functionName, requestId, this.fallback(functionName, payload));
      } else {
        throw new AwsApiError(
          'ResourceNotFoundException',
          `Function not found: ${nameOrArn} (no in-process handler is registered and no Lambda invoke API is configured)`,
          404,
        );
      }
      this.invocations.push({ functionName, at, ok: true });
      return result;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.invocations.push({ functionName, at, ok: false, error: error.message });
      this.onFailure?.(functionName, error);
      throw err;
    }
  };

  private async withinTimeout(functionName: string, requestId: string, work: Promise<unknown>): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimeoutError(functionName, requestId, this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
