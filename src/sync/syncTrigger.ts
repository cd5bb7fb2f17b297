import * as z from 'zod/mini';
import {
  CloudTrailSecretsManagerDetailSchema,
  DETAIL_RECONCILE_CONTINUED,
  DETAIL_SECRET_LABEL_UPDATED,
  DETAIL_SECRET_ROTATED,
  EVENT_SOURCE,
  EventBridgeEnvelopeSchema,
  ReconcileContinuedDetailSchema,
  SecretLabelUpdatedDetailSchema,
  SecretRotatedDetailSchema,
  secretIdOfCloudTrail,
} from '../events.js';
import { AWSCURRENT } from '../secret.js';

/** What an event asks the sync function to do. */
export type SyncTrigger =
  /** `versionId`: the AWSCURRENT version the event announced, when it says (used only to skip work for an older one). */
  | { kind: 'secret'; secretId: string; trigger: string; versionId?: string }
  /** `only`: a continuation's secrets, to do first and alone. */
  | { kind: 'reconcile'; trigger: string; only?: string[] }
  | { kind: 'ignore'; trigger: string; reason: string; secretId?: string };

export const SOURCE_SECRETS_MANAGER = 'aws.secretsmanager';
export const DETAIL_API_CALL = 'AWS API Call via CloudTrail';
export const DETAIL_SERVICE_EVENT = 'AWS Service Event via CloudTrail';
export const SOURCE_SCHEDULE = 'aws.events';
export const DETAIL_SCHEDULED = 'Scheduled Event';

/** Secrets Manager API calls that can give AWSCURRENT a new value. */
export const VALUE_CHANGING_CALLS = ['PutSecretValue', 'UpdateSecretVersionStage', 'UpdateSecret'] as const;

// CloudTrail records failed calls too, with errorCode and no responseElements.
const CloudTrailDetailSchema = z.extend(CloudTrailSecretsManagerDetailSchema, {
  errorCode: z.optional(z.string()),
  requestParameters: z.optional(
    z.nullable(
      z.looseObject({
        secretId: z.optional(z.string()),
        versionStage: z.optional(z.string()),
        versionStages: z.optional(z.array(z.string())),
        moveToVersionId: z.optional(z.string()),
      }),
    ),
  ),
});
type CloudTrailDetail = z.output<typeof CloudTrailDetailSchema>;

/**
 * The events the sync function accepts, each turned into a SyncTrigger: Secrets Manager's native
 * "Secret Label Updated" (AWSCURRENT moved: every rotation, PutSecretValue, UpdateSecret, stage
 * move; what serverless.yml routes); keyroll's "Secret Rotated"; Secrets Manager's RotationSucceeded
 * (service event) and PutSecretValue, UpdateSecretVersionStage, UpdateSecret (API calls, `arn` or
 * the older `aRN`) via CloudTrail, for deployments that route those; the schedule, which reconciles
 * everything; and keyroll's "Reconcile Continued", which reconciles what a run left. A recognised event that changes no
 * AWSCURRENT value (a failed call, a stage move that is not AWSCURRENT's, a PutSecretValue
 * staged elsewhere) becomes `ignore` with the reason. Issues name paths, never values.
 */
export const SyncEventSchema = z.pipe(
  EventBridgeEnvelopeSchema,
  z.transform((event, ctx): SyncTrigger => {
    const source = event.source;
    const detailType = event['detail-type'];
    const detailOf = <S extends z.ZodMiniType>(schema: S): z.output<S> | undefined => {
      const parsed = schema.safeParse(event.detail);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) {
        ctx.issues.push({ code: 'custom', path: ['detail', ...issue.path.map(String)], message: issue.message, input: event.detail });
      }
      return undefined;
    };

    if (source === SOURCE_SECRETS_MANAGER && detailType === DETAIL_SECRET_LABEL_UPDATED) {
      const detail = detailOf(SecretLabelUpdatedDetailSchema);
      if (!detail) return z.NEVER;
      const secretId = event.resources?.[0] ?? detail.name;
      if (detail.labelUpdated !== AWSCURRENT) return { kind: 'ignore', trigger: DETAIL_SECRET_LABEL_UPDATED, reason: `label ${detail.labelUpdated.slice(0, 64)} moved, not ${AWSCURRENT}`, secretId };
      return { kind: 'secret', secretId, trigger: DETAIL_SECRET_LABEL_UPDATED, versionId: detail.versionId };
    }
    if (source === EVENT_SOURCE && detailType === DETAIL_SECRET_ROTATED) {
      const detail = detailOf(SecretRotatedDetailSchema);
      return detail ? { kind: 'secret', secretId: detail.secretArn, trigger: DETAIL_SECRET_ROTATED, versionId: detail.versionId } : z.NEVER;
    }
    if (source === EVENT_SOURCE && detailType === DETAIL_RECONCILE_CONTINUED) {
      const detail = detailOf(ReconcileContinuedDetailSchema);
      return detail ? { kind: 'reconcile', trigger: DETAIL_RECONCILE_CONTINUED, only: detail.secretArns } : z.NEVER;
    }
    if (source === SOURCE_SCHEDULE && detailType === DETAIL_SCHEDULED) return { kind: 'reconcile', trigger: DETAIL_SCHEDULED };
    if (source === SOURCE_SECRETS_MANAGER && (detailType === DETAIL_SERVICE_EVENT || detailType === DETAIL_API_CALL)) {
      const detail = detailOf(CloudTrailDetailSchema);
      return detail ? triggerOfCloudTrail(detail, detailType, ctx) : z.NEVER;
    }
    ctx.issues.push({
      code: 'custom',
      path: ['detail-type'],
      message: `unsupported event: source ${JSON.stringify(source.slice(0, 64))}, detail-type ${JSON.stringify(detailType.slice(0, 64))}`,
      input: detailType,
    });
    return z.NEVER;
  }),
);

function triggerOfCloudTrail(detail: CloudTrailDetail, detailType: string, ctx: z.core.ParsePayload): SyncTrigger {
  const trigger = `${detail.eventName} (${detailType})`;
  const secretId = secretIdOfCloudTrail(detail);
  const ignore = (reason: string): SyncTrigger => ({ kind: 'ignore', trigger, reason, ...(secretId ? { secretId } : {}) });

  if (detailType === DETAIL_SERVICE_EVENT && detail.eventName !== 'RotationSucceeded') return ignore('not a RotationSucceeded event');
  if (detailType === DETAIL_API_CALL && !(VALUE_CHANGING_CALLS as readonly string[]).includes(detail.eventName)) {
    return ignore(`${detail.eventName} does not change a secret value`);
  }
  if (detail.errorCode) return ignore(`the call failed (${detail.errorCode.slice(0, 64)})`);
  const request = detail.requestParameters ?? {};
  if (detail.eventName === 'UpdateSecretVersionStage' && !(request.versionStage === AWSCURRENT && request.moveToVersionId)) {
    return ignore(`${AWSCURRENT} did not move`);
  }
  if (detail.eventName === 'PutSecretValue' && request.versionStages && !request.versionStages.includes(AWSCURRENT)) {
    return ignore(`the new version is not ${AWSCURRENT}`);
  }
  if (!secretId) {
    ctx.issues.push({ code: 'custom', path: ['detail'], message: `${detail.eventName} event names no secret (arn, aRN, secretId)`, input: detail });
    return z.NEVER;
  }
  return { kind: 'secret', secretId, trigger };
}

export type SyncEvent = z.input<typeof SyncEventSchema>;
