import { KeyrollError } from '../errors.js';

/**
 * The change to redeploy for cannot be formed: no secret and no parameter, a secret ARN
 * that is not one, a secret whose tags cannot be read. Nothing was restarted.
 */
export class RedeployInputError extends KeyrollError {}

/**
 * Discovery failed before any service was restarted: ECS refused to list or describe the
 * services (the SDK error is in `cause`), or a configured cluster does not exist (the subclass
 * ClusterNotFoundError).
 */
export class RedeployDiscoveryError extends KeyrollError {}

/**
 * A cluster named in the configuration (ECS_CLUSTERS, the CLI's `--cluster`) does not exist:
 * ListServices answered ClusterNotFoundException (the first such SDK error is in `cause`).
 * Nothing was restarted. A kind of RedeployDiscoveryError, so callers catching that still do.
 */
export class ClusterNotFoundError extends RedeployDiscoveryError {
  /** The configured names or ARNs that were not found, in configuration order. */
  readonly clusters: readonly string[];

  constructor(message: string, clusters: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.clusters = clusters;
  }
}

/**
 * "Services Redeployed" could not be published. The restarts already happened; a retry of
 * the same change restarts nothing (every restarted service is already rolling) and publishes again.
 */
export class RedeployEventError extends KeyrollError {}

/** The AWS error code (or error name) of a failure, for messages: never the foreign message or fields. */
export function nameOfError(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.name, e.Code, e.code]) if (typeof v === 'string' && v !== '' && v !== 'Error') return v;
  }
  return 'Error';
}
