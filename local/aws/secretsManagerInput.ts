import { AwsApiError } from './types.js';
import { readBoundedObjectList, readString, requireString, type RequestFields } from './requestFields.js';

/**
 * Secrets Manager's own request members (tags, secret names and ids, version ids), read on top
 * of requestFields.ts and answered as AWS answers them (ValidationException, "1 validation
 * error detected: ..."). Members that may hold a secret (SecretString, SecretBinary,
 * RotationToken) are read with `sensitive` so they are never echoed.
 */

type Input = RequestFields;

export interface Tag {
  Key: string;
  Value: string;
}

/** Secrets Manager tags: keys 1..128 characters, values up to 256, at most 50 per call. */
export function readTags(input: Input, key = 'Tags'): Tag[] | undefined {
  const list = readBoundedObjectList(input, key, 0, 50);
  if (list === undefined) return undefined;
  return list.map((t) => ({
    Key: requireString(t, 'Key', { min: 1, max: 128 }),
    Value: readString(t, 'Value', { max: 256 }) ?? '',
  }));
}

const SECRET_NAME = /^[a-zA-Z0-9/_+=.@-]+$/;
// Ids may name a secret another service created: those names carry its prefix and `!` (`rds!db-…`).
const SECRET_ID = /^[a-zA-Z0-9/_+=.@:!-]+$/;

/** AWS answers a bad name and a bad id (name or ARN) with the same text. */
function requireSecretReference(input: Input, key: string, max: number, pattern: RegExp): string {
  const value = requireString(input, key, { min: 1, max });
  if (!pattern.test(value)) {
    throw new AwsApiError(
      'ValidationException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
  return value;
}

/** A secret name (CreateSecret). @throws ValidationException as AWS words it. */
export function requireSecretName(input: Input, key = 'Name'): string {
  return requireSecretReference(input, key, 512, SECRET_NAME);
}

/** A SecretId: a name, a full ARN or a partial ARN. @throws ValidationException */
export function requireSecretId(input: Input, key = 'SecretId'): string {
  return requireSecretReference(input, key, 2048, SECRET_ID);
}

/** A ClientRequestToken / version id member: 32 to 64 characters. */
export function readVersionId(input: Input, key: string): string | undefined {
  return readString(input, key, { min: 32, max: 64 });
}
