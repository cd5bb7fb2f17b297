import { randomInt } from 'node:crypto';
import { KeyrollError } from '../errors.js';

const CLASSES = [
  'abcdefghijklmnopqrstuvwxyz',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  '0123456789',
  // Secrets Manager's own punctuation set (GetRandomPassword).
  '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
] as const;

export interface PasswordPolicy {
  length: number;
  /** Characters never used. */
  exclude: string;
}

/** The policy cannot produce a password (everything excluded, or shorter than the classes it must hold). */
export class PasswordPolicyError extends KeyrollError {}

/**
 * A password from node:crypto's CSPRNG: `length` characters, none of `exclude`, and at
 * least one of every character class (lower, upper, digit, punctuation) that the
 * exclusions leave non-empty. Unbiased: `randomInt` rejects out-of-range draws.
 * @throws PasswordPolicyError when no password can satisfy the policy.
 */
export function generatePassword(policy: PasswordPolicy): string {
  const excluded = new Set(policy.exclude);
  const classes = CLASSES.map((c) => [...c].filter((ch) => !excluded.has(ch))).filter((c) => c.length > 0);
  const alphabet = classes.flat();
  if (alphabet.length === 0) throw new PasswordPolicyError('EXCLUDE_CHARACTERS excludes every character a password can use');
  if (policy.length < classes.length) {
    throw new PasswordPolicyError(`PASSWORD_LENGTH ${policy.length} is shorter than the ${classes.length} character classes it must include`);
  }
  const chars = classes.map((c) => c[randomInt(c.length)]!);
  while (chars.length < policy.length) chars.push(alphabet[randomInt(alphabet.length)]!);
  // Fisher–Yates, so the guaranteed characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
