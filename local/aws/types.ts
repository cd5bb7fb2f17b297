/**
 * Contracts between the local AWS endpoint's HTTP core (server.ts) and the service
 * emulations (secretsManager.ts, ssm.ts, ecs.ts, eventBridge.ts).
 */

/** An error answered the way AWS JSON 1.1 does: HTTP status + `{"__type", "message"}`. */
export class AwsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const validation = (message: string) => new AwsApiError('ValidationException', message);

/** An event published on the endpoint's bus (EventBridge shape, before the envelope is added). */
export interface BusEvent {
  source: string;
  detailType: string;
  detail: unknown;
  resources?: string[];
  eventBusName?: string;
  time?: Date;
}

/** A full EventBridge event as delivered to targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** Invokes a Lambda function (in-process registry or serverless-offline) and returns its result. */
export type LambdaInvoker = (functionNameOrArn: string, payload: unknown) => Promise<unknown>;

/** What every service emulation may use from the endpoint. */
export interface ServiceContext {
  readonly region: string;
  readonly accountId: string;
  now(): Date;
  /** Puts an event on the bus; routing to rule targets happens in the background. */
  publish(event: BusEvent): void;
  /** Invokes a Lambda function synchronously (RequestResponse) and returns its result. */
  invoke: LambdaInvoker;
  /** Tracks background work (rotations, event deliveries) so `idle()` can await it. */
  background(name: string, work: () => Promise<void>): void;
  /** KMS keys the endpoint knows: returns the key ARN for a key id, key ARN, alias name or alias ARN. */
  resolveKmsKey(keyId: string): string | undefined;
}

/** One operation: takes the decoded JSON input, returns the JSON output (Dates become epoch seconds). */
export type Operation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

/** A service emulation: its X-Amz-Target prefix and its operations by name. */
export interface ServiceEmulation {
  readonly targetPrefix: string;
  readonly name: string;
  readonly operations: Readonly<Record<string, Operation>>;
}
