import { AwsApiError } from './types.js';
import { invalidParameter } from './ecsErrors.js';

/**
 * Typed reads of an ECS request's JSON members. The SDK always sends the modelled types, so a
 * mismatch means a hand-written request: it is answered the way AWS JSON services answer a
 * body that does not fit the model (SerializationException), naming the member.
 */

type Input = Record<string, unknown>;

const mismatch = (key: string, expected: string) =>
  new AwsApiError('SerializationException', `${key}: expected ${expected}`);

/** An optional string member; an empty string counts as absent, as ECS treats it. */
export function readString(input: Input, key: string): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw mismatch(key, 'a string');
  return v === '' ? undefined : v;
}

/** A required string member. @throws InvalidParameterException when absent or empty. */
export function requireString(input: Input, key: string): string {
  const v = readString(input, key);
  if (v === undefined) throw invalidParameter(`${key} is required and cannot be empty.`);
  return v;
}

export function readInteger(input: Input, key: string): number | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(key, 'an integer');
  return v;
}

export function readBoolean(input: Input, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw mismatch(key, 'a boolean');
  return v;
}

export function readStringList(input: Input, key: string): string[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw mismatch(key, 'a list of strings');
  return v as string[];
}

export function readObject(input: Input, key: string): Input | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw mismatch(key, 'a structure');
  return v as Input;
}

export function readObjectList(input: Input, key: string): Input[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((o) => o === null || typeof o !== 'object' || Array.isArray(o))) {
    throw mismatch(key, 'a list of structures');
  }
  return v as Input[];
}

/** ECS tags ({key, value}); AWS allows 50 per resource. */
export function readTags(input: Input): Array<{ key: string; value: string }> {
  const tags = readObjectList(input, 'tags') ?? [];
  if (tags.length > 50) throw invalidParameter('Tags can have at most 50 items.');
  return tags.map((t) => {
    const key = readString(t, 'key');
    if (key === undefined) throw invalidParameter('Tag keys must be between 1 and 128 characters in length.');
    return { key, value: readString(t, 'value') ?? '' };
  });
}
