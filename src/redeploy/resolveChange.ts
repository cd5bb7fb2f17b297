import { DescribeSecretCommand, type DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import type * as z from 'zod/mini';
import { EventShapeError } from '../errors.js';
import {
  DETAIL_SECRET_ROTATED,
  DETAIL_SECRET_SYNCED,
  EVENT_SOURCE,
  ParameterStoreChangeDetailSchema,
  SecretRotatedDetailSchema,
  SecretSyncedDetailSchema,
  type EventBridgeEnvelope,
} from '../events.js';
import { AWSCURRENT, MIRRORED_DESCRIPTION_PREFIX, TAG_SSM_PATH } from '../secret.js';
import { latestInstantOf, type Change } from './change.js';
import type { RedeployEventDeps } from './deps.js';
import { RedeployInputError, nameOfError } from './errors.js';
import { findCurrentVersion } from './findCurrentVersion.js';

/** SSM's own event for a parameter change. */
export const SSM_SOURCE = 'aws.ssm';
export const DETAIL_PARAMETER_STORE_CHANGE = 'Parameter Store Change';

// SSM announces each parameter sync writes with its own "Parameter Store Change"; redeploying on
// them too would restart the same services once per parameter, so they are left to the one
// "Secret Synced" that follows the writes (recognised by MIRRORED_DESCRIPTION_PREFIX).

/** An event turned into a change, or the reason it asks for nothing. */
export type ResolvedChange = { change: Change } | { ignored: string };

function parseDetail<S extends z.ZodMiniType>(schema: S, event: EventBridgeEnvelope): z.output<S> {
  const parsed = schema.safeParse(event.detail);
  if (!parsed.success) {
    // Paths and messages only: the detail's values never reach the error.
    const problems = parsed.error.issues.map((i) => (i.path.length ? `detail.${i.path.join('.')}: ${i.message}` : `detail: ${i.message}`));
    throw new EventShapeError(`redeploy: invalid "${event['detail-type']}" event: ${problems.join('; ')}`);
  }
  return parsed.data;
}

async function describeSecret(deps: RedeployEventDeps, secretArn: string, why: string): Promise<DescribeSecretResponse> {
  try {
    return await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretArn }));
  } catch (err) {
    throw new RedeployInputError(`redeploy: secret ${secretArn}: cannot read it to ${why}: ${nameOfError(err)}`, { cause: err });
  }
}

/** Whether a parameter name sits under a prefix, on a path boundary (`/app` covers `/app/x`, not `/apple`). */
export function isUnderPrefix(name: string, prefix: string): boolean {
  if (prefix === '') return false;
  if (prefix.endsWith('/')) return name.startsWith(prefix);
  return name === prefix || name.startsWith(`${prefix}/`);
}

const whenOf = (event: EventBridgeEnvelope, deps: RedeployEventDeps): Date =>
  event.time ? latestInstantOf(event.time) : (deps.clock?.() ?? new Date());

/**
 * Turns an EventBridge event into a change, or says why it changes nothing:
 * - keyroll "Secret Synced": the secret and all its mirrored parameters. When the sync wrote
 *   nothing (a replay, a reconcile confirming), the change time is when the AWSCURRENT value was
 *   created (its version's CreatedDate, from ListSecretVersionIds), so services deployed since the
 *   value came to exist are left alone, whatever settings changed since (tags, description,
 *   rotation schedule), while a sync that crashed before publishing still gets its redeploy.
 * - keyroll "Secret Rotated": the secret, unless it is mirrored (tag keyroll:ssm-path): those
 *   are redeployed by their "Secret Synced", once the parameters hold the new value too.
 * - SSM "Parameter Store Change" with operation Update, for a parameter under a configured
 *   prefix (none configured: none) that keyroll's sync did not write.
 * @throws EventShapeError for an event of another source or detail-type, or a malformed detail.
 * @throws RedeployInputError when the secret's tags (DescribeSecret) or versions (ListSecretVersionIds) cannot be read.
 */
export async function resolveChange(deps: RedeployEventDeps, event: EventBridgeEnvelope): Promise<ResolvedChange> {
  const type = event['detail-type'];
  const where = { region: event.region, accountId: event.account };

  if (event.source === EVENT_SOURCE && type === DETAIL_SECRET_SYNCED) {
    const d = parseDetail(SecretSyncedDetailSchema, event);
    let changedAt = whenOf(event, deps);
    if (d.written.length === 0) {
      // Not DescribeSecret's LastChangedDate: a tag edit or a new rotation schedule moves it, and
      // the next hourly confirmation would then restart every service for a value they already run.
      const current = await findCurrentVersion(deps.secretsManager, d.secretArn);
      if (!current?.createdDate) return { ignored: `sync wrote nothing and secret ${d.secretArn} has no ${AWSCURRENT} version with a creation date` };
      changedAt = current.createdDate;
    }
    return { change: { secretArn: d.secretArn, parameterNames: d.parameters, versionId: d.versionId, changedAt, ...where } };
  }

  if (event.source === EVENT_SOURCE && type === DETAIL_SECRET_ROTATED) {
    const d = parseDetail(SecretRotatedDetailSchema, event);
    const meta = await describeSecret(deps, d.secretArn, 'read its tags');
    if (meta.Tags?.some((t) => t.Key === TAG_SSM_PATH)) {
      return { ignored: `secret ${d.secretArn} is mirrored to Parameter Store (${TAG_SSM_PATH}): its "${DETAIL_SECRET_SYNCED}" redeploys` };
    }
    return {
      change: { secretArn: d.secretArn, secretName: d.name, parameterNames: [], versionId: d.versionId, changedAt: latestInstantOf(d.rotatedAt), ...where },
    };
  }

  if (event.source === SSM_SOURCE && type === DETAIL_PARAMETER_STORE_CHANGE) {
    const d = parseDetail(ParameterStoreChangeDetailSchema, event);
    if (d.operation !== 'Update') return { ignored: `parameter ${d.name}: operation ${d.operation} is not a value update` };
    if (d.description?.startsWith(MIRRORED_DESCRIPTION_PREFIX)) {
      return { ignored: `parameter ${d.name} is mirrored by keyroll: its secret's "${DETAIL_SECRET_SYNCED}" redeploys` };
    }
    const prefixes = deps.settings.ssmPathPrefixes ?? [];
    if (!prefixes.some((p) => isUnderPrefix(d.name, p))) {
      return { ignored: `parameter ${d.name} is outside the configured prefixes (${prefixes.join(', ') || 'none configured'})` };
    }
    return { change: { parameterNames: [d.name], changedAt: whenOf(event, deps), ...where } };
  }

  throw new EventShapeError(
    `redeploy: unsupported event: source "${event.source.slice(0, 60)}", detail-type "${type.slice(0, 60)}"; expected keyroll "${DETAIL_SECRET_SYNCED}", keyroll "${DETAIL_SECRET_ROTATED}" or aws.ssm "${DETAIL_PARAMETER_STORE_CHANGE}"`,
  );
}
