import { describe, expect, it } from 'vitest';
import { originalUserOf, otherUserOf, strategyOf } from '../../src/rotation/strategy.js';
import { RotationConfigError } from '../../src/rotation/errors.js';
import type { PostgresSecret } from '../../src/secret.js';

const secret = (extra: Partial<PostgresSecret> = {}): PostgresSecret =>
  ({ engine: 'postgres', host: 'db', username: 'app', password: 'x', ...extra }) as PostgresSecret;

describe('strategyOf', () => {
  it.each([
    ['single user without masterarn', secret(), undefined, 'single-user'],
    ['alternating users with masterarn', secret({ masterarn: 'arn:m' }), undefined, 'alternating-users'],
    ['single user when tagged so, even with masterarn', secret({ masterarn: 'arn:m' }), [{ Key: 'keyroll:strategy', Value: 'single-user' }], 'single-user'],
    ['single user when the alternating tag is stale and masterarn is gone', secret(), [{ Key: 'keyroll:strategy', Value: 'alternating-users' }], 'single-user'],
  ])('chooses %s', (_name, value, tags, expected) => {
    expect(strategyOf(value, tags)).toBe(expected);
  });
});

describe('otherUserOf', () => {
  it.each([
    ['app', 'app_clone'],
    ['app_clone', 'app'],
    ['u'.repeat(57), `${'u'.repeat(57)}_clone`],
  ])('alternates %s with %s', (from, to) => {
    expect(otherUserOf(from, 'arn:s')).toBe(to);
    expect(originalUserOf(to)).toBe(originalUserOf(from));
  });

  it('refuses a clone name over 63 bytes', () => {
    expect(() => otherUserOf('u'.repeat(58), 'arn:s')).toThrow(RotationConfigError);
  });
});
