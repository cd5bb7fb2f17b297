import { AwsApiError } from './types.js';
import { createConstraintError, readEnum, readObjectList, requireString, type RequestFields } from './requestFields.js';
import { requireStringList } from './ssmInput.js';

/**
 * Parameter Store tags: PutParameter's `Tags` (only when creating) and the tagging API
 * (AddTagsToResource, RemoveTagsFromResource, ListTagsForResource with ResourceType
 * `Parameter`, ResourceId the parameter name), answered with the errors and texts of the
 * Systems Manager API reference.
 */

export interface Tag {
  Key: string;
  Value: string;
}

/** "Most resources can have a maximum of 50 tags" (AddTagsToResource). */
const MAX_TAGS_PER_RESOURCE = 50;

// The ResourceTypeForTagging values, in the API reference's order.
const RESOURCE_TYPES = [
  'Document',
  'ManagedInstance',
  'MaintenanceWindow',
  'Parameter',
  'PatchBaseline',
  'OpsItem',
  'OpsMetadata',
  'Automation',
  'Association',
] as const;

export const invalidResourceId = () =>
  new AwsApiError('InvalidResourceId', "The resource ID isn't valid. Verify that you entered the correct ID and try again.");

const tooManyTags = () =>
  new AwsApiError('TooManyTagsError', 'The Targets parameter includes too many tags. Remove one or more tags and try the command again.');

/** Tags of a request (PutParameter, AddTagsToResource): keys 1..128, values 0..256 characters. */
export function readTags(input: RequestFields): Tag[] {
  return (readObjectList(input, 'Tags') ?? []).map((t, i) => {
    const key = t['Key'];
    const value = t['Value'];
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
      throw createConstraintError(`Tags.${i + 1}.member.key`, 'Member must have length between 1 and 128');
    }
    if (typeof value !== 'string' || value.length > 256) {
      throw createConstraintError(`Tags.${i + 1}.member.value`, 'Member must have length between 0 and 256');
    }
    return { Key: key, Value: value };
  });
}

/**
 * The tags after adding `added` to `existing`: a key already there takes the new value.
 * @throws TooManyTagsError past 50 tags on the parameter.
 */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.Key, { ...t }]));
  for (const t of added) byKey.set(t.Key, { ...t });
  if (byKey.size > MAX_TAGS_PER_RESOURCE) throw tooManyTags();
  return [...byKey.values()];
}

/**
 * ResourceType and ResourceId of a tagging call; only parameters are tagged here.
 * @throws ValidationException for a ResourceType outside the enum, InvalidResourceType for
 *   another type than `Parameter`.
 */
export function readTaggedParameterName(input: RequestFields): string {
  const type = readEnum(input, 'ResourceType', RESOURCE_TYPES);
  if (type === undefined) throw createConstraintError('ResourceType', 'Member must not be null', null);
  const id = requireString(input, 'ResourceId');
  if (type !== 'Parameter') {
    throw new AwsApiError(
      'InvalidResourceType',
      `The resource type isn't valid. For example, if you are attempting to tag an EC2 instance, the instance must be a registered managed node. (keyroll's local endpoint tags only the Parameter type, not ${type}.)`,
    );
  }
  return id;
}

/** RemoveTagsFromResource's TagKeys. */
export const readTagKeys = (input: RequestFields): string[] => requireStringList(input, 'TagKeys', 0, 1000);
