import { originOf } from '../mirrorPath.js';
import type { DesiredParameter } from './planParameters.js';
import type { CurrentParameter } from './readParameters.js';

/** Why a parameter must be written. */
export type WriteReason = 'missing' | 'value' | 'type' | 'kms-key' | 'adopted';

export interface ParameterWrite {
  parameter: DesiredParameter;
  reason: WriteReason;
  /** True when the parameter does not exist yet: created without Overwrite (a concurrent creation is never overwritten). */
  create: boolean;
  /**
   * KeyId to send: the wanted key; or, when the default key is wanted but the parameter is
   * under another one, the default named explicitly (an update without KeyId keeps the old key).
   */
  keyId?: string;
}

export interface ParameterDiff {
  toWrite: ParameterWrite[];
  /** Names already holding the desired value, type and key. */
  unchanged: string[];
  /** Existing parameters keyroll did not write for this secret: never written unless adopted. */
  foreign: Array<{ name: string; owner: string }>;
}

/** The account default key SSM uses for a SecureString written without KeyId. */
export const DEFAULT_SSM_KEY = 'alias/aws/ssm';

/**
 * Compares desired parameters with what Parameter Store holds. A parameter keyroll wrote for this
 * secret (its Description names the secret's ARN) is rewritten only when its value, type or KMS
 * key differs; a missing one is created. Any other existing parameter is foreign: reported, never
 * written, unless `adopt` takes it over (then written, its Description becoming keyroll's).
 * The version in the Description is not compared: a new version with equal values writes nothing.
 */
export function diffParameters(
  desired: readonly DesiredParameter[],
  current: ReadonlyMap<string, CurrentParameter>,
  secretArn: string,
  options: { adopt?: boolean } = {},
): ParameterDiff {
  const toWrite: ParameterWrite[] = [];
  const unchanged: string[] = [];
  const foreign: ParameterDiff['foreign'] = [];
  for (const parameter of desired) {
    const now = current.get(parameter.name);
    const origin = now ? originOf(now.description) : undefined;
    if (now && origin?.secretArn !== secretArn) {
      const owner = origin ? `keyroll, for secret ${origin.secretArn}` : now.description ? 'another writer (its description is not keyroll\'s)' : 'another writer (no description)';
      if (!options.adopt) {
        foreign.push({ name: parameter.name, owner });
        continue;
      }
      toWrite.push({ parameter, reason: 'adopted', create: false, ...keyIdFor(parameter, now) });
      continue;
    }
    const reason: WriteReason | undefined = !now
      ? 'missing'
      : now.type !== parameter.type
        ? 'type'
        : now.value !== parameter.value
          ? 'value'
          : parameter.type === 'SecureString' && !sameKmsKey(parameter.keyId, now.keyId)
            ? 'kms-key'
            : undefined;
    if (reason) toWrite.push({ parameter, reason, create: !now, ...keyIdFor(parameter, now) });
    else unchanged.push(parameter.name);
  }
  return { toWrite, unchanged, foreign };
}

function keyIdFor(parameter: DesiredParameter, now: CurrentParameter | undefined): { keyId?: string } {
  if (parameter.type !== 'SecureString') return {};
  const keyId = parameter.keyId ?? (now?.type === 'SecureString' && !sameKmsKey(undefined, now.keyId) ? DEFAULT_SSM_KEY : undefined);
  return keyId ? { keyId } : {};
}

/**
 * Whether two ways of naming a KMS key name the same key, without asking KMS: equal after
 * reducing ARNs to `alias/…` or `key/…` and bare key ids to `key/…`; no wanted key means the
 * account default. A stored key that was not reported counts as equal: SSM always reports one for
 * a SecureString, so "unknown" must not cause a rewrite on every run. An alias and a key id are
 * never judged equal (that takes a KMS call); the price is one rewrite, after which SSM reports
 * the key as it was given.
 */
export function sameKmsKey(wanted: string | undefined, stored: string | undefined): boolean {
  if (stored === undefined) return true;
  return normalizeKey(wanted ?? DEFAULT_SSM_KEY) === normalizeKey(stored);
}

function normalizeKey(key: string): string {
  const resource = key.startsWith('arn:') ? key.slice(key.lastIndexOf(':') + 1) : key;
  return resource.startsWith('alias/') || resource.startsWith('key/') ? resource : `key/${resource}`;
}
