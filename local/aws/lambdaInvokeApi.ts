/**
 * Lambda's Invoke API on the local endpoint (REST-JSON, `POST
 * /2015-03-31/functions/{FunctionName}/invocations`), so `LambdaClient` + `InvokeCommand` reach
 * the endpoint's Lambda registry: its in-process handlers, else its fallback (serverless-offline).
 */
import { AwsApiError } from './types.js';
import { createConstraintError } from './requestFields.js';
import { FunctionTimeoutError, LambdaRegistry, type FunctionReference, type InvocationRoute } from './lambdas.js';

/** `X-Amz-Invocation-Type`: RequestResponse (the default), Event or DryRun. */
export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/** An Invoke request as it came in: its path's FunctionName, its query's Qualifier, its headers' invocation type. */
export interface InvokeRequest {
  /** The FunctionName path segment, decoded. */
  functionName: string;
  qualifier?: string | undefined;
  /** The raw `X-Amz-Invocation-Type` header. */
  invocationType?: string | undefined;
  /** The body: the event, as JSON text (empty means `{}`). */
  payload: string;
  /** The endpoint's request id, given to the handler as `context.awsRequestId`. */
  requestId: string;
}

/** The HTTP answer to a successful Invoke call (function errors included: Lambda answers them with 200). */
export interface InvokeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The endpoint parts the Invoke API works with. */
export interface LambdaInvokeApiDeps {
  region: string;
  accountId: string;
  lambdas: LambdaRegistry;
  /** Tracks an Event invocation so the endpoint's `idle()` awaits it. */
  background(name: string, work: () => Promise<void>): void;
  /** The endpoint's own body limit, when set: it lowers Lambda's payload limits, never raises them. */
  maxBodyBytes?: number | undefined;
}

/** The Invoke API of the endpoint. */
export interface LambdaInvokeApi {
  /**
   * The largest body accepted for the invocation type: Lambda's 6 MB (synchronous) or 1 MB
   * (asynchronous) payload quota, or the endpoint's own limit when that is lower.
   */
  payloadLimit(invocationType: string | undefined): number;
  /**
   * Answers one Invoke request.
   * @throws AwsApiError answered as Lambda answers it: ValidationException for a malformed
   *   FunctionName, Qualifier or invocation type; InvalidParameterValueException for a
   *   Qualifier contradicting the FunctionName's; ResourceNotFoundException (404) for a
   *   function nothing can run; InvalidRequestContentException for a payload that is not JSON;
   *   an error of the fallback's invoke API passed through; ServiceException when that API is
   *   unreachable.
   */
  invoke(request: InvokeRequest): Promise<InvokeAnswer>;
}

const INVOCATION_TYPES: readonly InvocationType[] = ['Event', 'RequestResponse', 'DryRun'];
/** Lambda's payload quotas: 6 MB for synchronous invocations, 1 MB for asynchronous ones. */
const SYNC_PAYLOAD_BYTES = 6_291_456;
const ASYNC_PAYLOAD_BYTES = 1_048_576;
/** What a synchronous response may hold: Lambda's 6 MB quota, as for the request. */
const RESPONSE_PAYLOAD_BYTES = SYNC_PAYLOAD_BYTES;
/** The model's limits: a full ARN of up to 170 characters, a bare name of up to 64. */
const MAX_REFERENCE_LENGTH = 170;
const MAX_NAME_LENGTH = 64;
const QUALIFIER_PATTERN = /^[a-zA-Z0-9$_-]+$/;
const FUNCTION_NAME_PATTERN_TEXT =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';

/** Invoke's path: `/2015-03-31/functions/{FunctionName}/invocations`, the name URL-encoded. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/?]+)\/invocations\/?(?:\?(.*))?$/;

/** The FunctionName and Qualifier of a request to Invoke's path, undefined for any other request (method or path). */
export function parseInvokePath(method: string | undefined, url: string | undefined): { functionName: string; qualifier?: string } | undefined {
  if (method !== 'POST' || url === undefined) return undefined;
  const m = INVOKE_PATH.exec(url);
  if (!m) return undefined;
  let functionName = m[1]!;
  try {
    functionName = decodeURIComponent(functionName);
  } catch {
    // Left encoded: the `%` then fails FunctionName's pattern, which names the value.
  }
  const qualifier = new URLSearchParams(m[2] ?? '').get('Qualifier');
  return qualifier === null ? { functionName } : { functionName, qualifier };
}

/**
 * Lambda's REST-JSON error answer: the `x-amzn-ErrorType` header and `{"Type", "Message"}`,
 * Type `User` for the caller's errors and `Service` for Lambda's own, as AWS answers them.
 */
export function lambdaErrorOf(error: AwsApiError): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'x-amzn-errortype': error.type },
    body: JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', Message: error.message }),
  };
}

/** The Node.js runtime's error document for what a handler threw: errorType, errorMessage, trace. */
function errorDocumentOf(thrown: unknown): Record<string, unknown> {
  if (thrown instanceof Error) {
    return { errorType: thrown.name, errorMessage: thrown.message, trace: (thrown.stack ?? '').split('\n') };
  }
  return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
}

/** An error the fallback's invoke API answered (an SDK service error carries its HTTP status). */
function serviceErrorOf(err: unknown): AwsApiError | undefined {
  if (!(err instanceof Error)) return undefined;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  if (typeof status !== 'number' || status < 400) return undefined;
  return new AwsApiError(err.name, err.message, status);
}

/** A network failure reaching the fallback (ECONNREFUSED and the like), not the function's own error. */
function isNetworkError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined;
}

