import { AwsApiError } from './types.js';

/**
 * Typed, constraint-checked reads of an AWS JSON 1.1 request's members, shared by the service
 * emulations. They answer as AWS's model validation does: a member of the wrong JSON type is a
 * SerializationException (the SDK never sends one, a hand-written request may), a value outside
 * its model constraint a ValidationException worded "1 validation error detected: ...".
 * Members a service checks its own way (names, ids, tags, ECS's InvalidParameterException)
 * stay in that service's `*Input.ts`, built on these.
 */

/** A request's decoded JSON object, or one of its structures. */
export type RequestFields = Record<string, unknown>;

/** Builds the error for a member of the wrong JSON type; `expected` reads "a string", "a list of structures"… */
export type MismatchErrorFactory = (key: string, expected: string) => AwsApiError;

/** A model constraint on a string member's length. */
export interface StringRule {
  min?: number;
  max?: number;
  /** Counts UTF-8 bytes instead of characters (SecretString's limit is in bytes). */
  bytes?: boolean;
  /** Never echo the value in an error. */
  sensitive?: boolean;
}

/** The SerializationException for a member of the wrong JSON type, naming the member. */
function createSerializationError(key: string, expected: string): AwsApiError {
  return new AwsApiError('SerializationException', `${key}: expected ${expected}`);
}

/**
 * A ValidationException in AWS's model-validation wording. The member is named as AWS spells
 * it (`MaxResults` → `maxResults`); `shownValue` undefined leaves the value out ("Value at"),
 * null says "Value null", a string is quoted — callers decide, so a secret is never echoed.
 */
