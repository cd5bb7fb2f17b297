import { describe, expect, it } from 'vitest';
import { diffParameters, sameKmsKey } from '../../src/sync/diffParameters.js';
import type { DesiredParameter } from '../../src/sync/planParameters.js';
import type { CurrentParameter } from '../../src/sync/readParameters.js';

const desired = (over: Partial<DesiredParameter> = {}): DesiredParameter => ({
  name: '/app/db/password',
  key: 'password',
  value: 'new-secret-value',
  type: 'SecureString',
  description: 'keyroll: secret arn:aws:secretsmanager:us-east-1:1:secret:x version v2',
  ...over,
});

const current = (over: Partial<CurrentParameter> = {}): Map<string, CurrentParameter> =>
  new Map([['/app/db/password', { name: '/app/db/password', type: 'SecureString', value: 'new-secret-value', keyId: 'alias/aws/ssm', ...over }]]);

describe('diffParameters', () => {
  it('leaves a parameter with equal value, type and key unchanged even when the description names another version', () => {
    // Prepare
    const now = current({ description: 'keyroll: secret arn:aws:secretsmanager:us-east-1:1:secret:x version v1' });

    // Act
    const diff = diffParameters([desired()], now);

    // Assess
    expect(diff).toEqual({ toWrite: [], unchanged: ['/app/db/password'] });
  });

  it.each([
    ['missing', new Map<string, CurrentParameter>()],
    ['value', current({ value: 'old-secret-value' })],
    ['type', current({ type: 'String', keyId: undefined })],
    ['kms-key', current({ keyId: 'alias/other' })],
  ])('writes a parameter whose %s differs', (reason, now) => {
    // Act
    const diff = diffParameters([desired()], now);

    // Assess
    expect(diff.toWrite.map((w) => w.reason)).toEqual([reason]);
  });

  it('names the default key explicitly when moving a parameter back from another key', () => {
    // Act
    const diff = diffParameters([desired()], current({ keyId: 'alias/other' }));

    // Assess
    expect(diff.toWrite[0]!.keyId).toBe('alias/aws/ssm');
  });

  it('sends no KeyId for a String parameter', () => {
    // Act
    const diff = diffParameters([desired({ type: 'String' })], current({ value: 'other' }));

    // Assess
    expect(diff.toWrite[0]).not.toHaveProperty('keyId');
  });
});

describe('sameKmsKey', () => {
  it.each([
    ['alias/app', 'alias/app', true],
    ['alias/app', 'arn:aws:kms:us-east-1:123456789012:alias/app', true],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', true],
    [undefined, 'alias/aws/ssm', true],
    [undefined, 'arn:aws:kms:us-east-1:123456789012:alias/aws/ssm', true],
    ['alias/app', undefined, true],
    [undefined, 'alias/app', false],
    ['alias/app', 'alias/other', false],
    ['alias/app', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab', false],
  ])('judges wanted %s and stored %s the same key: %s', (wanted, stored, same) => {
    // Act
    const result = sameKmsKey(wanted, stored);

    // Assess
    expect(result).toBe(same);
  });
});
