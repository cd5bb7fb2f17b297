import { KeyrollError } from '../errors.js';

/**
 * The command line asks for something the CLI cannot do: an invalid schedule, duration,
 * ARN or option combination. Detected before any AWS call. Exit code 2.
 */
export class UsageError extends KeyrollError {}

/** The secret (or cluster) named on the command line does not exist. Exit code 3. */
export class NotFoundError extends KeyrollError {}

/** A check made before changing anything failed (e.g. `enable`: AWSCURRENT cannot log in). Nothing was changed. Exit code 1. */
export class PreflightError extends KeyrollError {}
