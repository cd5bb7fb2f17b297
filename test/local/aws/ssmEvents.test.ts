import { describe, expect, it } from 'vitest';
import { DeleteParameterCommand, DeleteParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { useTestAws } from '../../support/endpoint.js';

const aws = useTestAws();

let seq = 0;
const uniqueName = (leaf = 'param') => `/kr-events/t${++seq}/${leaf}`;

const put = (input: ConstructorParameters<typeof PutParameterCommand>[0]) => aws.ssm.send(new PutParameterCommand(input));

/** The Parameter Store Change events about one parameter, in the order they were published. */
const changesOf = (name: string) =>
  aws.endpoint.eventBridge.events.filter(
    (e) => e.source === 'aws.ssm' && (e.detail as { name?: string } | null)?.name === name,
  );

describe('Parameter Store Change events', () => {
  it('publishes a Create event with the name, type, description and ARN of a new parameter', async () => {
    // Prepare
    const name = uniqueName('host');

    // Act
    await put({ Name: name, Value: 'db.internal', Type: 'String', Description: 'mirrors secret app/db' });

    // Assess
    expect(changesOf(name)).toEqual([
      expect.objectContaining({
        source: 'aws.ssm',
        'detail-type': 'Parameter Store Change',
        account: '000000000000',
        region: 'us-east-1',
        resources: [`arn:aws:ssm:us-east-1:000000000000:parameter${name}`],
        detail: { operation: 'Create', name, type: 'String', description: 'mirrors secret app/db' },
      }),
    ]);
  });

  it('publishes an Update event on each overwrite', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v1', Type: 'String' });

    // Act
    await put({ Name: name, Value: 'v2', Type: 'SecureString', Overwrite: true });

    // Assess
    expect(changesOf(name).map((e) => e.detail)).toEqual([
      { operation: 'Create', name, type: 'String' },
      { operation: 'Update', name, type: 'SecureString' },
    ]);
  });

  it('publishes a Delete event when DeleteParameter removes a parameter', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String', Description: 'd' });

    // Act
    await aws.ssm.send(new DeleteParameterCommand({ Name: name }));

    // Assess
    expect(changesOf(name).at(-1)?.detail).toEqual({ operation: 'Delete', name, type: 'String', description: 'd' });
  });

  it('publishes one Delete event per parameter DeleteParameters removes', async () => {
    // Prepare
    const a = uniqueName('a');
    const b = uniqueName('b');
    await put({ Name: a, Value: 'v', Type: 'String' });
    await put({ Name: b, Value: 'v', Type: 'StringList' });

    // Act
    await aws.ssm.send(new DeleteParametersCommand({ Names: [a, b, uniqueName('missing')] }));

    // Assess
    expect(changesOf(a).at(-1)?.detail).toMatchObject({ operation: 'Delete', type: 'String' });
    expect(changesOf(b).at(-1)?.detail).toMatchObject({ operation: 'Delete', type: 'StringList' });
  });

  it('publishes nothing for a write that was refused', async () => {
    // Prepare
    const name = uniqueName();
    await put({ Name: name, Value: 'v', Type: 'String' });

    // Act
    await put({ Name: name, Value: 'again', Type: 'String' }).catch(() => undefined);

    // Assess
    expect(changesOf(name).map((e) => (e.detail as { operation: string }).operation)).toEqual(['Create']);
  });

  it('never carries a parameter value', async () => {
    // Prepare
    const name = uniqueName('password');
    const password = 'do-not-leak-7c1e9b';

    // Act
    await put({ Name: name, Value: password, Type: 'SecureString' });
    await put({ Name: name, Value: `${password}-2`, Overwrite: true });
    await aws.ssm.send(new DeleteParameterCommand({ Name: name }));

    // Assess
    expect(changesOf(name)).toHaveLength(3);
    expect(JSON.stringify(aws.endpoint.eventBridge.events)).not.toContain(password);
  });
});
