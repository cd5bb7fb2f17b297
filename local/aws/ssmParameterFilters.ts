import { AwsApiError, validation } from './types.js';
import { readObjectList } from './requestFields.js';
import { isUnderPath, rootedName, validatePath } from './ssmNames.js';

/**
 * `ParameterFilters` of DescribeParameters and GetParametersByPath: which keys and options each
 * operation accepts, and whether a parameter matches. Follows the ParameterStringFilter
 * reference: DescribeParameters takes every key but Label; GetParametersByPath only Type,
 * KeyId and Label; options are Equals / BeginsWith (Name also Contains, Path Recursive /
 * OneLevel).
 */

export interface ParameterFilter {
  key: string;
  option: string;
  values: string[];
}

/** What a filter can look at: the latest version's metadata and the parameter's tags. */
export interface FilterableParameter {
  name: string;
  type: string;
  keyId?: string;
  keyArn?: string;
  tier: string;
  dataType: string;
  tags: ReadonlyArray<{ Key: string; Value: string }>;
}

export type FilteredOperation = 'DescribeParameters' | 'GetParametersByPath';

const KEY_PATTERN = /^(tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType)$/;
const VALID_KEYS: Record<FilteredOperation, string[]> = {
  DescribeParameters: ['Path', 'Name', 'Type', 'KeyId', 'Tier', 'DataType'],
  GetParametersByPath: ['Type', 'KeyId', 'Label'],
};
const TYPES = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];

function optionsFor(key: string, operation: FilteredOperation): string[] {
  if (key === 'Path') return ['Recursive', 'OneLevel'];
  if (key === 'Label') return ['Equals'];
  if (key === 'Name' && operation === 'DescribeParameters') return ['BeginsWith', 'Equals', 'Contains'];
  return ['BeginsWith', 'Equals'];
}

/**
 * Reads and checks `ParameterFilters` for one operation.
 * @throws ValidationException for a key outside the model's pattern or a malformed Path value;
 *   InvalidFilterKey for a key the operation does not take or a repeated key;
 *   InvalidFilterOption for an option the key does not take; InvalidFilterValue for missing or
 *   impossible values.
 */
export function readParameterFilters(input: Record<string, unknown>, operation: FilteredOperation): ParameterFilter[] {
  const raw = readObjectList(input, 'ParameterFilters') ?? [];
  const seen = new Set<string>();
  return raw.map((f, i) => {
    const key = f['Key'];
    if (typeof key !== 'string' || !KEY_PATTERN.test(key) || key.length > 132) {
      throw validation(
        `1 validation error detected: Value at 'parameterFilters.${i + 1}.member.key' failed to satisfy constraint: ` +
          'Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType',
      );
    }
    const isTag = key.startsWith('tag:');
    const valid = VALID_KEYS[operation];
    if (isTag ? operation !== 'DescribeParameters' : !valid.includes(key)) {
      throw new AwsApiError(
        'InvalidFilterKey',
        `The following filter key is not valid: ${key}. Valid filter keys include: [${valid.join(', ')}].`,
      );
    }
    if (seen.has(key)) {
      throw new AwsApiError(
        'InvalidFilterKey',
        `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`,
      );
    }
    seen.add(key);

    const rawValues = f['Values'];
    if (rawValues !== undefined && (!Array.isArray(rawValues) || rawValues.some((v) => typeof v !== 'string'))) {
      throw new AwsApiError('SerializationException', `ParameterFilters[${i}].Values: expected a list of strings`);
    }
    const values = (rawValues as string[] | undefined) ?? [];
    if (values.length === 0 && !isTag) {
      throw new AwsApiError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
    }
    if (values.length > 50 || values.some((v) => v.length === 0 || v.length > 1024)) {
      throw new AwsApiError('InvalidFilterValue', `The filter ${key} takes 1 to 50 values of 1 to 1024 characters.`);
    }

    const rawOption = f['Option'];
    if (rawOption !== undefined && typeof rawOption !== 'string') {
      throw new AwsApiError('SerializationException', `ParameterFilters[${i}].Option: expected a string`);
    }
    const option = rawOption ?? (key === 'Path' ? 'OneLevel' : 'Equals');
    const options = optionsFor(key, operation);
    if (!options.includes(option)) {
      throw new AwsApiError(
        'InvalidFilterOption',
        `The following filter option is not valid: ${option}. Valid options include: [${options.join(', ')}].`,
      );
    }

    if (key === 'Type') rejectOutside(key, values, TYPES);
    if (key === 'Tier') rejectOutside(key, values, TIERS);
    if (key === 'Path') {
      for (const v of values) {
        if (/^\/(aws|ssm)/i.test(v)) {
          throw validation(
            'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). ' +
              'When using global parameters, please specify within a global namespace.',
          );
        }
      }
      return { key, option, values: values.map(validatePath) };
    }
    return { key, option, values };
  });
}

function rejectOutside(key: string, values: string[], allowed: string[]): void {
  const bad = values.find((v) => !allowed.includes(v));
  if (bad !== undefined) {
    throw new AwsApiError(
      'InvalidFilterValue',
      `The following filter value is not valid: ${bad.slice(0, 64)}. Valid values include: [${allowed.join(', ')}].`,
    );
  }
}

function compare(option: string, actual: string, wanted: string): boolean {
  if (option === 'BeginsWith') return actual.startsWith(wanted);
  if (option === 'Contains') return actual.includes(wanted);
  return actual === wanted;
}

function matchesOne(f: ParameterFilter, p: FilterableParameter): boolean {
  switch (f.key) {
    case 'Name':
      // `foo` and `/foo` name the same parameter, so compare both sides rooted.
      return f.values.some((v) => compare(f.option, rootedName(p.name), f.option === 'Contains' ? v : rootedName(v)));
    case 'Path':
      return f.values.some((v) => isUnderPath(p.name, v, f.option === 'Recursive'));
    case 'Type':
      return f.values.some((v) => compare(f.option, p.type, v));
    case 'Tier':
      return f.values.some((v) => compare(f.option, p.tier, v));
    case 'DataType':
      return f.values.some((v) => compare(f.option, p.dataType, v));
    case 'KeyId':
      // A key can be named by alias, id or ARN; match what was stored or the key it resolved to.
      return f.values.some(
        (v) =>
          (p.keyId !== undefined && compare(f.option, p.keyId, v)) ||
          (p.keyArn !== undefined && compare(f.option, p.keyArn, v)),
      );
    case 'Label':
      // No operation of this endpoint attaches labels, so no version carries one.
      return false;
    default: {
      const tagKey = f.key.slice('tag:'.length);
      const tagValues = p.tags.filter((t) => t.Key === tagKey).map((t) => t.Value);
      if (tagValues.length === 0) return false;
      return f.values.length === 0 || f.values.some((v) => tagValues.some((t) => compare(f.option, t, v)));
    }
  }
}

/** True when the parameter satisfies every filter. */
export function matchesParameterFilters(filters: readonly ParameterFilter[], p: FilterableParameter): boolean {
  return filters.every((f) => matchesOne(f, p));
}
