import { readString as readStringField, readObjectList, type RequestFields } from './requestFields.js';
import { invalidParameter } from './ecsErrors.js';

/**
 * ECS's own readings of request members, on top of requestFields.ts: ECS treats an empty string
 * as absent and refuses a missing one with InvalidParameterException (its model has no
 * ValidationException). A member of the wrong JSON type is a SerializationException naming it.
 */

/** An optional string member; an empty string counts as absent, as ECS treats it. */
export function readString(input: RequestFields, key: string): string | undefined {
  const v = readStringField(input, key);
  return v === '' ? undefined : v;
}

/** A required string member. @throws InvalidParameterException when absent or empty. */
export function requireString(input: RequestFields, key: string): string {
  const v = readString(input, key);
  if (v === undefined) throw invalidParameter(`${key} is required and cannot be empty.`);
  return v;
}

/** ECS tags ({key, value}); AWS allows 50 per resource. @throws InvalidParameterException */
export function readTags(input: RequestFields): Array<{ key: string; value: string }> {
  const tags = readObjectList(input, 'tags') ?? [];
  if (tags.length > 50) throw invalidParameter('Tags can have at most 50 items.');
  return tags.map((t) => {
    const key = readString(t, 'key');
    if (key === undefined) throw invalidParameter('Tag keys must be between 1 and 128 characters in length.');
    return { key, value: readString(t, 'value') ?? '' };
  });
}
