import { KeyrollError } from '../errors.js';

/**
 * The secret's rotation state forbids the step: rotation disabled, a token that is not a
 * version of the secret, a token without AWSPENDING. Nothing was written.
 */
export class RotationStateError extends KeyrollError {}

/**
 * The secret's content cannot be rotated as asked: a clone name over 63 characters, a
 * pending user or host that differs from the current one, a master on another host.
 */
export class RotationConfigError extends KeyrollError {}

/** The database refused or could not be reached during a step (the pg failure is in `cause`). */
export class RotationDatabaseError extends KeyrollError {}
