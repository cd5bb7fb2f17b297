import { clipList } from '../errors.js';
import { RedeployInputError } from './errors.js';

/**
 * What changed, as redeploy needs it: a secret (by ARN, and its name when known), the
 * parameters that mirror it or that changed on their own, the new version, and the latest
 * instant the change could have happened (a task started after it reads the new value).
 */
export interface Change {
  secretArn?: string;
  /** The secret's name; derived from the ARN when absent. */
  secretName?: string;
  parameterNames: string[];
  /** The secret version that became AWSCURRENT; a reference pinned to it is not pinned away. */
  versionId?: string;
  changedAt: Date;
  /** Region and account of the parameters (from the event); parameter ARNs elsewhere never match. */
  region?: string;
  accountId?: string;
}

/** The parts of a Secrets Manager secret ARN, with the name split from its 6-character suffix. */
export interface SecretArnParts {
  partition: string;
  region: string;
  accountId: string;
  /** The resource name as written: `name-AbCdEf` in a full ARN, `name` in a partial one. */
  resourceName: string;
}

const SECRET_ARN = /^arn:([a-z-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([^:]+)$/;

/** Parses a secret ARN without ECS's `:json-key:stage:version` suffix; undefined when it is not one. */
export function parseSecretArn(arn: string): SecretArnParts | undefined {
  const m = SECRET_ARN.exec(arn);
  if (!m) return undefined;
  return { partition: m[1]!, region: m[2]!, accountId: m[3]!, resourceName: m[4]! };
}

/**
 * The secret's name from a full ARN: Secrets Manager appends `-` and 6 random characters.
 * A partial ARN (no suffix) cannot be told apart from a name that ends that way, so callers
 * pass the name when they know it.
 */
export function secretNameOfArn(arn: string): string | undefined {
  const parts = parseSecretArn(arn);
  if (!parts) return undefined;
  const m = /^(.+)-[A-Za-z0-9]{6}$/.exec(parts.resourceName);
  return m ? m[1] : parts.resourceName;
}

/**
 * The latest instant a timestamp can stand for. EventBridge's `time` is truncated to the
 * second: a deployment created later in that same second may predate the change, so the
 * change is taken to happen at the end of that second. Precise timestamps are kept as they are.
 * @throws RedeployInputError when the text is not a date.
 */
export function latestInstantOf(text: string): Date {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RedeployInputError(`redeploy: "${text.slice(0, 40)}" is not a timestamp`);
  const hasFraction = /T\d{2}:\d{2}:\d{2}\.\d+/.test(text);
  return new Date(hasFraction ? ms : ms + 999);
}

/** The change in one line for messages and logs: the secret ARN and/or the parameter names. */
export function describeChange(change: Change): string {
  const parts: string[] = [];
  if (change.secretArn ?? change.secretName) parts.push(`secret ${change.secretArn ?? change.secretName}`);
  if (change.parameterNames.length) parts.push(`parameters ${clipList(change.parameterNames)}`);
  return parts.join(' and ') || 'an empty change';
}

/**
 * Checks a change before anything is read or restarted.
 * @throws RedeployInputError naming what is missing or malformed.
 */
export function validateChange(change: Change): void {
  if (!change.secretArn && !change.secretName && change.parameterNames.length === 0) {
    throw new RedeployInputError('redeploy: the change names no secret and no parameter');
  }
  if (change.secretArn && !parseSecretArn(change.secretArn)) {
    throw new RedeployInputError(`redeploy: "${change.secretArn}" is not a Secrets Manager secret ARN`);
  }
  if (!(change.changedAt instanceof Date) || Number.isNaN(change.changedAt.getTime())) {
    throw new RedeployInputError(`redeploy: ${describeChange(change)}: the change time is not a valid date`);
  }
  for (const name of change.parameterNames) {
    if (typeof name !== 'string' || name.length === 0 || name.includes(':')) {
      throw new RedeployInputError(`redeploy: "${String(name).slice(0, 80)}" is not a parameter name`);
    }
  }
}
