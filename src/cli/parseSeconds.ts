import { InvalidArgumentError } from 'commander';

/**
 * Parses a positive number of seconds (decimals allowed) for `--timeout` and `--interval`.
 * @throws InvalidArgumentError (commander's usage error, exit code 2).
 */
export function parseSeconds(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 86_400) {
    throw new InvalidArgumentError(`"${text}" is not a number of seconds from 0 to 86400`);
  }
  return n;
}
