import { describe, expect, it } from 'vitest';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DescribeParametersCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  type Tag,
} from '@aws-sdk/client-ssm';
import { useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';

const aws = useTestAws();

let seq = 0;
const uniqueName = () => `/kr-tags/t${++seq}/param`;

const put = (input: ConstructorParameters<typeof PutParameterCommand>[0]) => aws.ssm.send(new PutParameterCommand(input));
const tagsOf = async (name: string) =>
  (await aws.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }))).TagList;
const addTags = (name: string, Tags: Tag[]) => aws.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags }));

describe('PutParameter with Tags', () => {
  it('tags the parameter it creates', async () => {
    // Prepare
    const name = uniqueName();

    // Act
    await put({ Name: name, Value: 'v', Type: 'String', Tags: [{ Key: 'team', Value: 'db' }] });

    // Assess
    expect(await tagsOf(name)).toEqual([{ Key: 'team', Value: 'db' }]);
  });

  it('answers ValidationException for Tags with Overwrite, changing neither the value nor the tags', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v1', Type: 'String', Tags: [{ Key: 'team', Value: 'db' }] });

    // Act
    const err = await captureError(put({ Name: name, Value: 'v2', Type: 'String', Overwrite: true, Tags: [{ Key: 'team', Value: 'web' }] }));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'ValidationException',
      message:
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. " +
        'To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.',
    });
    expect(await tagsOf(name)).toEqual([{ Key: 'team', Value: 'db' }]);
  });

  it('keeps the tags of a parameter an overwrite without Tags updates', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v1', Type: 'String', Tags: [{ Key: 'team', Value: 'db' }] });

    // Act
    await put({ Name: name, Value: 'v2', Overwrite: true });

    // Assess
    expect(await tagsOf(name)).toEqual([{ Key: 'team', Value: 'db' }]);
  });

  it('answers TooManyTagsError for more than 50 tags', async () => {
    // Prepare
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));

    // Act
    const err = await captureError(put({ Name: uniqueName(), Value: 'v', Type: 'String', Tags: tags }));

    // Assess
    expect(err.name).toBe('TooManyTagsError');
  });
});

describe('AddTagsToResource, RemoveTagsFromResource and ListTagsForResource', () => {
  it('adds tags and overwrites the value of a key already there', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String', Tags: [{ Key: 'team', Value: 'db' }] });

    // Act
    await addTags(name, [
      { Key: 'team', Value: 'platform' },
      { Key: 'secret', Value: 'orders' },
    ]);

    // Assess
    expect(await tagsOf(name)).toEqual([
      { Key: 'team', Value: 'platform' },
      { Key: 'secret', Value: 'orders' },
    ]);
  });

  it('removes the tags of the keys given', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] });

    // Act
    await aws.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: ['a'] }));

    // Assess
    expect(await tagsOf(name)).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('makes added tags visible to the tag filters of DescribeParameters', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String' });
    await addTags(name, [{ Key: 'mirror-of', Value: `secret-${seq}` }]);

    // Act
    const out = await aws.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'tag:mirror-of', Values: [`secret-${seq}`] }] }),
    );

    // Assess
    expect(out.Parameters?.map((p) => p.Name)).toEqual([name]);
  });

  it('forgets the tags of a deleted parameter', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String', Tags: [{ Key: 'a', Value: '1' }] });
    await aws.ssm.send(new DeleteParameterCommand({ Name: name }));

    // Act
    await put({ Name: name, Value: 'v', Type: 'String' });

    // Assess
    expect(await tagsOf(name)).toEqual([]);
  });

  it('answers InvalidResourceId for a parameter that does not exist', async () => {
    // Act
    const err = await captureError(tagsOf(uniqueName()));

    // Assess
    expect({ name: err.name, message: err.message }).toEqual({
      name: 'InvalidResourceId',
      message: "The resource ID isn't valid. Verify that you entered the correct ID and try again.",
    });
  });

  it('answers InvalidResourceType for a resource type other than Parameter', async () => {
    // Act
    const err = await captureError(
      aws.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Document', ResourceId: 'doc', Tags: [{ Key: 'a', Value: 'b' }] })),
    );

    // Assess
    expect(err.name).toBe('InvalidResourceType');
    expect(err.message).toContain('Document');
  });

  it('answers ValidationException for a resource type outside the enum', async () => {
    // Act
    const err = await captureError(
      aws.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Bucket' as 'Parameter', ResourceId: 'x' })),
    );

    // Assess
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain("'resourceType' failed to satisfy constraint: Member must satisfy enum value set");
  });

  it('answers TooManyTagsError when adding would pass 50 tags', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String', Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) });

    // Act
    const err = await captureError(addTags(name, [{ Key: 'one-more', Value: 'v' }]));

    // Assess
    expect(err.name).toBe('TooManyTagsError');
    expect((await tagsOf(name))?.length).toBe(50);
  });
});
