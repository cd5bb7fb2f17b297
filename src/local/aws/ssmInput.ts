import { AwsApiError, validation } from './types.js';

/**
 * Typed reads of a Parameter Store request's JSON members, answered the way SSM answers:
 * a member of the wrong JSON type is a SerializationException (the SDK never sends one, a
 * hand-written request may), a missing or out-of-range member is a ValidationException worded
 * like AWS's model validation ("1 validation error detected: ..."). Messages name the member,
 * never echo a parameter value.
 */

type Input = Record<string, unknown>;

const mismatch = (key: string, expected: string) =>
  new AwsApiError('SerializationException', `${key}: expected ${expected}`);

/** The member name as AWS's validation messages spell it (`Name` → `name`, `MaxResults` → `maxResults`). */
const memberOf = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

/** A ValidationException in AWS's model-validation wording; the offending value is left out on purpose. */
export function constraintViolation(key: string, constraint: string): AwsApiError {
  return validation(`1 validation error detected: Value at '${memberOf(key)}' failed to satisfy constraint: ${constraint}`);
}

/** An optional string member. @throws SerializationException for another JSON type. */
export function readString(input: Input, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw mismatch(key, 'a string');
  return v;
}

/** @throws ValidationException when the member is absent. */
export function requireString(input: Input, key: string): string {
  const v = readString(input, key);
  if (v === undefined) {
    throw validation(`1 validation error detected: Value null at '${memberOf(key)}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}

/** An optional boolean member. @throws SerializationException for another JSON type. */
export function readBoolean(input: Input, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw mismatch(key, 'a boolean');
  return v;
}

/** An optional integer member within `[min, max]`. @throws ValidationException out of range. */
export function readIntegerInRange(input: Input, key: string, min: number, max: number): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(key, 'an integer');
  if (v < min || v > max) {
    const bound = v < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw validation(
      `1 validation error detected: Value '${v}' at '${memberOf(key)}' failed to satisfy constraint: Member must have value ${bound}`,
    );
  }
  return v;
}

/** A required list of strings holding `min` to `max` members. @throws ValidationException otherwise. */
export function requireStringList(input: Input, key: string, min: number, max: number): string[] {
  const v = input[key];
  if (v === undefined || v === null) {
    throw validation(`1 validation error detected: Value null at '${memberOf(key)}' failed to satisfy constraint: Member must not be null`);
  }
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw mismatch(key, 'a list of strings');
  if (v.length < min) throw constraintViolation(key, `Member must have length greater than or equal to ${min}`);
  if (v.length > max) throw constraintViolation(key, `Member must have length less than or equal to ${max}`);
  return v as string[];
}

/** An optional list of structures. @throws SerializationException for another JSON shape. */
export function readObjectList(input: Input, key: string): Input[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((o) => o === null || typeof o !== 'object' || Array.isArray(o))) {
    throw mismatch(key, 'a list of structures');
  }
  return v as Input[];
}

/** A string member restricted to an enumeration. @throws ValidationException in AWS's enum-violation wording. */
export function readEnum<T extends string>(input: Input, key: string, allowed: readonly T[]): T | undefined {
  const v = readString(input, key);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw validation(
      `1 validation error detected: Value '${v.slice(0, 64)}' at '${memberOf(key)}' failed to satisfy constraint: ` +
        `Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return v as T;
}
