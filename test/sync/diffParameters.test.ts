import { describe, expect, it } from 'vitest';
import { diffParameters, sameKmsKey } from '../../src/sync/diffParameters.js';
import type { DesiredParameter } from '../../src/sync/planParameters.js';
import type { CurrentParameter } from '../../src/sync/readParameters.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:1:secret:x';
const OWN = `keyroll: secret ${ARN} version v1`;

const desired = (over: Partial<DesiredParameter> = {}): DesiredParameter => ({
  name: '/app/db/password',
  key: 'password',
  value: 'new-secret-value',
  type: 'SecureString',
  description: 'keyroll: secret arn:aws:secretsmanager:us-east-1:1:secret:x version v2',
  ...over,
});

const current = (over: Partial<CurrentParameter> = {}): Map<string, CurrentParameter> =>
  new Map([['/app/db/password', { name: '/app/db/password', type: 'SecureString', value: 'new-secret-value', keyId: 'alias/aws/ssm', description: OWN, ...over }]]);

describe('diffParameters', () => {
  it('leaves a parameter with equal value, type and key unchanged even when the description names another version', () => {
    // Prepare
    const now = current({ description: OWN });

    // Act
    const diff = diffParameters([desired()], now, ARN);

    // Assess
    expect(diff).toEqual({ toWrite: [], unchanged: ['/app/db/password'], foreign: [] });
  });

  it.each([
    ['missing', new Map<string, CurrentParameter>()],
    ['value', current({ value: 'old-secret-value' })],
    ['type', current({ type: 'String', keyId: undefined })],
    ['kms-key', current({ keyId: 'alias/other' })],
  ])('writes a parameter whose %s differs', (reason, now) => {
    // Act
    const diff = diffParameters([desired()], now, ARN);

    // Assess
    expect(diff.toWrite.map((w) => [w.reason, w.create])).toEqual([[reason, reason === 'missing']]);
  });

  it.each([
    ['no description', { description: undefined }, 'another writer (no description)'],
    ['a description of its own', { description: 'billing API endpoint' }, "another writer (its description is not keyroll's)"],
    ["keyroll's description for another secret", { description: 'keyroll: secret arn:aws:secretsmanager:us-east-1:1:secret:other version v9' }, 'keyroll, for secret arn:aws:secretsmanager:us-east-1:1:secret:other'],
  ])('never writes an existing parameter with %s, even one with the desired value', (_label, over, owner) => {
    // Act
    const diff = diffParameters([desired()], current({ value: 'someone-else', ...over }), ARN);

    // Assess
    expect(diff).toEqual({ toWrite: [], unchanged: [], foreign: [{ name: '/app/db/password', owner }] });
  });

  it('takes over a foreign parameter only when asked to adopt it', () => {
    // Act
    const diff = diffParameters([desired()], current({ description: 'set by hand' }), ARN, { adopt: true });

    // Assess
    expect(diff.toWrite.map((w) => [w.parameter.name, w.reason, w.create])).toEqual([['/app/db/password', 'adopted', false]]);
    expect(diff.foreign).toEqual([]);
  });

  it('names the default key explicitly when moving a parameter back from another key', () => {
    // Act
    const diff = diffParameters([desired()], current({ keyId: 'alias/other' }), ARN);

    // Assess
    expect(diff.toWrite[0]!.keyId).toBe('alias/aws/ssm');
  });

  it('sends no KeyId for a String parameter', () => {
    // Act
    const diff = diffParameters([desired({ type: 'String' })], current({ value: 'other' }), ARN);

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
