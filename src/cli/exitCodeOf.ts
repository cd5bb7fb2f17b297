import { CommanderError } from 'commander';
import { ConfigError } from '../errors.js';
import { DatabaseConnectionError } from '../postgres/errors.js';
import { ClusterNotFoundError } from '../redeploy/errors.js';
import { NotFoundError, UsageError } from './errors.js';

/** Exit codes scripts can rely on. */
export const EXIT_OK = 0;
/** A check or an operation failed (doctor found a failing check, a rotation did not finish, a sync failed). */
export const EXIT_FAILED = 1;
/** Bad arguments or configuration (commander's own errors, invalid schedule, invalid environment variable). */
export const EXIT_USAGE = 2;
/** The secret or cluster does not exist. */
export const EXIT_NOT_FOUND = 3;
/** AWS refused a call or could not be reached; the database could not be reached. */
export const EXIT_AWS = 4;

// Commander's codes for output the user asked for: not errors.
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.version']);
const NOT_FOUND_NAMES = new Set(['ResourceNotFoundException', 'ClusterNotFoundException', 'ParameterNotFound']);
// Node's codes for a network failure below the SDK.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** The error and its causes, outermost first (bounded: a cause cycle cannot loop). */
export function causeChainOf(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 10 && !chain.includes(e)) {
    chain.push(e);
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

const nameOf = (e: unknown): string | undefined =>
  e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : undefined;

const isAwsServiceError = (e: unknown): boolean =>
  !!e && typeof e === 'object' && '$metadata' in e && typeof (e as { $fault?: unknown }).$fault === 'string';

const isNetworkError = (e: unknown): boolean => {
  if (!e || typeof e !== 'object') return false;
  const { code, name } = e as { code?: unknown; name?: unknown };
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || name === 'TimeoutError' || name === 'AbortError';
};

/**
 * The exit code for an error that ended a command, from its class or, for wrapped SDK and
 * network failures, from its cause chain: 2 usage or configuration, 3 not found, 4 AWS or
 * network, 1 anything else (a domain failure: bad secret JSON, a refused mapping...).
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return COMMANDER_OK.has(err.code) ? EXIT_OK : EXIT_USAGE;
  if (err instanceof UsageError || err instanceof ConfigError) return EXIT_USAGE;
  const chain = causeChainOf(err);
  if (chain.some((e) => e instanceof NotFoundError || e instanceof ClusterNotFoundError || NOT_FOUND_NAMES.has(nameOf(e) ?? ''))) return EXIT_NOT_FOUND;
  // The SDK's "Region is missing" is a configuration problem, not a failed call.
  if (chain.some((e) => e instanceof Error && /region is missing/i.test(e.message))) return EXIT_USAGE;
  if (chain.some((e) => isAwsServiceError(e) || isNetworkError(e) || e instanceof DatabaseConnectionError || nameOf(e) === 'CredentialsProviderError')) {
    return EXIT_AWS;
  }
  return EXIT_FAILED;
}
