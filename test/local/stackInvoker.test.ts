import { describe, expect, it } from 'vitest';
import { createOfflineInvoker } from '../../local/offlineInvoker.js';

/** An invoker whose calls finish only when the test says so, and that tracks how many run at once. */
function controlledInvoke() {
  const calls: Array<{ functionName: string; finish: (result?: unknown) => void; fail: (err: Error) => void }> = [];
  let running = 0;
  let mostAtOnce = 0;
  const invoke = (functionName: string) =>
    new Promise<unknown>((resolve, reject) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      const done = () => (running -= 1);
      calls.push({
        functionName,
        finish: (result) => {
          done();
          resolve(result);
        },
        fail: (err) => {
          done();
          reject(err);
        },
      });
    });
  return { invoke, calls, mostAtOnce: () => mostAtOnce };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createOfflineInvoker', () => {
  it('runs at most reservedConcurrency invocations of a function at once, the rest in arrival order', async () => {
    // Prepare
    const fake = controlledInvoke();
    const invoker = createOfflineInvoker({ lambdaUrl: 'http://127.0.0.1:1', reservedConcurrency: { 'keyroll-local-sync': 1 }, invoke: fake.invoke });
    // Act
    const results = ['a', 'b', 'c'].map((id) => invoker.invoke('keyroll-local-sync', { id }));
    for (let i = 0; i < 3; i++) {
      await settle();
      fake.calls[i]!.finish(i);
    }
    // Assess
    expect({ results: await Promise.all(results), mostAtOnce: fake.mostAtOnce() }).toEqual({ results: [0, 1, 2], mostAtOnce: 1 });
  });

  it('runs a function without reserved concurrency as often at once as it is invoked', async () => {
    // Prepare
    const fake = controlledInvoke();
    const invoker = createOfflineInvoker({ lambdaUrl: 'http://127.0.0.1:1', reservedConcurrency: { 'keyroll-local-sync': 1 }, invoke: fake.invoke });
    // Act
    const results = [1, 2, 3].map(() => invoker.invoke('keyroll-local-rotate', {}));
    await settle();
    for (const c of fake.calls) c.finish();
    await Promise.all(results);
    // Assess
    expect(fake.mostAtOnce()).toBe(3);
  });

  it('records the event that triggered an invocation and the reason the function gave for ignoring it', async () => {
    // Prepare
    const invoker = createOfflineInvoker({
      lambdaUrl: 'http://127.0.0.1:1',
      invoke: async () => ({ outcome: 'ignored', reason: 'parameter /app/db/url is mirrored by keyroll' }),
    });
    // Act
    await invoker.invoke('keyroll-local-redeploy', {
      id: 'event-1',
      source: 'aws.ssm',
      'detail-type': 'Parameter Store Change',
      detail: { operation: 'Update', name: '/app/db/url' },
    });
    // Assess
    expect(invoker.invocations).toEqual([
      expect.objectContaining({
        functionName: 'keyroll-local-redeploy',
        ok: true,
        trigger: { kind: 'event', source: 'aws.ssm', detailType: 'Parameter Store Change', eventId: 'event-1', parameterName: '/app/db/url' },
        ignored: 'parameter /app/db/url is mirrored by keyroll',
      }),
    ]);
  });

  it('records a failed invocation with the function message and rethrows the error', async () => {
    // Prepare
    const invoker = createOfflineInvoker({
      lambdaUrl: 'http://127.0.0.1:1',
      invoke: async () => {
        throw new Error('setSecret: secret arn:x: cannot log in');
      },
    });
    // Act
    const failure = await invoker.invoke('keyroll-local-rotate', { SecretId: 'arn:x', ClientRequestToken: 't', Step: 'setSecret' }).catch((e: Error) => e.message);
    // Assess
    expect({ failure, recorded: invoker.invocations }).toEqual({
      failure: 'setSecret: secret arn:x: cannot log in',
      recorded: [expect.objectContaining({ ok: false, error: 'setSecret: secret arn:x: cannot log in', trigger: { kind: 'rotation', secretId: 'arn:x', step: 'setSecret' } })],
    });
  });
});
