import { checkItemCount, createConstraintError, readStringList, type RequestFields } from './requestFields.js';

/**
 * Parameter Store's own request members, read on top of requestFields.ts the way SSM answers:
 * a member of the wrong JSON type is a SerializationException, a missing or out-of-range member
 * a ValidationException in AWS's model-validation wording. Messages name the member, never
 * echo a parameter value.
 */

/**
 * A required list of strings holding `min` to `max` members (GetParameters' and
 * DeleteParameters' `Names`); its shape is checked before its count.
 * @throws ValidationException when absent or out of bounds, SerializationException for another JSON shape.
 */
export function requireStringList(input: RequestFields, key: string, min: number, max: number): string[] {
  const list = readStringList(input, key);
  if (list === undefined) throw createConstraintError(key, 'Member must not be null', null);
  checkItemCount(key, list, min, max);
  return list;
}
