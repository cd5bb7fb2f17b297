import type { LambdaInvoker } from './types.js';
import { AwsApiError } from './types.js';

/** A handler as Lambda calls it; the context is minimal on purpose. */
export type InProcessHandler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

/**
 * Lambda targets of the endpoint: in-process handlers registered by name (tests), else a
 * fallback invoker (serverless-offline's invoke API in the local stack).
 */
export class LambdaRegistry {
  private readonly handlers = new Map<string, InProcessHandler>();
  /** Every invocation, in order, for tests. Payloads are not kept (they may hold secrets). */
  readonly invocations: Array<{ functionName: string; at: Date; ok: boolean; error?: string }> = [];

  constructor(private fallback?: LambdaInvoker) {}

  register(functionName: string, handler: InProcessHandler): void {
    this.handlers.set(functionName, handler);
  }

  setFallback(invoker: LambdaInvoker | undefined): void {
    this.fallback = invoker;
  }

  /** Function name from a name, a partial ARN or a full ARN (with or without qualifier). */
  static functionNameOf(nameOrArn: string): string {
    const m = /^arn:aws[a-z-]*:lambda:[^:]*:\d{12}:function:([^:]+)(?::.*)?$/.exec(nameOrArn);
    return m ? m[1]! : nameOrArn;
  }

  readonly invoke: LambdaInvoker = async (nameOrArn, payload) => {
    const functionName = LambdaRegistry.functionNameOf(nameOrArn);
    const handler = this.handlers.get(functionName);
    const at = new Date();
    try {
      let result: unknown;
      if (handler) {
        result = await handler(structuredClone(payload), {
          functionName,
          awsRequestId: crypto.randomUUID(),
          getRemainingTimeInMillis: () => 900_000,
        });
      } else if (this.fallback) {
        result = await this.fallback(functionName, payload);
      } else {
        throw new AwsApiError('ResourceNotFoundException', `Function not found: ${nameOrArn}`, 404);
      }
      this.invocations.push({ functionName, at, ok: true });
      return result;
    } catch (err) {
      this.invocations.push({ functionName, at, ok: false, error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  };
}
