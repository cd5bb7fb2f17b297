import { describe, expect, it } from 'vitest';
import { generatePassword, PasswordPolicyError } from '../../src/rotation/password.js';
import { DEFAULT_EXCLUDE_CHARACTERS } from '../../src/config.js';

describe('generatePassword', () => {
  it('has the requested length and none of the excluded characters', () => {
    // Act
    const passwords = Array.from({ length: 200 }, () => generatePassword({ length: 32, exclude: DEFAULT_EXCLUDE_CHARACTERS }));
    // Assess
    for (const p of passwords) {
      expect(p).toHaveLength(32);
      for (const ch of DEFAULT_EXCLUDE_CHARACTERS) expect(p).not.toContain(ch);
    }
    expect(new Set(passwords).size).toBe(200);
  });

  it('includes every character class that is not excluded', () => {
    // Act
    const passwords = Array.from({ length: 200 }, () => generatePassword({ length: 8, exclude: DEFAULT_EXCLUDE_CHARACTERS }));
    // Assess
    for (const p of passwords) {
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[^a-zA-Z0-9]/);
    }
  });

  it('leaves out a class whose characters are all excluded', () => {
    // Act
    const p = generatePassword({ length: 40, exclude: '0123456789' });
    // Assess
    expect(p).not.toMatch(/[0-9]/);
  });

  it.each([
    [{ length: 3, exclude: '' }, 'shorter than the 4 character classes'],
    [{ length: 10, exclude: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' }, 'excludes every character'],
  ])('refuses a policy it cannot satisfy (%o)', (policy, message) => {
    expect(() => generatePassword(policy)).toThrow(PasswordPolicyError);
    expect(() => generatePassword(policy)).toThrow(message);
  });
});
