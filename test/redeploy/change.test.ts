import { describe, expect, it } from 'vitest';
import { RedeployInputError } from '../../src/redeploy/errors.js';
import { latestInstantOf, secretNameOfArn, validateChange, type Change } from '../../src/redeploy/change.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf';
const at = new Date('2026-01-01T00:00:00Z');

describe('secretNameOfArn', () => {
  it.each([
    ['drops the 6-character suffix of a full ARN', ARN, 'app/db'],
    ['keeps a name without a suffix', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db', 'db'],
    ['answers nothing for an ARN of another service', 'arn:aws:ssm:us-east-1:123456789012:parameter/db', undefined],
  ])('%s', (_what, arn, expected) => {
    // Act
    const name = secretNameOfArn(arn);

    // Assess
    expect(name).toBe(expected);
  });
});

describe('latestInstantOf', () => {
  it('takes the end of the second for an EventBridge time truncated to the second', () => {
    // Act
    const when = latestInstantOf('2026-01-01T10:00:05Z');

    // Assess
    expect(when.toISOString()).toBe('2026-01-01T10:00:05.999Z');
  });

  it('keeps a timestamp that has milliseconds', () => {
    // Act
    const when = latestInstantOf('2026-01-01T10:00:05.123Z');

    // Assess
    expect(when.toISOString()).toBe('2026-01-01T10:00:05.123Z');
  });

  it('refuses text that is not a timestamp', () => {
    // Act
    const act = () => latestInstantOf('yesterday');

    // Assess
    expect(act).toThrow(RedeployInputError);
  });
});

describe('validateChange', () => {
  it.each<[string, Change, RegExp]>([
    ['a change with no secret and no parameter', { parameterNames: [], changedAt: at }, /names no secret and no parameter/],
    ['a secret ARN that is not one', { secretArn: 'arn:aws:s3:::bucket', parameterNames: [], changedAt: at }, /is not a Secrets Manager secret ARN/],
    ['an invalid change time', { secretArn: ARN, parameterNames: [], changedAt: new Date('x') }, /change time is not a valid date/],
    ['a parameter name with a version selector', { parameterNames: ['/app/db:3'], changedAt: at }, /is not a parameter name/],
  ])('refuses %s', (_what, change, message) => {
    // Act
    const act = () => validateChange(change);

    // Assess
    expect(act).toThrow(message);
  });

  it('accepts a secret ARN with its parameters', () => {
    // Act
    const act = () => validateChange({ secretArn: ARN, parameterNames: ['/app/db/password'], versionId: 'v1', changedAt: at });

    // Assess
    expect(act).not.toThrow();
  });
});
