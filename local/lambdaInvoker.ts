import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** A Lambda function answered with an error (FunctionError set): the function's own message. */
export class LambdaFunctionError extends Error {}

/**
 * Invokes functions through a Lambda-compatible invoke API (serverless-offline's, port 3002
 * by default) and returns the parsed payload; a function error becomes a thrown error.
 * `nameOf` maps the function key of serverless.yml to the name that API knows.
 */
export function createLambdaInvoker(endpoint: string, nameOf: (functionName: string) => string = (n) => n) {
  const client = new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return async (functionName: string, payload: unknown): Promise<unknown> => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: nameOf(functionName),
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (out.FunctionError) {
      const message =
        body && typeof body === 'object' && 'errorMessage' in body ? String((body as { errorMessage: unknown }).errorMessage) : text;
      throw new LambdaFunctionError(message);
    }
    return body;
  };
}
