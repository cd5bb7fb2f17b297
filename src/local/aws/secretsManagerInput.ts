import { AwsApiError } from './types.js';

/**
 * Typed, constraint-checked reads of a Secrets Manager request's JSON members. Constraint
 * failures are answered as AWS answers them (ValidationException, "1 validation error
 * detected: ..."); a member of the wrong JSON type as SerializationException. Members that
 * may hold a secret (SecretString, SecretBinary, RotationToken) are never echoed.
 */

type Input = Record<string, unknown>;

/** A request member that fails its model constraint, worded like AWS's validation errors. */
export function constraintError(key: string, constraint: string, shownValue?: string | null): AwsApiError {
  const member = key.charAt(0).toLowerCase() + key.slice(1);
  const value = shownValue === undefined ? 'Value' : shownValue === null ? 'Value null' : `Value '${shownValue}'`;
  return new AwsApiError(
    'ValidationException',
    `1 validation error detected: ${value} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

const mismatch = (key: string, expected: string) =>
  new AwsApiError('SerializationException', `${key}: expected ${expected}`);

export interface StringRule {
  min?: number;
  max?: number;
  /** Counts UTF-8 bytes instead of characters (SecretString's limit is in bytes). */
  bytes?: boolean;
  /** Never echo the value in an error. */
  sensitive?: boolean;
}

function checkString(key: string, v: string, rule: StringRule): string {
  const size = rule.bytes ? Buffer.byteLength(v, 'utf8') : v.length;
  const shown = rule.sensitive ? undefined : v.slice(0, 100);
  if (rule.min !== undefined && size < rule.min) {
    throw constraintError(key, `Member must have length greater than or equal to ${rule.min}`, shown);
  }
  if (rule.max !== undefined && size > rule.max) {
    throw constraintError(key, `Member must have length less than or equal to ${rule.max}`, shown);
  }
  return v;
}

/** An optional string member. @throws SerializationException / ValidationException */
export function readString(input: Input, key: string, rule: StringRule = {}): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw mismatch(key, 'a string');
  return checkString(key, v, rule);
}

/** A required string member. @throws ValidationException when absent or out of its bounds. */
export function requireString(input: Input, key: string, rule: StringRule = {}): string {
  const v = readString(input, key, rule);
  if (v === undefined) throw constraintError(key, 'Member must not be null', null);
  return v;
}

export function readBoolean(input: Input, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw mismatch(key, 'a boolean');
  return v;
}

/** An optional integer member within [min, max]. @throws ValidationException */
export function readInteger(input: Input, key: string, min: number, max: number): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(key, 'an integer');
  if (v < min) throw constraintError(key, `Member must have value greater than or equal to ${min}`, String(v));
  if (v > max) throw constraintError(key, `Member must have value less than or equal to ${max}`, String(v));
  return v;
}

export function readObject(input: Input, key: string): Input | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw mismatch(key, 'a structure');
  return v as Input;
}

/** An optional list member with a bounded number of items. @throws ValidationException */
export function readList(input: Input, key: string, minItems: number, maxItems: number): unknown[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw mismatch(key, 'a list');
  if (v.length < minItems) throw constraintError(key, `Member must have length greater than or equal to ${minItems}`);
  if (v.length > maxItems) throw constraintError(key, `Member must have length less than or equal to ${maxItems}`);
  return v;
}

/** An optional list of strings, each within `rule`. */
export function readStringList(
  input: Input,
  key: string,
  minItems: number,
  maxItems: number,
  rule: StringRule = {},
): string[] | undefined {
  const list = readList(input, key, minItems, maxItems);
  if (list === undefined) return undefined;
  return list.map((item) => {
    if (typeof item !== 'string') throw mismatch(key, 'a list of strings');
    return checkString(key, item, rule);
  });
}

/** An optional list of structures. */
export function readObjectList(input: Input, key: string, minItems: number, maxItems: number): Input[] | undefined {
  const list = readList(input, key, minItems, maxItems);
  if (list === undefined) return undefined;
  if (list.some((o) => o === null || typeof o !== 'object' || Array.isArray(o))) throw mismatch(key, 'a list of structures');
  return list as Input[];
}

export interface Tag {
  Key: string;
  Value: string;
}

/** Secrets Manager tags: keys 1..128 characters, values up to 256, at most 50 per call. */
export function readTags(input: Input, key = 'Tags'): Tag[] | undefined {
  const list = readObjectList(input, key, 0, 50);
  if (list === undefined) return undefined;
  return list.map((t) => ({
    Key: requireString(t, 'Key', { min: 1, max: 128 }),
    Value: readString(t, 'Value', { max: 256 }) ?? '',
  }));
}

const SECRET_NAME = /^[a-zA-Z0-9/_+=.@-]+$/;

/** A secret name (CreateSecret). @throws ValidationException as AWS words it. */
export function requireSecretName(input: Input, key = 'Name'): string {
  const name = requireString(input, key, { min: 1, max: 512 });
  if (!SECRET_NAME.test(name)) {
    throw new AwsApiError(
      'ValidationException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
  return name;
}

const SECRET_ID = /^[a-zA-Z0-9/_+=.@:-]+$/;

/** A SecretId: a name, a full ARN or a partial ARN. @throws ValidationException */
export function requireSecretId(input: Input, key = 'SecretId'): string {
  const id = requireString(input, key, { min: 1, max: 2048 });
  if (!SECRET_ID.test(id)) {
    throw new AwsApiError(
      'ValidationException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
  return id;
}

/** A ClientRequestToken / version id member: 32 to 64 characters. */
export function readVersionId(input: Input, key: string): string | undefined {
  return readString(input, key, { min: 32, max: 64 });
}
