import { describe, expect, it } from 'vitest';
import { validateFunctionArn, validateRotationRules } from '../../src/cli/validateRotationRules.js';
import { UsageError } from '../../src/cli/errors.js';

describe('validateRotationRules', () => {
  it.each([
    ['rate(30 days)', undefined, { ScheduleExpression: 'rate(30 days)' }],
    ['rate(1 day)', '24h', { ScheduleExpression: 'rate(1 day)', Duration: '24h' }],
    ['rate(4 hours)', '4h', { ScheduleExpression: 'rate(4 hours)', Duration: '4h' }],
    ['  rate(12 hours) ', '2h', { ScheduleExpression: 'rate(12 hours)', Duration: '2h' }],
    ['cron(0 4 ? * SUN *)', '3h', { ScheduleExpression: 'cron(0 4 ? * SUN *)', Duration: '3h' }],
    ['cron(0 4/12 * * ? *)', '2h', { ScheduleExpression: 'cron(0 4/12 * * ? *)', Duration: '2h' }],
    ['cron(0 16 L * ? *)', '8h', { ScheduleExpression: 'cron(0 16 L * ? *)', Duration: '8h' }],
  ])('accepts %s with window %s', (schedule, duration, rules) => {
    // Act
    const result = validateRotationRules(schedule, duration);

    // Assess
    expect(result).toEqual(rules);
  });

  it.each([
    ['rate(0 days)', undefined],
    ['rate(3 hours)', undefined],
    ['rate(1001 days)', undefined],
    ['rate(30 weeks)', undefined],
    ['cron(0 4 * * * *)', undefined],
    ['cron(0 4 ? * ? *)', undefined],
    ['cron(0 4 ; * ? *)', undefined],
    ['rate(30 days)', '0h'],
    ['rate(30 days)', '2 hours'],
    ['rate(4 hours)', '5h'],
    ['cron(0 22 * * ? *)', '3h'],
  ])('refuses %s with window %s', (schedule, duration) => {
    // Act / Assess
    expect(() => validateRotationRules(schedule, duration)).toThrow(UsageError);
  });
});

describe('validateFunctionArn', () => {
  it.each([
    ['arn:aws:lambda:eu-west-1:123456789012:function:keyroll-prod-rotate', true],
    ['arn:aws:lambda:eu-west-1:123456789012:function:keyroll-prod-rotate:live', true],
    ['arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:rotate', true],
    ['keyroll-prod-rotate', false],
    ['arn:aws:lambda:eu-west-1:123456789012:layer:x', false],
  ])('judges %s a function ARN: %s', (arn, ok) => {
    // Act
    const check = () => validateFunctionArn(arn, '--function');

    // Assess
    if (ok) expect(check()).toBe(arn);
    else expect(check).toThrow(/is not a Lambda function ARN/);
  });
});
