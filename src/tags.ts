/**
 * keyroll's tags on a secret, read one way for every function and the CLI. A tag's value is
 * trimmed; a blank value counts as absent (a blank `keyroll:ssm-path` mirrors nothing anywhere).
 */

/** Where sync mirrors the secret: a Parameter Store path (must lie under the path bound to the secret). */
export const TAG_SSM_PATH = 'keyroll:ssm-path';
/** Extra keys of the secret's JSON to mirror besides username, password, host, port, dbname and url. */
export const TAG_SSM_KEYS = 'keyroll:ssm-keys';
/** Non-secret parameters written as String instead of SecureString (host, port, dbname, extra keys). */
export const TAG_SSM_PLAIN = 'keyroll:ssm-plain';
/** KMS key of the SecureString parameters. */
export const TAG_KMS_KEY = 'keyroll:kms-key';
/** `single-user` (set by people: the master sets a single user's password) or `alternating-users` (recorded by keyroll). */
export const TAG_STRATEGY = 'keyroll:strategy';
/** `true` on a secret whose user may act as the master of other secrets; such a secret is never mirrored. */
export const TAG_MASTER = 'keyroll:master';
/** Recorded by sync: the AWSCURRENT version whose "Secret Synced" was published (one decision per version). */
export const TAG_SYNCED_VERSION = 'keyroll:synced-version';

/** A tag as Secrets Manager returns it. */
export interface TagLike {
  Key?: string | undefined;
  Value?: string | undefined;
}

export interface KeyrollTags {
  ssmPath: string | undefined;
  ssmKeys: string[];
  ssmPlain: string[];
  kmsKey: string | undefined;
  strategy: string | undefined;
  master: boolean;
  syncedVersion: string | undefined;
}

/** The trimmed value of a tag; undefined when absent or blank. */
export function tagValue(tags: readonly TagLike[] | undefined, key: string): string | undefined {
  const v = tags?.find((t) => t.Key === key)?.Value?.trim();
  return v === undefined || v === '' ? undefined : v;
}

// Lists are separated by commas or spaces (AWS's tag guidance lists space but not comma among the
// characters every service accepts, so both work).
const listOf = (v: string | undefined): string[] => (v ?? '').split(/[\s,]+/).filter((s) => s.length > 0);

/** Every keyroll tag of a secret. */
export function readKeyrollTags(tags: readonly TagLike[] | undefined): KeyrollTags {
  return {
    ssmPath: tagValue(tags, TAG_SSM_PATH),
    ssmKeys: listOf(tagValue(tags, TAG_SSM_KEYS)),
    ssmPlain: listOf(tagValue(tags, TAG_SSM_PLAIN)),
    kmsKey: tagValue(tags, TAG_KMS_KEY),
    strategy: tagValue(tags, TAG_STRATEGY),
    master: tagValue(tags, TAG_MASTER) === 'true',
    syncedVersion: tagValue(tags, TAG_SYNCED_VERSION),
  };
}

/** Whether the secret asks to be mirrored (a non-blank `keyroll:ssm-path`); whether it may be is mirrorPath's rule. */
export const asksToBeMirrored = (tags: readonly TagLike[] | undefined): boolean => tagValue(tags, TAG_SSM_PATH) !== undefined;
