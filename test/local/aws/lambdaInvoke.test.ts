import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  InvalidParameterValueException,
  InvalidRequestContentException,
  InvokeCommand,
  RequestTooLargeException,
  ResourceNotFoundException,
  ServiceException,
  type InvokeCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createTestLambdaClient, useTestAws, type TestAws } from '../../support/endpoint.js';
import { recordInvocations, useFreshTestAws } from '../../support/awsFixtures.js';
import { captureError } from '../../support/captureError.js';
import { createLambdaInvoker } from '../../../local/lambdaInvoker.js';

const aws = useTestAws({}, 1);
/** Each test of its own endpoint gets one; one attempt, so a refusal is not retried. */
const freshAws = useFreshTestAws(1);

let counter = 0;
const uniqueFunction = (label: string) => `invoke-${label}-${++counter}`;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (payload: Uint8Array | undefined) => (payload ? new TextDecoder().decode(payload) : '');

const lambdaOf = (t: TestAws): LambdaClient => createTestLambdaClient(t.endpoint, 1);

function invoke(t: TestAws, input: InvokeCommandInput) {
  return lambdaOf(t).send(new InvokeCommand(input));
}

/** A raw POST to Invoke's path, for what the SDK would not send or would hide (headers, bodies). */
function postInvoke(t: TestAws, functionName: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${t.endpoint.url}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, { method: 'POST', body, headers });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Lambda Invoke (RequestResponse)', () => {
  it('answers the in-process handler result as the payload, with status 200 and $LATEST', async () => {
    // Prepare
    const functionName = uniqueFunction('echo');
    aws.endpoint.lambdas.register(functionName, async (event) => ({ echoed: event }));

    // Act
    const out = await invoke(aws, { FunctionName: functionName, Payload: encode({ name: 'db' }) });

    // Assess
    expect([out.StatusCode, out.FunctionError, out.ExecutedVersion]).toEqual([200, undefined, '$LATEST']);
    expect(JSON.parse(decode(out.Payload))).toEqual({ echoed: { name: 'db' } });
  });

  it.each([
    ['its name', (f: string) => ({ FunctionName: f })],
    ['its full ARN', (f: string) => ({ FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${f}` })],
    ['its partial ARN', (f: string) => ({ FunctionName: `000000000000:function:${f}` })],
    ['its name and an alias', (f: string) => ({ FunctionName: `${f}:live` })],
    ['its full ARN and a version', (f: string) => ({ FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${f}:7` })],
    ['its name and the Qualifier parameter', (f: string) => ({ FunctionName: f, Qualifier: '$LATEST' })],
  ])('reaches the function named by %s', async (_, reference) => {
    // Prepare
    const functionName = uniqueFunction('forms');
    const received = recordInvocations(aws, functionName);

    // Act
    const out = await invoke(aws, { ...reference(functionName), Payload: encode({ n: 1 }) });

    // Assess
    expect(out.StatusCode).toBe(200);
    expect(received).toEqual([{ n: 1 }]);
  });

  it('answers null for a handler that returns nothing', async () => {
    // Prepare
    const functionName = uniqueFunction('void');
    recordInvocations(aws, functionName);

    // Act
    const out = await invoke(aws, { FunctionName: functionName, Payload: encode({}) });

    // Assess
    expect(decode(out.Payload)).toBe('null');
  });

  it('gives the handler an empty object when the request has no payload', async () => {
    // Prepare
    const functionName = uniqueFunction('no-payload');
    const received = recordInvocations(aws, functionName);

    // Act
    await invoke(aws, { FunctionName: functionName });

    // Assess
    expect(received).toEqual([{}]);
  });

  it("gives the handler the request id the endpoint answers as x-amzn-RequestId", async () => {
    // Prepare
    const functionName = uniqueFunction('request-id');
    aws.endpoint.lambdas.register(functionName, async (_, context) => context['awsRequestId']);

    // Act
    const out = await invoke(aws, { FunctionName: functionName, Payload: encode({}) });

    // Assess
    expect(JSON.parse(decode(out.Payload))).toBe(out.$metadata.requestId);
  });

  it('answers a handler error with 200, FunctionError Unhandled and the runtime error document', async () => {
    // Prepare
    const functionName = uniqueFunction('throws');
    aws.endpoint.lambdas.register(functionName, async () => {
      throw new TypeError('rotation step failed on purpose');
    });

    // Act
    const out = await invoke(aws, { FunctionName: functionName, Payload: encode({}) });

    // Assess
    expect([out.StatusCode, out.FunctionError]).toEqual([200, 'Unhandled']);
    const document = JSON.parse(decode(out.Payload)) as { errorType: string; errorMessage: string; trace: string[] };
    expect(document).toEqual({ errorType: 'TypeError', errorMessage: 'rotation step failed on purpose', trace: expect.any(Array) });
    expect(document.trace[0]).toBe('TypeError: rotation step failed on purpose');
  });

  it('answers a thrown value that is not an Error with its type and no trace, as the Node.js runtime does', async () => {
    // Prepare
    const functionName = uniqueFunction('throws-string');
    aws.endpoint.lambdas.register(functionName, async () => {
      throw 'plain text';
    });

    // Act
    const out = await invoke(aws, { FunctionName: functionName, Payload: encode({}) });

    // Assess
    expect(JSON.parse(decode(out.Payload))).toEqual({ errorType: 'string', errorMessage: 'plain text', trace: [] });
  });

  it('records a handler error among the invocations, as failed', async () => {
    // Prepare
    const functionName = uniqueFunction('recorded');
    aws.endpoint.lambdas.register(functionName, async () => {
      throw new Error('recorded failure');
    });

    // Act
    await invoke(aws, { FunctionName: functionName, Payload: encode({}) });

    // Assess
    expect(aws.endpoint.lambdas.invocations.filter((i) => i.functionName === functionName)).toEqual([
      expect.objectContaining({ ok: false, error: 'recorded failure' }),
    ]);
  });

  it('answers a result over the 6 MB response quota as a Function.ResponseSizeTooLarge function error', async () => {
    // Prepare
    const functionName = uniqueFunction('huge');
    aws.endpoint.lambdas.register(functionName, async () => 'x'.repeat(6_300_000));

    // Act
    const out = await invoke(aws, { FunctionName: functionName, Payload: encode({}) });

    // Assess
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(decode(out.Payload))).toEqual({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: expect.stringContaining('6291456 bytes') });
  });
});

