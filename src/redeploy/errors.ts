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
