import * as z from 'zod/mini';
import { en } from 'zod/locales';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

// zod/mini reports a bare "Invalid input" unless a locale is set. The event schemas below rely on
// zod's English messages ("Invalid input: expected string, received undefined"), which reach the
// error of every function that rejects an event. Importing the one locale keeps the bundle small;
// `z.locales` would pull in every language.
z.config(en());

/** EventBridge source of every event keyroll emits. */
export const EVENT_SOURCE = 'keyroll';

export const DETAIL_SECRET_ROTATED = 'Secret Rotated';
export const DETAIL_SECRET_SYNCED = 'Secret Synced';
export const DETAIL_SERVICES_REDEPLOYED = 'Services Redeployed';
/** A reconcile that ran out of time hands the secrets it did not reach to the next run. */
export const DETAIL_RECONCILE_CONTINUED = 'Reconcile Continued';

// ---------------------------------------------------------------------------
// Consumed: the rotation function's event (Secrets Manager invokes it directly).

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

// Secrets Manager's own bound on a secret id (name or ARN).
const MAX_SECRET_ID = 2048;
const SecretIdSchema = z
  .string({ error: 'SecretId must be a string' })
  .check(
    z.minLength(1, { error: 'SecretId is empty' }),
    z.maxLength(MAX_SECRET_ID, { error: (i) => `SecretId must be at most ${MAX_SECRET_ID} characters, got ${String((i.input as string).length)}` }),
  );

export const RotationEventSchema = z.object({
  SecretId: SecretIdSchema,
  ClientRequestToken: z
    .string({ error: 'ClientRequestToken must be a string' })
    .check(
      z.minLength(32, { error: 'ClientRequestToken must be 32 to 64 characters' }),
      z.maxLength(64, { error: 'ClientRequestToken must be 32 to 64 characters' }),
    ),
  Step: z.enum(ROTATION_STEPS, {
    error: (i) => `unknown step ${JSON.stringify(String(i.input)).slice(0, 40)}: expected one of ${ROTATION_STEPS.join(', ')}`,
  }),
  RotationToken: z.optional(z.string()),
});
export type RotationEvent = z.output<typeof RotationEventSchema>;

/**
 * What sync's reconcile and `keyroll doctor --fix` send the rotate function (a direct invoke) to
 * heal an AWSPENDING a failed rotation left behind: only the rotate function logs in to databases
 * and moves stages. It names the secret and nothing else; everything is read again from Secrets Manager.
 */
export const HEAL_STALE_PENDING = 'heal-stale-pending';
export const HealStalePendingRequestSchema = z.object({
  action: z.literal(HEAL_STALE_PENDING),
  SecretId: SecretIdSchema,
  dryRun: z.optional(z.boolean()),
});
export type HealStalePendingRequest = z.output<typeof HealStalePendingRequestSchema>;

/**
 * Every event the rotate function takes: a heal request (it has `action`), else a rotation step
 * from Secrets Manager, each reported with its own schema's messages.
 */
export const RotateFunctionEventSchema = z.pipe(
  z.unknown(),
  z.transform((event, ctx): HealStalePendingRequest | RotationEvent => {
    const isHeal = typeof event === 'object' && event !== null && 'action' in event;
    const parsed = (isHeal ? HealStalePendingRequestSchema : RotationEventSchema).safeParse(event);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.issues.push({ code: 'custom', path: issue.path.map(String), message: issue.message, input: event });
    return z.NEVER;
  }),
);
export type RotateFunctionEvent = z.output<typeof RotateFunctionEventSchema>;

// ---------------------------------------------------------------------------
// Emitted by keyroll (detail schemas). No field ever carries a secret value.

export const SecretRotatedDetailSchema = z.object({
  secretArn: z.string(),
  name: z.string(),
  versionId: z.string(),
  previousVersionId: z.nullable(z.string()),
  strategy: z.enum(['single-user', 'alternating-users']),
  rotatedAt: z.string(),
  /** Whether the secret asks to be mirrored (keyroll:ssm-path): its "Secret Synced" then redeploys, and redeploy's rule skips this event. */
  mirrored: z.optional(z.boolean()),
});
export type SecretRotatedDetail = z.output<typeof SecretRotatedDetailSchema>;

export const SecretSyncedDetailSchema = z.object({
  secretArn: z.string(),
  versionId: z.string(),
  parameters: z.array(z.string()),
  written: z.array(z.string()),
  unchanged: z.array(z.string()),
});
export type SecretSyncedDetail = z.output<typeof SecretSyncedDetailSchema>;

