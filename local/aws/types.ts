/**
 * Contracts between the local AWS endpoint's HTTP core (server.ts) and the service
 * emulations (secretsManager.ts, ssm.ts, ecs.ts, eventBridge.ts, sqs.ts, rds.ts).
 */

/**
 * An error answered the way the service's protocol does: AWS JSON answers the HTTP status +
 * `{"__type", "message"}`, AWS Query an `<ErrorResponse>` whose `<Code>` is `type`.
 */
export class AwsApiError extends Error {
  /**
   * @param queryCode the code a query-compatible JSON service (SQS) also sends in its
   *   `x-amzn-query-error` header, when it differs from `type` (`AWS.SimpleQueueService.NonExistentQueue`).
   */
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly queryCode?: string,
  ) {
    super(message);
    this.name = type;
  }
}

export const validation = (message: string) => new AwsApiError('ValidationException', message);

/**
 * The answer to an operation (or a whole service) the endpoint does not emulate, naming both,
 * e.g. "secretsmanager.GetResourcePolicy is not emulated by keyroll's local endpoint".
 * AWS JSON services answer an unknown operation with UnknownOperationException; AWS Query
 * services with InvalidAction ("The action or operation requested is invalid").
 */
export function notEmulated(service: string, operation: string, protocol: 'json' | 'query'): AwsApiError {
  return new AwsApiError(
    protocol === 'json' ? 'UnknownOperationException' : 'InvalidAction',
    `${service}.${operation} is not emulated by keyroll's local endpoint`,
  );
}

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
  /** Sends a message to a queue of this endpoint (Lambda's on-failure destination); false when it does not exist. */
  sendToQueue(queueName: string, body: string): boolean;
  /** KMS keys the endpoint knows: returns the key ARN for a key id, key ARN, alias name or alias ARN. */
  resolveKmsKey(keyId: string): string | undefined;
}

/** One operation: takes the decoded JSON input, returns the JSON output (Dates become epoch seconds). */
export type Operation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

/** A service emulation speaking AWS JSON: its X-Amz-Target prefix and its operations by name. */
export interface ServiceEmulation {
  readonly targetPrefix: string;
  /** The service's signing name (`secretsmanager`, `ssm`, `sqs`), as the request log and errors name it. */
  readonly name: string;
  readonly operations: Readonly<Record<string, Operation>>;
  /** AWS JSON 1.1 unless `1.0` (SQS). */
  readonly jsonVersion?: '1.0' | '1.1';
  /**
   * For an AWS-query-compatible JSON 1.0 service (SQS): the Smithy namespace its `__type`s carry
   * (`com.amazonaws.sqs#QueueDoesNotExist`); errors then also carry the `x-amzn-query-error` header.
   */
  readonly queryCompatibleNamespace?: string;
}

/** An AWS Query request's parameters, flattened as the form sends them (`Filters.Filter.1.Name`). */
export type QueryParams = ReadonlyMap<string, string>;

/** One element of an AWS Query (XML) answer; undefined values leave the element out. */
export interface XmlNode {
  readonly name: string;
  readonly value: XmlValue;
}

export type XmlValue = string | number | boolean | Date | readonly XmlNode[] | undefined;

/** A Query operation: takes the form parameters, returns the children of its `<ActionResult>` element. */
export type QueryOperation = (params: QueryParams) => readonly XmlNode[] | Promise<readonly XmlNode[]>;

/**
 * A service emulation speaking AWS Query (form-encoded `Action=...` POSTs, XML answers), told
 * apart from others by the signing name in the request's credential scope (`rds`).
 */
export interface QueryServiceEmulation {
  readonly name: string;
  /** The `Version` its requests carry, e.g. `2014-10-31`. */
  readonly apiVersion: string;
  /** The `xmlns` of its answers, e.g. `http://rds.amazonaws.com/doc/2014-10-31/`. */
  readonly xmlNamespace: string;
  readonly operations: Readonly<Record<string, QueryOperation>>;
}
