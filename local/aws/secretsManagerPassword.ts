import { randomInt } from 'node:crypto';
import { AwsApiError } from './types.js';

/** GetRandomPassword's parameters, with AWS's defaults applied by the caller or here. */
export interface RandomPasswordOptions {
  passwordLength?: number;
  excludeCharacters?: string;
  excludeNumbers?: boolean;
  excludePunctuation?: boolean;
  excludeUppercase?: boolean;
  excludeLowercase?: boolean;
  includeSpace?: boolean;
  requireEachIncludedType?: boolean;
}

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMBERS = '0123456789';
// AWS's punctuation set: every printable ASCII character that is not a letter, digit or space.
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * Generates a password the way GetRandomPassword does: `passwordLength` characters (default
 * 32) drawn uniformly with node:crypto from the included classes minus `excludeCharacters`;
 * with `requireEachIncludedType` (default true) at least one character of each included
 * class among lowercase, uppercase, numbers and punctuation.
 * @throws InvalidParameterException when the exclusions leave nothing to draw from, or the
 *   length is below the number of required classes.
 */
export function generateRandomPassword(options: RandomPasswordOptions = {}): string {
  const length = options.passwordLength ?? 32;
  const excluded = new Set(options.excludeCharacters ?? '');
  const keep = (chars: string) => [...chars].filter((c) => !excluded.has(c)).join('');

  const classes: string[] = [];
  if (!options.excludeLowercase) classes.push(keep(LOWERCASE));
  if (!options.excludeUppercase) classes.push(keep(UPPERCASE));
  if (!options.excludeNumbers) classes.push(keep(NUMBERS));
  if (!options.excludePunctuation) classes.push(keep(PUNCTUATION));
  // Space widens the pool but is not a class a password is required to contain.
  const space = options.includeSpace && !excluded.has(' ') ? ' ' : '';
  const required = classes.filter((c) => c.length > 0);
  const pool = required.join('') + space;

  if (pool.length === 0) {
    throw new AwsApiError('InvalidParameterException', 'The password cannot be generated: every character is excluded.');
  }
  const requireEach = options.requireEachIncludedType ?? true;
  if (requireEach && length < required.length) {
    throw new AwsApiError('InvalidParameterException', 'Password length is too short based on the required types.');
  }

  const chars: string[] = [];
  if (requireEach) for (const cls of required) chars.push(pick(cls));
  while (chars.length < length) chars.push(pick(pool));
  // The required characters were placed first: shuffle so their positions are random too.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function pick(chars: string): string {
  return chars.charAt(randomInt(chars.length));
}
