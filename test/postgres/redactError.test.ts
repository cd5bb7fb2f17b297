import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactError } from '../../src/postgres/redactError.js';

describe('redactError', () => {
  const secret = 'Hunter2-Secret!';

  it.each(['message', 'detail', 'hint', 'where', 'internalQuery'])('removes the secret from %s', (field) => {
    // Prepare
    const err = Object.assign(new Error('boom'), { [field]: `text with ${secret} inside` });

    // Act
    redactError(err, [secret]);

    // Assess
    expect((err as unknown as Record<string, string>)[field]).toBe('text with [REDACTED] inside');
  });

  it('removes the secret from the stack', () => {
    // Prepare
    const err = new Error(`failed for ${secret}`);

    // Act
    redactError(err, [secret]);

    // Assess
    expect(err.stack).not.toContain(secret);
  });

  it('reaches into AggregateError members and causes', () => {
    // Prepare
    const inner = new Error(`inner ${secret}`);
    const err = new Error('outer', { cause: new AggregateError([inner], `aggregate ${secret}`) });

    // Act
    redactError(err, [secret]);

    // Assess
    expect(inspect(err, { depth: Infinity })).not.toContain(secret);
  });
});