function readInvocationType(raw: string | undefined): InvocationType {
  if (raw === undefined || raw === '') return 'RequestResponse';
  if (!(INVOCATION_TYPES as readonly string[]).includes(raw)) {
    throw createConstraintError('InvocationType', `Member must satisfy enum value set: [${INVOCATION_TYPES.join(', ')}]`, raw.slice(0, 100));
  }
  return raw as InvocationType;
}

/**
 * The function a request names, checked against Invoke's model.
 * @throws ValidationException or InvalidParameterValueException (see {@link LambdaInvokeApi.invoke}).
 */
function readReference(functionName: string, qualifier: string | undefined): FunctionReference {
  const shown = functionName.slice(0, 200);
  if (functionName.length > MAX_REFERENCE_LENGTH) {
    throw createConstraintError('FunctionName', `Member must have length less than or equal to ${MAX_REFERENCE_LENGTH}`, shown);
  }
  const reference = LambdaRegistry.parseReference(functionName);
  if (!reference) throw createConstraintError('FunctionName', `Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN_TEXT}`, shown);
  if (reference.name.length > MAX_NAME_LENGTH) {
    throw createConstraintError('FunctionName', `Member must have length less than or equal to ${MAX_NAME_LENGTH}`, shown);
  }
  // The model's pattern admits an empty Qualifier: it names nothing.
  if (qualifier === undefined || qualifier === '') return reference;
  if (qualifier.length > 128 || !QUALIFIER_PATTERN.test(qualifier)) {
    throw createConstraintError('Qualifier', 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)', qualifier.slice(0, 128));
  }
  if (reference.qualifier !== undefined && reference.qualifier !== qualifier) {
    throw new AwsApiError(
      'InvalidParameterValueException',
      `The qualifier ${reference.qualifier} in the function name ${shown} does not match the Qualifier parameter ${qualifier}.`,
    );
  }
  return { ...reference, qualifier };
}

/** Invoke's event: the body as JSON, `{}` when empty. */
function readPayload(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AwsApiError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * Creates the Invoke API over the endpoint's Lambda registry. Nothing has versions or aliases
 * locally: any qualifier runs the one handler, reported as `$LATEST`. Event invocations run
 * in the background once, without Lambda's two retries; their failures are recorded in
 * `lambdas.invocations` (and told to the endpoint's `onLambdaFailure`) only.
 */
export function createLambdaInvokeApi(deps: LambdaInvokeApiDeps): LambdaInvokeApi {
  const cap = (limit: number) => (deps.maxBodyBytes !== undefined ? Math.min(limit, deps.maxBodyBytes) : limit);

  const arnOf = (reference: FunctionReference) =>
    `arn:aws:lambda:${reference.region ?? deps.region}:${reference.accountId ?? deps.accountId}:function:${reference.name}` +
    (reference.qualifier !== undefined ? `:${reference.qualifier}` : '');

  const functionError = (document: Record<string, unknown>): InvokeAnswer => ({
    status: 200,
    headers: { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
    body: JSON.stringify(document),
  });

  /** A synchronous invocation's answer; the function's own failures are answers too, with 200. */
  const invokeNow = async (reference: FunctionReference, route: InvocationRoute, event: unknown, requestId: string) => {
    let result: unknown;
    try {
      result = await deps.lambdas.invoke(reference.name, event, { requestId });
    } catch (err) {
      if (err instanceof FunctionTimeoutError) return functionError({ errorType: err.name, errorMessage: err.message });
      if (route === 'fallback') {
        // A fallback refusing the call (no such function there) answers as Lambda's API, not as the function.
        if (err instanceof AwsApiError) throw err;
        const answered = serviceErrorOf(err);
        if (answered) throw answered;
        if (isNetworkError(err)) {
          throw new AwsApiError(
            'ServiceException',
            `Lambda function ${reference.name} could not be invoked through the endpoint's Lambda invoke API: ${err.message || err.code}`,
            500,
          );
        }
        // The fallback's stack is this process's, not the function's: only the type and message are the function's.
        return functionError({ errorType: err instanceof Error ? err.name : typeof err, errorMessage: err instanceof Error ? err.message : String(err) });
      }
      return functionError(errorDocumentOf(err));
    }
    // A handler that returns nothing answers `null`, as the Node.js runtime does.
    const body = JSON.stringify(result) ?? 'null';
    const size = Buffer.byteLength(body, 'utf8');
    if (size > RESPONSE_PAYLOAD_BYTES) {
      return functionError({
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size (${size} bytes) exceeded maximum allowed payload size (${RESPONSE_PAYLOAD_BYTES} bytes).`,
      });
    }
    return { status: 200, headers: { 'x-amz-executed-version': '$LATEST' }, body };
  };

  return {
    payloadLimit(invocationType) {
      return cap(invocationType === 'Event' ? ASYNC_PAYLOAD_BYTES : SYNC_PAYLOAD_BYTES);
    },

    async invoke(request) {
      const reference = readReference(request.functionName, request.qualifier);
      const type = readInvocationType(request.invocationType);
      const route = deps.lambdas.routeOf(reference.name);
      if (!route) throw new AwsApiError('ResourceNotFoundException', `Function not found: ${arnOf(reference)}`, 404);
      const event = readPayload(request.payload);
      if (type === 'DryRun') return { status: 204, headers: {}, body: '' };
      if (type === 'Event') {
        deps.background(`lambda ${reference.name} (Event ${request.requestId})`, async () => {
          // Recorded (and reported) by the registry; an asynchronous caller never sees it.
          await deps.lambdas.invoke(reference.name, event, { requestId: request.requestId }).catch(() => undefined);
        });
        return { status: 202, headers: {}, body: '' };
      }
      return invokeNow(reference, route, event, request.requestId);
    },
  };
}
