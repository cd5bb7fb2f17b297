import type { AwsApiError, ServiceEmulation } from './types.js';

/**
 * AWS JSON 1.0 and 1.1 answers: `application/x-amz-json-1.x` bodies with timestamps as epoch
 * seconds; errors as `{"__type", "message"}` plus the `x-amzn-errortype` header. A
 * query-compatible service (SQS) namespaces its `__type`s and adds `x-amzn-query-error:
 * <query code>;Sender|Receiver`, from which the SDK reads the code its Query-era clients knew.
 */

/** Epoch seconds for Dates, as AWS JSON sends timestamps. */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

/** The JSON text of an answer. */
export function encodeJson(body: unknown): string {
  return JSON.stringify(body, replacer);
}

export function jsonContentType(version: '1.0' | '1.1' = '1.1'): string {
  return `application/x-amz-json-${version}`;
}

/** The headers and body of an error answer of `emulation` (JSON 1.1 when the service is unknown). */
export function jsonErrorOf(
  error: AwsApiError,
  emulation: ServiceEmulation | undefined,
): { headers: Record<string, string>; body: Record<string, string> } {
  const namespace = emulation?.queryCompatibleNamespace;
  if (namespace) {
    return {
      headers: {
        'x-amzn-errortype': error.type,
        'x-amzn-query-error': `${error.queryCode ?? error.type};${error.status >= 500 ? 'Receiver' : 'Sender'}`,
      },
      body: { __type: `${namespace}#${error.type}`, message: error.message },
    };
  }
  return {
    // x-amzn-errortype lets every SDK read the code even if it ignores the body.
    headers: { 'x-amzn-errortype': error.type },
    body: { __type: error.type, message: error.message, Message: error.message },
  };
}
