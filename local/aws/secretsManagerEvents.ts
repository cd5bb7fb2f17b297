import type { BusEvent, ServiceContext } from './types.js';

/**
 * The events Secrets Manager puts on the default bus (source `aws.secretsmanager`): the
 * CloudTrail records EventBridge delivers, "AWS API Call via CloudTrail" for API calls and
 * "AWS Service Event via CloudTrail" for rotation outcomes, and Secrets Manager's own
 * "Secret Label Updated" when a staging label moves. Like CloudTrail, they never carry
 * SecretString, SecretBinary or RotationToken: callers pass request parameters without them.
 */

const SECRETS_MANAGER_SOURCE = 'aws.secretsmanager';
const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
const SERVICE_EVENT_DETAIL_TYPE = 'AWS Service Event via CloudTrail';
const LABEL_UPDATED_DETAIL_TYPE = 'Secret Label Updated';
const EVENT_SOURCE = 'secretsmanager.amazonaws.com';

/** Rotation outcomes Secrets Manager records as service events. */
export type RotationEventName = 'RotationStarted' | 'RotationSucceeded' | 'RotationFailed' | 'TestRotationStarted' | 'TestRotationSucceeded' | 'TestRotationFailed';

/** CloudTrail's eventTime: ISO 8601 to the second. */
const eventTimeOf = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** CloudTrail writes request and response members in camelCase (the first letter lowered, `ARN` as `arn`). */
function cloudTrailCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloudTrailCase);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const key = k === 'ARN' ? 'arn' : k.charAt(0).toLowerCase() + k.slice(1);
    out[key] = cloudTrailCase(v);
  }
  return out;
}

/** What differs between Secrets Manager's CloudTrail records; the rest is the same for all. */
interface CloudTrailRecord {
  detailType: string;
  eventName: string;
  userIdentity: Record<string, unknown>;
  sourceIPAddress: string;
  userAgent: string;
  requestParameters: unknown;
  responseElements: unknown;
  additionalEventData?: Record<string, unknown>;
  /** A failed rotation's reason, as AWS words it ("Error when executing lambda … during setSecret step"). */
  errorMessage?: string;
  eventType: 'AwsApiCall' | 'AwsServiceEvent';
}

// Members in CloudTrail's order, so a delivered event reads like AWS's.
function cloudTrailEvent(ctx: ServiceContext, record: CloudTrailRecord): BusEvent {
  const now = ctx.now();
  return {
    source: SECRETS_MANAGER_SOURCE,
    detailType: record.detailType,
    resources: [],
    time: now,
    detail: {
      eventVersion: '1.09',
      userIdentity: record.userIdentity,
      eventTime: eventTimeOf(now),
      eventSource: EVENT_SOURCE,
      eventName: record.eventName,
      awsRegion: ctx.region,
      sourceIPAddress: record.sourceIPAddress,
      userAgent: record.userAgent,
      ...(record.errorMessage !== undefined ? { errorMessage: record.errorMessage } : {}),
      requestParameters: record.requestParameters,
      responseElements: record.responseElements,
      ...(record.additionalEventData !== undefined ? { additionalEventData: record.additionalEventData } : {}),
      requestID: crypto.randomUUID(),
      eventID: crypto.randomUUID(),
      readOnly: false,
      eventType: record.eventType,
      managementEvent: true,
      recipientAccountId: ctx.accountId,
      eventCategory: 'Management',
    },
  };
}

/**
 * An "AWS API Call via CloudTrail" event for a successful call. `request` and `response`
 * are the operation's members (PascalCase, as on the wire) minus anything secret.
 */
export function apiCallEvent(
  ctx: ServiceContext,
  eventName: string,
  request: Record<string, unknown>,
  response: Record<string, unknown> | null,
): BusEvent {
  return cloudTrailEvent(ctx, {
    detailType: API_CALL_DETAIL_TYPE,
    eventName,
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDALOCALENDPOINTUSER',
      arn: `arn:aws:iam::${ctx.accountId}:user/local`,
      accountId: ctx.accountId,
      userName: 'local',
    },
    sourceIPAddress: '127.0.0.1',
    userAgent: 'keyroll-local-endpoint',
    requestParameters: cloudTrailCase(request),
    responseElements: response === null ? null : cloudTrailCase(response),
    eventType: 'AwsApiCall',
  });
}

/** An "AWS Service Event via CloudTrail" rotation event; `additionalEventData.SecretId` is the secret's ARN. */
export function rotationEvent(ctx: ServiceContext, eventName: RotationEventName, secretArn: string, errorMessage?: string): BusEvent {
  return cloudTrailEvent(ctx, {
    detailType: SERVICE_EVENT_DETAIL_TYPE,
    eventName,
    ...(errorMessage ? { errorMessage } : {}),
    userIdentity: { accountId: ctx.accountId, invokedBy: EVENT_SOURCE },
    sourceIPAddress: EVENT_SOURCE,
    userAgent: EVENT_SOURCE,
    requestParameters: null,
    responseElements: null,
    additionalEventData: { SecretId: secretArn },
    eventType: 'AwsServiceEvent',
  });
}

/**
 * Secrets Manager's native "Secret Label Updated" event (no CloudTrail involved): `label`
 * was attached to version `versionId` of the secret. `resources` holds the secret's ARN and
 * `detail.name` its name, as AWS's documented example shows.
 */
export function labelUpdatedEvent(ctx: ServiceContext, secret: { arn: string; name: string }, label: string, versionId: string): BusEvent {
  return {
    source: SECRETS_MANAGER_SOURCE,
    detailType: LABEL_UPDATED_DETAIL_TYPE,
    resources: [secret.arn],
    time: ctx.now(),
    detail: { name: secret.name, labelUpdated: label, versionId },
  };
}
