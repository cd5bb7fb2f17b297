import { KeyrollError } from '../errors.js';
import { redact } from '../secret.js';

/**
 * Mirroring a secret into Parameter Store failed: a read or write of Secrets Manager, SSM or
 * EventBridge (the SDK failure is in `cause`). The message names the secret and the parameter,
 * never a value.
 */
export class ParameterSyncError extends KeyrollError {}

/**
 * The secret cannot be mapped to parameters: an invalid `keyroll:ssm-path`, a path outside the
 * allowed prefixes, a tag naming a key the secret lacks, a value SSM would refuse. Detected
 * before anything is written for that secret.
 */
export class ParameterMappingError extends ParameterSyncError {}

/**
 * `<name>: <message>` of an SDK failure, for an error message. The values being written are
 * redacted from it (verbatim or percent-encoded) in case a service echoes one back.
 */
export function awsErrorText(err: unknown, values: ReadonlyArray<string> = []): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return redact(text, values).slice(0, 500);
}
