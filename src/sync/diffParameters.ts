import type { DesiredParameter } from './planParameters.js';
import type { CurrentParameter } from './readParameters.js';

/** Why a parameter must be written. */
export type WriteReason = 'missing' | 'value' | 'type' | 'kms-key';

export interface ParameterWrite {
  parameter: DesiredParameter;
  reason: WriteReason;
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
}

/** The account default key SSM uses for a SecureString written without KeyId. */
export const DEFAULT_SSM_KEY = 'alias/aws/ssm';

/**
 * Compares desired parameters with what Parameter Store holds. A parameter is rewritten only
 * when it is missing or its value, type or KMS key differs. The Description (secret ARN and
 * version) is deliberately not compared: a new version with equal values, or a replayed event,
 * writes nothing, at the price of a Description that may name an older version whose values
 * were the same.
 */
export function diffParameters(desired: readonly DesiredParameter[], current: ReadonlyMap<string, CurrentParameter>): ParameterDiff {
  const toWrite: ParameterWrite[] = [];
  const unchanged: string[] = [];
  for (const parameter of desired) {
    const now = current.get(parameter.name);
    const reason: WriteReason | undefined = !now
      ? 'missing'
      : now.type !== parameter.type
        ? 'type'
        : now.value !== parameter.value
          ? 'value'
          : parameter.type === 'SecureString' && !sameKmsKey(parameter.keyId, now.keyId)
            ? 'kms-key'
            : undefined;
    if (reason) {
      const keyId =
        parameter.type !== 'SecureString'
          ? undefined
          : (parameter.keyId ?? (now?.type === 'SecureString' && !sameKmsKey(undefined, now.keyId) ? DEFAULT_SSM_KEY : undefined));
      toWrite.push({ parameter, reason, ...(keyId ? { keyId } : {}) });
    }
    else unchanged.push(parameter.name);
  }
  return { toWrite, unchanged };
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
