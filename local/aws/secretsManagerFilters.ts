import { createConstraintError, readBoundedObjectList, readBoundedStringList, requireString } from './requestFields.js';
import type { Tag } from './secretsManagerInput.js';

/**
 * ListSecrets / BatchGetSecretValue filters, matched as the Secrets Manager API reference
 * (type Filter) and user guide ("Find secrets") describe them:
 * - name, tag-key, tag-value: prefix match, case-sensitive;
 * - description: prefix match of words, not case-sensitive (every word of the value must
 *   begin some word of the description);
 * - all: the value is broken into words (at case changes, letter/digit changes and
 *   punctuation) and a secret matches when any word begins a word of its name, description,
 *   tag keys or tag values; not case-sensitive;
 * - owning-service: prefix match, case-sensitive, of the service that manages the secret
 *   (`rds` for an RDS-managed master secret); secrets you manage have none;
 * - primary-region: this endpoint does not replicate, so it never matches.
 * A value starting with `!` negates. Several values of one filter: any positive value
 * matches and no negated one does; several filters: all must match.
 */

const FILTER_KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface SecretFilter {
  key: FilterKey;
  values: string[];
}

/** What a filter looks at. */
export interface FilterableSecret {
  name: string;
  description?: string | undefined;
  tags: Tag[];
  owningService?: string | undefined;
}

const VALUE_PATTERN = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;

/** Reads and validates the `Filters` member (at most 10, each with 1 to 10 values). @throws ValidationException */
export function readFilters(input: Record<string, unknown>, key = 'Filters'): SecretFilter[] | undefined {
  const list = readBoundedObjectList(input, key, 0, 10);
  if (list === undefined) return undefined;
  return list.map((f) => {
    const k = requireString(f, 'Key');
    if (!(FILTER_KEYS as readonly string[]).includes(k)) {
      throw createConstraintError('filters.member.key', `Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`, k);
    }
    const values = readBoundedStringList(f, 'Values', 1, 10, { max: 512 });
    if (values === undefined) throw createConstraintError('filters.member.values', 'Member must not be null', null);
    for (const v of values) {
      if (!VALUE_PATTERN.test(v)) {
        throw createConstraintError('filters.member.values', `Member must satisfy regular expression pattern: ${VALUE_PATTERN.source}`, v);
      }
    }
    return { key: k as FilterKey, values };
  });
}

/** True when the secret passes every filter. */
export function matchesFilters(secret: FilterableSecret, filters: readonly SecretFilter[]): boolean {
  return filters.every((f) => matchesFilter(secret, f));
}

function matchesFilter(secret: FilterableSecret, filter: SecretFilter): boolean {
  const positive = filter.values.filter((v) => !v.startsWith('!'));
  const negated = filter.values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
  if (negated.some((v) => matchesValue(secret, filter.key, v))) return false;
  return positive.length === 0 || positive.some((v) => matchesValue(secret, filter.key, v));
}

function matchesValue(secret: FilterableSecret, key: FilterKey, value: string): boolean {
  switch (key) {
    case 'name':
      return secret.name.startsWith(value);
    case 'tag-key':
      return secret.tags.some((t) => t.Key.startsWith(value));
    case 'tag-value':
      return secret.tags.some((t) => t.Value.startsWith(value));
    case 'description': {
      const words = wordsOf(secret.description ?? '');
      return wordsOf(value).every((w) => words.some((d) => d.startsWith(w)));
    }
    case 'all': {
      const words = [secret.name, secret.description ?? '', ...secret.tags.flatMap((t) => [t.Key, t.Value])].flatMap(wordsOf);
      return wordsOf(value).some((w) => words.some((d) => d.startsWith(w)));
    }
    case 'owning-service':
      return secret.owningService !== undefined && secret.owningService.startsWith(value);
    case 'primary-region':
      return false;
  }
}

/** Lower-cased words: split at punctuation/space, lower→upper case changes and letter/digit changes. */
function wordsOf(text: string): string[] {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .flatMap((chunk) => chunk.split(/(?<=[a-z])(?=[A-Z])|(?<=[a-zA-Z])(?=[0-9])|(?<=[0-9])(?=[a-zA-Z])/))
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}