// A continuation names secrets only; each is checked again against ListSecrets before it is touched.
export const ReconcileContinuedDetailSchema = z.object({
  secretArns: z.array(z.string().check(z.minLength(1), z.maxLength(2048))).check(z.maxLength(10_000)),
});
export type ReconcileContinuedDetail = z.output<typeof ReconcileContinuedDetailSchema>;

export const ServiceDecisionSchema = z.object({
  cluster: z.string(),
  service: z.string(),
  reason: z.string(),
});
/**
 * Bounded whatever the fleet: `counts` are exact, each list holds at most SERVICES_LISTED_MAX
 * services (`truncated` says when one was cut), so an entry stays far under EventBridge's limit.
 */
export const SERVICES_LISTED_MAX = 100;
export const ServicesRedeployedDetailSchema = z.object({
  secretArn: z.nullable(z.string()),
  parameters: z.array(z.string()),
  versionId: z.nullable(z.string()),
  dryRun: z.boolean(),
  counts: z.object({ restarted: z.number(), skipped: z.number(), failed: z.number() }),
  truncated: z.boolean(),
  restarted: z.array(ServiceDecisionSchema),
  skipped: z.array(ServiceDecisionSchema),
  failed: z.array(ServiceDecisionSchema),
});
export type ServicesRedeployedDetail = z.output<typeof ServicesRedeployedDetailSchema>;

/** Builds one PutEvents entry for a keyroll event. */
export function keyrollEventEntry(
  detailType: typeof DETAIL_SECRET_ROTATED | typeof DETAIL_SECRET_SYNCED | typeof DETAIL_SERVICES_REDEPLOYED | typeof DETAIL_RECONCILE_CONTINUED,
  detail: SecretRotatedDetail | SecretSyncedDetail | ServicesRedeployedDetail | ReconcileContinuedDetail,
  busName: string,
  resources: string[] = [],
): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    EventBusName: busName,
    Resources: resources,
  };
}

// ---------------------------------------------------------------------------
// Consumed through EventBridge: the envelope, and the detail shapes keyroll reads.

export const EventBridgeEnvelopeSchema = z.object({
  version: z.optional(z.string()),
  id: z.optional(z.string()),
  'detail-type': z.string(),
  source: z.string(),
  account: z.optional(z.string()),
  time: z.optional(z.string()),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
  detail: z.unknown(),
});
export type EventBridgeEnvelope = z.output<typeof EventBridgeEnvelopeSchema>;

/** Secrets Manager API calls recorded by CloudTrail (PutSecretValue, UpdateSecretVersionStage, …). */
export const CloudTrailSecretsManagerDetailSchema = z.object({
  eventSource: z.literal('secretsmanager.amazonaws.com'),
  eventName: z.string(),
  eventTime: z.optional(z.string()),
  requestParameters: z.optional(
    z.nullable(
      z.looseObject({
        secretId: z.optional(z.string()),
        versionStage: z.optional(z.string()),
        moveToVersionId: z.optional(z.string()),
        clientRequestToken: z.optional(z.string()),
      }),
    ),
  ),
  // AWS has spelt the ARN key both `arn` and, in older events, `aRN`.
  responseElements: z.optional(
    z.nullable(z.looseObject({ arn: z.optional(z.string()), aRN: z.optional(z.string()), versionId: z.optional(z.string()) })),
  ),
  additionalEventData: z.optional(z.nullable(z.looseObject({ SecretId: z.optional(z.string()) }))),
});
export type CloudTrailSecretsManagerDetail = z.output<typeof CloudTrailSecretsManagerDetailSchema>;

/** The secret a CloudTrail Secrets Manager record is about (ARN when present, else the id given). */
export function secretIdOfCloudTrail(d: CloudTrailSecretsManagerDetail): string | undefined {
  return (
    d.additionalEventData?.SecretId ??
    d.responseElements?.arn ??
    d.responseElements?.aRN ??
    d.requestParameters?.secretId ??
    undefined
  );
}

/** Secrets Manager's native event when a staging label (AWSCURRENT among them) moves to a new version; no CloudTrail needed. */
export const DETAIL_SECRET_LABEL_UPDATED = 'Secret Label Updated';
export const SecretLabelUpdatedDetailSchema = z.looseObject({
  name: z.string(),
  labelUpdated: z.string(),
  versionId: z.string(),
});

/** SSM's own "Parameter Store Change" event. */
export const ParameterStoreChangeDetailSchema = z.object({
  operation: z.string(),
  name: z.string(),
  type: z.optional(z.string()),
  description: z.optional(z.string()),
});
export type ParameterStoreChangeDetail = z.output<typeof ParameterStoreChangeDetailSchema>;