describe('Lambda Invoke (Event and DryRun)', () => {
  it('answers Event with 202 and runs the function in the background', async () => {
    // Prepare
    const functionName = uniqueFunction('event');
    const received = recordInvocations(aws, functionName);

    // Act
    const out = await invoke(aws, { FunctionName: functionName, InvocationType: 'Event', Payload: encode({ mode: 'reconcile' }) });
    await aws.endpoint.idle();

    // Assess
    expect([out.StatusCode, decode(out.Payload)]).toEqual([202, '']);
    expect(received).toEqual([{ mode: 'reconcile' }]);
  });

  it('answers Event with 202 even when the function then fails, and records the failure', async () => {
    // Prepare
    const functionName = uniqueFunction('event-fails');
    aws.endpoint.lambdas.register(functionName, async () => {
      throw new Error('async failure');
    });

    // Act
    const out = await invoke(aws, { FunctionName: functionName, InvocationType: 'Event', Payload: encode({}) });
    await aws.endpoint.idle();

    // Assess
    expect([out.StatusCode, out.FunctionError]).toEqual([202, undefined]);
    expect(aws.endpoint.lambdas.invocations.filter((i) => i.functionName === functionName)).toEqual([
      expect.objectContaining({ ok: false, error: 'async failure' }),
    ]);
  });

  it('answers DryRun with 204 without running the function', async () => {
    // Prepare
    const functionName = uniqueFunction('dry-run');
    const received = recordInvocations(aws, functionName);

    // Act
    const out = await invoke(aws, { FunctionName: functionName, InvocationType: 'DryRun', Payload: encode({}) });

    // Assess
    expect(out.StatusCode).toBe(204);
    expect(received).toEqual([]);
  });

  it('answers DryRun for a function nothing can run with ResourceNotFoundException', async () => {
    // Act
    const err = await captureError(invoke(aws, { FunctionName: uniqueFunction('dry-missing'), InvocationType: 'DryRun' }));

    // Assess
    expect(err).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('Lambda Invoke errors', () => {
  it('answers an unknown function with 404 ResourceNotFoundException naming its ARN, as AWS does', async () => {
    // Prepare
    const functionName = uniqueFunction('missing');

    // Act
    const res = await postInvoke(aws, functionName, '{}');

    // Assess
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await res.json()).toEqual({ Type: 'User', Message: `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${functionName}` });
  });

  it('names the qualifier of an unknown function in the SDK error', async () => {
    // Prepare
    const functionName = uniqueFunction('missing-qualified');

    // Act
    const err = await captureError(invoke(aws, { FunctionName: functionName, Qualifier: 'live' }));

    // Assess
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as Error).message).toBe(`Function not found: arn:aws:lambda:us-east-1:000000000000:function:${functionName}:live`);
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it('answers a payload that is not JSON with InvalidRequestContentException', async () => {
    // Prepare
    const functionName = uniqueFunction('bad-json');
    const received = recordInvocations(aws, functionName);

    // Act
    const err = await captureError(invoke(aws, { FunctionName: functionName, Payload: new TextEncoder().encode('{not json') }));

    // Assess
    expect(err).toBeInstanceOf(InvalidRequestContentException);
    expect((err as Error).message).toMatch(/^Could not parse request body into json: Could not parse payload into json: /);
    expect(received).toEqual([]);
  });

  it('answers a Qualifier that contradicts the function name with InvalidParameterValueException', async () => {
    // Prepare
    const functionName = uniqueFunction('two-qualifiers');
    recordInvocations(aws, functionName);

    // Act
    const err = await captureError(invoke(aws, { FunctionName: `${functionName}:blue`, Qualifier: 'green' }));

    // Assess
    expect(err).toBeInstanceOf(InvalidParameterValueException);
    expect((err as Error).message).toContain('blue');
  });

  it.each([
    ['a function name with characters Lambda refuses', 'not a name!', {}, "Value 'not a name!' at 'functionName' failed to satisfy constraint"],
    ['a function name over 64 characters', 'f'.repeat(65), {}, "at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"],
    ['an unknown invocation type', 'any-function', { 'x-amz-invocation-type': 'Later' }, "Value 'Later' at 'invocationType' failed to satisfy constraint"],
  ])('answers %s with ValidationException', async (_, functionName, headers, message) => {
    // Act
    const res = await postInvoke(aws, functionName, '{}', headers);

    // Assess
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(((await res.json()) as { Message: string }).Message).toContain(message);
  });

  it('answers a payload over the limit with 413 RequestTooLargeException', async () => {
    // Prepare
    const t = await freshAws({ maxBodyBytes: 1024 });
    const functionName = uniqueFunction('too-large');
    const received = recordInvocations(t, functionName);

    // Act
    const err = await captureError(invoke(t, { FunctionName: functionName, Payload: encode({ blob: 'x'.repeat(2048) }) }));

    // Assess
    expect(err).toBeInstanceOf(RequestTooLargeException);
    expect((err as RequestTooLargeException).$metadata.httpStatusCode).toBe(413);
    expect(received).toEqual([]);
  });

  it('logs each call as lambda Invoke with its outcome', async () => {
    // Prepare
    const t = await freshAws();
    recordInvocations(t, 'logged');

    // Act
    await invoke(t, { FunctionName: 'logged', Payload: encode({}) });
    await captureError(invoke(t, { FunctionName: 'not-registered' }));

    // Assess
    expect(t.endpoint.requestLog.map((r) => [r.service, r.operation, r.outcome])).toEqual([
      ['lambda', 'Invoke', 'ok'],
      ['lambda', 'Invoke', 'ResourceNotFoundException'],
    ]);
    expect(t.endpoint.count('lambda.Invoke')).toBe(2);
  });

  it('answers an injected fault on lambda.Invoke without running the function', async () => {
    // Prepare
    const t = await freshAws();
    const received = recordInvocations(t, 'faulty');
    t.endpoint.injectFault({ operation: 'lambda.Invoke', nth: 1, errorType: 'TooManyRequestsException', status: 429 });

    // Act
    const err = await captureError(invoke(t, { FunctionName: 'faulty', Payload: encode({}) }));

    // Assess
    expect((err as Error).name).toBe('TooManyRequestsException');
    expect(received).toEqual([]);
  });
});

describe('Lambda Invoke through the lambdaFallback', () => {
  it('hands a function without an in-process handler to the fallback', async () => {
    // Prepare
    const calls: Array<[string, unknown]> = [];
    const t = await freshAws({
      lambdaFallback: async (functionName, payload) => {
        calls.push([functionName, payload]);
        return { servedBy: 'fallback' };
      },
    });

    // Act
    const out = await invoke(t, { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:keyroll-local-sync', Payload: encode({ a: 1 }) });

    // Assess
    expect(calls).toEqual([['keyroll-local-sync', { a: 1 }]]);
    expect(JSON.parse(decode(out.Payload))).toEqual({ servedBy: 'fallback' });
  });

  it("answers the fallback function's error as a function error with its type and message", async () => {
    // Prepare
    const t = await freshAws({
      lambdaFallback: async () => {
        throw new RangeError('offline handler failed');
      },
    });

    // Act
    const out = await invoke(t, { FunctionName: 'offline-fn', Payload: encode({}) });

    // Assess
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(decode(out.Payload))).toEqual({ errorType: 'RangeError', errorMessage: 'offline handler failed' });
  });

  it("passes on an error the fallback's invoke API answered (another endpoint that lacks the function)", async () => {
    // Prepare
    const behind = await freshAws();
    const t = await freshAws({ lambdaFallback: createLambdaInvoker(behind.endpoint.url) });

    // Act
    const err = await captureError(invoke(t, { FunctionName: 'nowhere', Payload: encode({}) }));

    // Assess
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as Error).message).toBe('Function not found: arn:aws:lambda:us-east-1:000000000000:function:nowhere');
  });

  it("runs a function of another endpoint's registry through its Invoke API", async () => {
    // Prepare
    const behind = await freshAws();
    behind.endpoint.lambdas.register('remote', async (event) => ({ remote: event }));
    const t = await freshAws({ lambdaFallback: createLambdaInvoker(behind.endpoint.url) });

    // Act
    const out = await invoke(t, { FunctionName: 'remote', Payload: encode({ hop: 2 }) });

    // Assess
    expect(JSON.parse(decode(out.Payload))).toEqual({ remote: { hop: 2 } });
    expect(behind.endpoint.count('lambda.Invoke')).toBe(1);
  });

  it('answers ServiceException when the fallback invoke API cannot be reached', async () => {
    // Prepare
    const t = await freshAws({ lambdaFallback: createLambdaInvoker(`http://127.0.0.1:${await closedPort()}`) });

    // Act
    const err = await captureError(invoke(t, { FunctionName: 'unreachable', Payload: encode({}) }));

    // Assess
    expect(err).toBeInstanceOf(ServiceException);
    expect((err as Error).message).toContain('unreachable');
  });
});

describe('Lambda function timeout', () => {
  it('answers an invocation past lambdaTimeoutMs as a Sandbox.Timedout function error', async () => {
    // Prepare
    const t = await freshAws({ lambdaTimeoutMs: 50 });
    let finish!: () => void;
    const stalled = new Promise<void>((resolve) => {
      finish = resolve;
    });
    t.endpoint.lambdas.register('slow', async () => {
      await stalled;
    });

    // Act
    const out = await invoke(t, { FunctionName: 'slow', Payload: encode({}) });
    finish();

    // Assess
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(decode(out.Payload))).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 0.05 seconds`,
    });
  });

  it('fails a rule delivery that runs past lambdaTimeoutMs', async () => {
    // Prepare
    const t = await freshAws({ lambdaTimeoutMs: 50, rules: [{ name: 'slow-target', pattern: { source: ['keyroll'] }, target: 'slow' }] });
    let finish!: () => void;
    const stalled = new Promise<void>((resolve) => {
      finish = resolve;
    });
    t.endpoint.lambdas.register('slow', async () => {
      await stalled;
    });

    // Act
    await t.events.send(new PutEventsCommand({ Entries: [{ Source: 'keyroll', DetailType: 'Secret Rotated', Detail: '{}' }] }));
    await t.endpoint.idle();
    finish();

    // Assess
    expect(t.endpoint.eventBridge.deliveries).toEqual([
      expect.objectContaining({ target: 'slow', ok: false, error: expect.stringContaining('Task timed out after 0.05 seconds') }),
    ]);
  });
});