export function createConstraintError(key: string, constraint: string, shownValue?: string | null): AwsApiError {
  const member = key.charAt(0).toLowerCase() + key.slice(1);
  const value = shownValue === undefined ? 'Value' : shownValue === null ? 'Value null' : `Value '${shownValue}'`;
  return new AwsApiError(
    'ValidationException',
    `1 validation error detected: ${value} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/**
 * Checks a string against its length rule (shown in errors up to 100 characters unless sensitive).
 * @throws ValidationException when shorter than `rule.min` or longer than `rule.max`.
 */
function checkString(key: string, value: string, rule: StringRule): string {
  const size = rule.bytes ? Buffer.byteLength(value, 'utf8') : value.length;
  const shown = rule.sensitive ? undefined : value.slice(0, 100);
  if (rule.min !== undefined && size < rule.min) {
    throw createConstraintError(key, `Member must have length greater than or equal to ${rule.min}`, shown);
  }
  if (rule.max !== undefined && size > rule.max) {
    throw createConstraintError(key, `Member must have length less than or equal to ${rule.max}`, shown);
  }
  return value;
}

/** @throws ValidationException when the list holds fewer than `min` or more than `max` items. */
export function checkItemCount(key: string, list: readonly unknown[], min: number, max: number): void {
  if (list.length < min) throw createConstraintError(key, `Member must have length greater than or equal to ${min}`);
  if (list.length > max) throw createConstraintError(key, `Member must have length less than or equal to ${max}`);
}

/**
 * An optional member of the JSON type `isType` accepts; absent and null both read as undefined.
 * `mismatch` lets a service word the error its own way.
 * @throws what `mismatch` builds (by default SerializationException) for another JSON type.
 */
export function readField<T>(
  input: RequestFields,
  key: string,
  isType: (value: unknown) => value is T,
  expected: string,
  mismatch: MismatchErrorFactory = createSerializationError,
): T | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!isType(v)) throw mismatch(key, expected);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStructure = (v: unknown): v is RequestFields => v !== null && typeof v === 'object' && !Array.isArray(v);
const isList = (v: unknown): v is unknown[] => Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isStructureList = (v: unknown): v is RequestFields[] => Array.isArray(v) && v.every(isStructure);

/** An optional string member within `rule`. @throws SerializationException / ValidationException */
export function readString(input: RequestFields, key: string, rule: StringRule = {}): string | undefined {
  const v = readField(input, key, isString, 'a string');
  return v === undefined ? undefined : checkString(key, v, rule);
}

/** A required string member within `rule`. @throws ValidationException when absent or out of its bounds. */
export function requireString(input: RequestFields, key: string, rule: StringRule = {}): string {
  const v = readString(input, key, rule);
  if (v === undefined) throw createConstraintError(key, 'Member must not be null', null);
  return v;
}

/** An optional boolean member. @throws SerializationException for another JSON type. */
export function readBoolean(input: RequestFields, key: string): boolean | undefined {
  return readField(input, key, isBoolean, 'a boolean');
}

/**
 * An optional integer member within `[min, max]` (unbounded by default).
 * @throws SerializationException for a non-integer, ValidationException out of range.
 */
export function readInteger(
  input: RequestFields,
  key: string,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): number | undefined {
  const v = readField(input, key, isInteger, 'an integer');
  if (v === undefined) return undefined;
  if (v < min) throw createConstraintError(key, `Member must have value greater than or equal to ${min}`, String(v));
  if (v > max) throw createConstraintError(key, `Member must have value less than or equal to ${max}`, String(v));
  return v;
}

/** An optional structure member. @throws SerializationException for another JSON type. */
export function readObject(input: RequestFields, key: string): RequestFields | undefined {
  return readField(input, key, isStructure, 'a structure');
}

/** An optional list of strings, any length. @throws SerializationException for another JSON shape. */
export function readStringList(input: RequestFields, key: string): string[] | undefined {
  return readField(input, key, isStringList, 'a list of strings');
}

/** An optional list of structures, any length. @throws SerializationException for another JSON shape. */
export function readObjectList(input: RequestFields, key: string): RequestFields[] | undefined {
  return readField(input, key, isStructureList, 'a list of structures');
}

/**
 * An optional list of `minItems` to `maxItems` items, the items unchecked.
 * @throws SerializationException for a non-list, ValidationException for a count out of bounds.
 */
function readBoundedList(input: RequestFields, key: string, minItems: number, maxItems: number): unknown[] | undefined {
  const list = readField(input, key, isList, 'a list');
  if (list !== undefined) checkItemCount(key, list, minItems, maxItems);
  return list;
}

/**
 * An optional bounded list of strings, each within `rule`; the count is checked before the items.
 * @throws SerializationException / ValidationException
 */
export function readBoundedStringList(
  input: RequestFields,
  key: string,
  minItems: number,
  maxItems: number,
  rule: StringRule = {},
): string[] | undefined {
  const list = readBoundedList(input, key, minItems, maxItems);
  if (list === undefined) return undefined;
  return list.map((item) => {
    if (!isString(item)) throw createSerializationError(key, 'a list of strings');
    return checkString(key, item, rule);
  });
}

/**
 * An optional bounded list of structures; the count is checked before the items.
 * @throws SerializationException / ValidationException
 */
export function readBoundedObjectList(
  input: RequestFields,
  key: string,
  minItems: number,
  maxItems: number,
): RequestFields[] | undefined {
  const list = readBoundedList(input, key, minItems, maxItems);
  if (list === undefined) return undefined;
  if (!isStructureList(list)) throw createSerializationError(key, 'a list of structures');
  return list;
}

/**
 * An optional string member restricted to `allowed`; a refused value is echoed up to
 * `shownChars` characters (whole by default).
 * @throws ValidationException in AWS's enum-violation wording.
 */
export function readEnum<T extends string>(
  input: RequestFields,
  key: string,
  allowed: readonly T[],
  shownChars = Number.POSITIVE_INFINITY,
): T | undefined {
  const v = readString(input, key);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw createConstraintError(key, `Member must satisfy enum value set: [${allowed.join(', ')}]`, v.slice(0, shownChars));
  }
  return v as T;
}
