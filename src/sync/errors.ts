import { KeyrollError } from '../errors.js';

/**
 * Mirroring a secret into Parameter Store failed: a read or write of Secrets Manager, SSM or
 * EventBridge (the SDK failure is in `cause`). The message names the secret and the parameter,
 * never a value.
 */
export class ParameterSyncError extends KeyrollError {}

/**
 * The secret cannot be mapped to parameters: an invalid `keyroll:ssm-path`, a path the deployer's
 * rule does not bind to this secret, a master secret, a tag naming a key the secret lacks, a value
 * SSM would refuse. Detected before anything is written for that secret.
 */
export class ParameterMappingError extends ParameterSyncError {}

/**
 * A parameter the secret would mirror to exists and was not written by keyroll for this secret
 * (its Description names no secret, or another one). Nothing was written for the secret; adopting
 * the parameter is an explicit act (`keyroll sync <secret> --adopt`).
 */
export class ParameterOwnershipError extends ParameterMappingError {
  readonly parameters: readonly string[];
  constructor(message: string, parameters: readonly string[]) {
    super(message);
    this.parameters = parameters;
  }
}
