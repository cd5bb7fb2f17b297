import { describe, expect, it } from 'vitest';
import { GetRandomPasswordCommand, type GetRandomPasswordRequest } from '@aws-sdk/client-secrets-manager';
import { useTestAws } from '../../support/endpoint.js';
import { captureError } from '../../support/captureError.js';

const aws = useTestAws();

const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

async function passwordFor(request: GetRandomPasswordRequest = {}): Promise<string> {
  return (await aws.sm.send(new GetRandomPasswordCommand(request))).RandomPassword!;
}

describe('GetRandomPassword', () => {
  it('answers 32 characters with a lowercase letter, an uppercase letter, a digit and a punctuation mark by default', async () => {
    // Act
    const password = await passwordFor();

    // Assess
    expect(password).toHaveLength(32);
    expect(password).toMatch(/[a-z]/);
    expect(password).toMatch(/[A-Z]/);
    expect(password).toMatch(/[0-9]/);
    expect(password).toMatch(PUNCTUATION);
    expect(password).not.toContain(' ');
  });

  it.each([1, 4, 4096])('answers exactly PasswordLength characters (%i)', async (length) => {
    // Act
    const password = await passwordFor({ PasswordLength: length, RequireEachIncludedType: length >= 4 });

    // Assess
    expect(password).toHaveLength(length);
  });

  it('never uses a character listed in ExcludeCharacters', async () => {
    // Prepare
    const excluded = ':/@"\'\\ abcdefghijklmnopqrstuvwxyz';

    // Act
    const password = await passwordFor({ PasswordLength: 4096, ExcludeCharacters: excluded });

    // Assess
    expect([...password].filter((c) => excluded.includes(c))).toEqual([]);
  });

  it.each([
    ['ExcludeNumbers', /[0-9]/],
    ['ExcludePunctuation', PUNCTUATION],
    ['ExcludeUppercase', /[A-Z]/],
    ['ExcludeLowercase', /[a-z]/],
  ])('leaves the class out with %s', async (option, pattern) => {
    // Act
    const password = await passwordFor({ PasswordLength: 2048, [option]: true });

    // Assess
    expect(password).not.toMatch(pattern);
  });

  it('may use spaces with IncludeSpace', async () => {
    // Act
    const password = await passwordFor({ PasswordLength: 4096, IncludeSpace: true });

    // Assess
    expect(password).toContain(' ');
  });

  it('draws from the whole pool, so two passwords differ', async () => {
    // Act
    const [a, b] = await Promise.all([passwordFor(), passwordFor()]);

    // Assess
    expect(a).not.toBe(b);
  });

  it('answers InvalidParameterException for a length below the number of required types', async () => {
    // Act
    const err = await captureError(passwordFor({ PasswordLength: 3 }));

    // Assess
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Password length is too short based on the required types.');
  });

  it('answers a short password when RequireEachIncludedType is false', async () => {
    // Act
    const password = await passwordFor({ PasswordLength: 2, RequireEachIncludedType: false });

    // Assess
    expect(password).toHaveLength(2);
  });

  it.each([0, 4097])('answers ValidationException for PasswordLength %i', async (length) => {
    // Act
    const err = await captureError(passwordFor({ PasswordLength: length }));

    // Assess
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain('passwordLength');
  });

  it('answers InvalidParameterException when every character is excluded', async () => {
    // Act
    const err = await captureError(
      passwordFor({ ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true, ExcludeCharacters: '0123456789' }),
    );

    // Assess
    expect(err.name).toBe('InvalidParameterException');
  });
});
