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
/** Recorded by rotate when a step fails (`<time> <step> <version> <cause>`), removed when a rotation finishes: see rotation/lastFailure.ts. */
export const TAG_LAST_FAILURE = 'keyroll:last-failure';
/** Recorded by rotate when Secrets Manager's configuration test passed (`<time> <version>`): what `keyroll enable` waits for. */
export const TAG_TESTED = 'keyroll:tested';
/** The only tags the rotate function writes (its IAM role may tag nothing else). */
export const ROTATE_TAG_KEYS = [TAG_STRATEGY, TAG_LAST_FAILURE, TAG_TESTED] as const;

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
  lastFailure: string | undefined;
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
    lastFailure: tagValue(tags, TAG_LAST_FAILURE),
  };
}

/** Whether the secret asks to be mirrored (a non-blank `keyroll:ssm-path`); whether it may be is mirrorPath's rule. */
export const asksToBeMirrored = (tags: readonly TagLike[] | undefined): boolean => tagValue(tags, TAG_SSM_PATH) !== undefined;

/** A failed rotation step as `keyroll:last-failure` records it. */
export interface LastFailure {
  /** When the step failed (second precision). */
  at: string;
  step: string;
  /** The version (ClientRequestToken) whose step failed. */
  versionId: string;
  /** The error's name and message, shortened to fit a tag. */
  cause: string;
}

// Secrets Manager tag values: at most 256 characters of letters, digits, spaces and _ . : / = + - @.
const MAX_TAG_VALUE = 256;
const tagSafe = (text: string): string =>
  text
    .replace(/[^\p{L}\p{N}\p{Z}_.:/=+\-@]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** The tag value for a failure: `<at> <step> <versionId> <cause>`, made of the characters tags allow and cut to 256. */
export function formatLastFailure(failure: LastFailure): string {
  const head = `${failure.at.replace(/\.\d+Z$/, 'Z')} ${tagSafe(failure.step)} ${tagSafe(failure.versionId)} `;
  // Cut by code points: a cut UTF-16 pair is a value Secrets Manager refuses.
  return Array.from(head + tagSafe(failure.cause)).slice(0, MAX_TAG_VALUE).join('');
}

/** The failure a `keyroll:last-failure` value records; undefined when absent or not in that form. */
export function parseLastFailure(value: string | undefined): LastFailure | undefined {
  const m = value?.match(/^(\S+) (\S+) (\S+) ?(.*)$/s);
  if (!m) return undefined;
  return { at: m[1]!, step: m[2]!, versionId: m[3]!, cause: m[4] ?? '' };
}

/** The tag value recording a passed configuration test of `versionId`. */
export const formatTested = (at: Date, versionId: string): string => `${at.toISOString().replace(/\.\d+Z$/, 'Z')} ${tagSafe(versionId)}`.slice(0, MAX_TAG_VALUE);

/** The version whose configuration test `keyroll:tested` records; undefined when absent or not in that form. */
export function parseTested(value: string | undefined): { at: string; versionId: string } | undefined {
  const m = value?.match(/^(\S+) (\S+)$/);
  return m ? { at: m[1]!, versionId: m[2]! } : undefined;
}
