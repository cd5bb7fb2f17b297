/**
 * Base of every error keyroll throws on purpose. Messages name the operation, the
 * resource and the expectation that failed; they never carry a secret value.
 * SDK and pg failures ride in `cause` and nothing else does.
 */
export class KeyrollError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration (environment variables) that fails validation; the message names the variable. */
export class ConfigError extends KeyrollError {}

/** An event that does not match any shape the receiving function accepts. */
export class EventShapeError extends KeyrollError {}
