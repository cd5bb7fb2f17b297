import { DescribeSecretCommand, type DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { paginateDescribeParameters } from '@aws-sdk/client-ssm';
import type * as z from 'zod/mini';
import { chunkList } from '../aws.js';
import { clip, errorCodeOf, errorText, EventShapeError } from '../errors.js';
import {
  DETAIL_SECRET_LABEL_UPDATED,
  DETAIL_SECRET_ROTATED,
  DETAIL_SECRET_SYNCED,
  EVENT_SOURCE,
  ParameterStoreChangeDetailSchema,
  SecretLabelUpdatedDetailSchema,
  SecretRotatedDetailSchema,
  SecretSyncedDetailSchema,
  type EventBridgeEnvelope,
} from '../events.js';
import { eligibilityOf, mirroredParameterNames, MIRRORED_DESCRIPTION_PREFIX, originOf } from '../mirrorPath.js';
import { AWSCURRENT } from '../secret.js';
import { readKeyrollTags } from '../tags.js';
import type { Change } from './change.js';
import type { RedeployEventDeps } from './deps.js';
import { RedeployInputError } from './errors.js';
import { findCurrentVersion } from './findCurrentVersion.js';

/** SSM's own event for a parameter change. */
export const SSM_SOURCE = 'aws.ssm';
export const SOURCE_SECRETS_MANAGER = 'aws.secretsmanager';
export const DETAIL_PARAMETER_STORE_CHANGE = 'Parameter Store Change';

/** An event turned into a change, or the reason it asks for nothing. */
export type ResolvedChange = { change: Change } | { ignored: string };

// DescribeParameters' Name filter takes at most 50 values.
const DESCRIBE_BATCH = 50;

function parseDetail<S extends z.ZodMiniType>(schema: S, event: EventBridgeEnvelope): z.output<S> {
  const parsed = schema.safeParse(event.detail);
  if (!parsed.success) {
    // Paths and messages only: the detail's values never reach the error.
    const problems = parsed.error.issues.slice(0, 5).map((i) => (i.path.length ? `detail.${i.path.join('.')}: ${i.message}` : `detail: ${i.message}`));
    throw new EventShapeError(`redeploy: invalid "${clip(event['detail-type'], 60)}" event: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** DescribeSecret; undefined for a secret that does not exist (an event naming it restarts nothing). */
async function describeSecret(deps: RedeployEventDeps, secretId: string): Promise<DescribeSecretResponse | undefined> {
  try {
    return await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (err) {
    if (errorCodeOf(err) === 'ResourceNotFoundException') return undefined;
    throw new RedeployInputError(`redeploy: secret ${clip(secretId, 2048)}: cannot describe it: ${errorText(err)}`, { cause: err });
  }
}

/** Whether a parameter name sits under a prefix, on a path boundary (`/app` covers `/app/x`, not `/apple`). */
export function isUnderPrefix(name: string, prefix: string): boolean {
  if (prefix === '') return false;
  if (prefix.endsWith('/')) return name.startsWith(prefix);
  return name === prefix || name.startsWith(`${prefix}/`);
}

interface ParameterFacts {
  name: string;
  description: string | undefined;
  lastModified: Date | undefined;
}

/** DescribeParameters for the names (metadata only, never a value). */
async function describeParameters(deps: RedeployEventDeps, names: readonly string[]): Promise<ParameterFacts[]> {
  const out: ParameterFacts[] = [];
  for (const batch of chunkList(names, DESCRIBE_BATCH)) {
    try {
      for await (const page of paginateDescribeParameters({ client: deps.ssm, pageSize: DESCRIBE_BATCH }, { ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: batch }] })) {
        for (const p of page.Parameters ?? []) if (p.Name) out.push({ name: p.Name, description: p.Description, lastModified: p.LastModifiedDate });
      }
    } catch (err) {
      throw new RedeployInputError(`redeploy: cannot describe parameters ${clip(batch.join(', '), 200)}: ${errorText(err)}`, { cause: err });
    }
  }
  return out;
}

const latest = (dates: ReadonlyArray<Date | undefined>): Date | undefined =>
  dates.reduce<Date | undefined>((max, d) => (d && (!max || d > max) ? d : max), undefined);

/**
 * Forms the change for a secret from Secrets Manager and SSM alone; the event only says which
 * secret to look at, and which version it saw, so an older event than the current version does nothing:
 * - the secret must exist, and its current version be the one the event named (a replay of an
 *   older version's event restarts nothing);
 * - mirrored (keyroll:ssm-path, bound to it by the deployer's rule): the parameters are those its
 *   tags name *and* whose Description says keyroll wrote them for this secret; the change time is
 *   when the last of them was written (SSM's LastModifiedDate), so a replay restarts nothing that
 *   started after the real change;
 * - not mirrored: the secret alone; the change time is when its AWSCURRENT value came to exist
 *   (the version's CreatedDate, or the rotation's end when that is later).
 */
async function changeOfSecret(
  deps: RedeployEventDeps,
  secretId: string,
  claimedVersion: string | undefined,
  event: EventBridgeEnvelope,
  mirroredOnly: boolean,
): Promise<ResolvedChange> {
  const meta = await describeSecret(deps, secretId);
  if (!meta?.ARN) return { ignored: `secret ${clip(secretId, 2048)} does not exist` };
  const secretArn = meta.ARN;
  const versionId = Object.entries(meta.VersionIdsToStages ?? {}).find(([, s]) => s.includes(AWSCURRENT))?.[0];
  if (!versionId) return { ignored: `secret ${secretArn} has no ${AWSCURRENT} version` };
  if (claimedVersion !== undefined && claimedVersion !== versionId) {
    return { ignored: `the event names version ${clip(claimedVersion, 64)} of secret ${secretArn}, but ${versionId} is ${AWSCURRENT}: a newer change supersedes it` };
  }
  const where = { region: event.region, accountId: event.account, secretName: meta.Name ?? secretArn };
  const rules = deps.settings.mirrorRules ?? { prefix: '/', bindings: new Map() };
  const eligibility = eligibilityOf(
    { secretArn, name: meta.Name ?? secretArn, tags: meta.Tags ?? [], deleted: meta.DeletedDate !== undefined, owningService: meta.OwningService },
    rules,
  );

  if (eligibility.kind === 'mirror') {
    if (!mirroredOnly && event['detail-type'] !== DETAIL_SECRET_SYNCED) {
      return { ignored: `secret ${secretArn} is mirrored to Parameter Store: its "${DETAIL_SECRET_SYNCED}" redeploys, once the parameters hold the new value` };
    }
    const names = mirroredParameterNames(eligibility.path, readKeyrollTags(meta.Tags).ssmKeys);
    const own = (await describeParameters(deps, names)).filter((p) => originOf(p.description)?.secretArn === secretArn);
    if (own.length === 0) return { ignored: `no parameter under ${eligibility.path} was written by keyroll for secret ${secretArn}` };
    const changedAt = latest(own.map((p) => p.lastModified));
    if (!changedAt) return { ignored: `SSM reports no modification time for the parameters of secret ${secretArn}` };
    const ownNames = new Set(own.map((p) => p.name));
    return { change: { secretArn, parameterNames: names.filter((n) => ownNames.has(n)), versionId, changedAt, ...where } };
  }
  if (mirroredOnly) return { ignored: `secret ${secretArn} is not mirrored (${eligibility.reason}): no parameter of it is keyroll's` };

  const current = await findCurrentVersion(deps.secretsManager, secretArn);
  const rotated = meta.LastRotatedDate;
  const changedAt = latest([current?.createdDate, rotated && current?.createdDate && rotated > current.createdDate ? rotated : undefined]);
  if (!changedAt) return { ignored: `secret ${secretArn} has no ${AWSCURRENT} version with a creation date` };
  return { change: { secretArn, parameterNames: [], versionId, changedAt, ...where } };
}

/**
 * Turns an EventBridge event into a change, or says why it changes nothing. What the event claims
 * (a time, parameter names, a version) never widens what is restarted: the secret, its current
 * version, its parameters and the change time are read from Secrets Manager and SSM, so an event
 * naming an unknown or unmirrored secret, or parameters that are not its own, restarts nothing,
 * and a replay restarts nothing the first delivery did not.
 * - keyroll "Secret Synced": the secret's own mirrored parameters (and the secret itself).
 * - keyroll "Secret Rotated", Secrets Manager "Secret Label Updated" (AWSCURRENT): the secret, when
 *   it is not mirrored (a mirrored one is redeployed by its "Secret Synced").
 * - SSM "Parameter Store Change" with operation Update, for a parameter under a configured prefix
 *   (none configured: none) that keyroll's sync did not write; its time is SSM's LastModifiedDate.
 * @throws EventShapeError for an event of another source or detail-type, or a malformed detail.
 * @throws RedeployInputError when Secrets Manager or SSM cannot be read.
 */
export async function resolveChange(deps: RedeployEventDeps, event: EventBridgeEnvelope): Promise<ResolvedChange> {
  const type = event['detail-type'];

  if (event.source === EVENT_SOURCE && type === DETAIL_SECRET_SYNCED) {
    const d = parseDetail(SecretSyncedDetailSchema, event);
    return changeOfSecret(deps, d.secretArn, d.versionId, event, true);
  }
  if (event.source === EVENT_SOURCE && type === DETAIL_SECRET_ROTATED) {
    const d = parseDetail(SecretRotatedDetailSchema, event);
    return changeOfSecret(deps, d.secretArn, d.versionId, event, false);
  }
  if (event.source === SOURCE_SECRETS_MANAGER && type === DETAIL_SECRET_LABEL_UPDATED) {
    const d = parseDetail(SecretLabelUpdatedDetailSchema, event);
    if (d.labelUpdated !== AWSCURRENT) return { ignored: `label ${clip(d.labelUpdated, 64)} moved, not ${AWSCURRENT}` };
    return changeOfSecret(deps, event.resources?.[0] ?? d.name, d.versionId, event, false);
  }
  if (event.source === SSM_SOURCE && type === DETAIL_PARAMETER_STORE_CHANGE) {
    const d = parseDetail(ParameterStoreChangeDetailSchema, event);
    const name = clip(d.name, 2048);
    if (d.operation !== 'Update') return { ignored: `parameter ${name}: operation ${clip(d.operation, 40)} is not a value update` };
    const prefixes = deps.settings.ssmPathPrefixes ?? [];
    if (!prefixes.some((p) => isUnderPrefix(d.name, p))) {
      return { ignored: `parameter ${name} is outside the configured prefixes (${prefixes.join(', ') || 'none configured'})` };
    }
    const [facts] = await describeParameters(deps, [d.name]);
    if (!facts) return { ignored: `parameter ${name} does not exist` };
    if (facts.description?.startsWith(MIRRORED_DESCRIPTION_PREFIX)) {
      return { ignored: `parameter ${name} is mirrored by keyroll: its secret's "${DETAIL_SECRET_SYNCED}" redeploys` };
    }
    if (!facts.lastModified) return { ignored: `SSM reports no modification time for parameter ${name}` };
    return { change: { parameterNames: [facts.name], changedAt: facts.lastModified, region: event.region, accountId: event.account } };
  }

  throw new EventShapeError(
    `redeploy: unsupported event: source "${clip(event.source, 60)}", detail-type "${clip(type, 60)}"; expected keyroll "${DETAIL_SECRET_SYNCED}" or "${DETAIL_SECRET_ROTATED}", aws.secretsmanager "${DETAIL_SECRET_LABEL_UPDATED}" or aws.ssm "${DETAIL_PARAMETER_STORE_CHANGE}"`,
  );
}
