import { AwsApiError, validation } from './types.js';

/**
 * Parameter Store's naming rules: what PutParameter accepts as a new name, how Get calls read a
 * name / ARN / `name:version` reference, and the ARN of a parameter. Checked against the
 * "Requirements and constraints for parameter names" page of the Systems Manager user guide and
 * AWS's own answers (messages quoted where AWS's wording is known).
 */

/** Deepest hierarchy AWS allows: `/L1/.../L14/name` is 15 levels. */
const MAX_HIERARCHY_LEVELS = 15;

/** Longest name AWS accepts once the ARN prefix (`arn:aws:ssm:<region>:<account>:parameter/`) is counted. */
const MAX_NAME_WITH_ARN_PREFIX = 1011;

const SEGMENT = /^[a-zA-Z0-9_.-]+$/;

// AWS answers every malformed hierarchical name with this one message, whatever the fault.
const SUB_PATH_RULES =
  'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths ' +
  'divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

const PATH_RULES =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". ' +
  'It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following ' +
  'symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, ' +
  'must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

interface Place {
  region: string;
  accountId: string;
}

/**
 * The identity of a parameter: AWS treats `/name` and `name` as the same one-level parameter
 * (the user guide lists them as "not unique"), so both spellings share one key.
 */
export function parameterKey(name: string): string {
  return name.startsWith('/') && name.indexOf('/', 1) === -1 ? name.slice(1) : name;
}

/** The name with exactly one leading slash, for hierarchy comparisons and ordering. */
export function rootedName(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}

/** `arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>`, as AWS forms it. */
export function parameterArn(place: Place, name: string): string {
  return `arn:aws:ssm:${place.region}:${place.accountId}:parameter/${name.replace(/^\//, '')}`;
}

function hasWellFormedSegments(name: string): boolean {
  const segments = (name.startsWith('/') ? name.slice(1) : name).split('/');
  return segments.every((s) => SEGMENT.test(s));
}

/**
 * Checks a name given to PutParameter and returns it as AWS stores it (spaces at either end
 * removed, as the service does).
 * @throws ValidationException for a malformed, not fully qualified, reserved or too long name;
 *   AccessDeniedException for a path under the reserved `/aws` namespace;
 *   HierarchyLevelLimitExceededException past 15 levels.
 */
export function validateNewParameterName(raw: string, place: Place): string {
  const name = raw.replace(/^ +| +$/g, '');
  if (name.length === 0) {
    throw validation("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (name.length > 2048) {
    throw validation("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048");
  }
  if (name.includes('/') && !name.startsWith('/')) throw validation('Parameter name must be a fully qualified name.');
  const bare = name.replace(/^\//, '').toLowerCase();
  if (bare.startsWith('aws') || bare.startsWith('ssm')) {
    const isPath = name.split('/').length > 2;
    if (isPath && bare.startsWith('aws')) {
      throw new AwsApiError('AccessDeniedException', `No access to reserved parameter name: ${name.replace(/^\//, '')}.`);
    }
    throw validation(isPath ? SUB_PATH_RULES : 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  }
  if (!hasWellFormedSegments(name)) throw validation(SUB_PATH_RULES);
  const levels = name.replace(/^\//, '').split('/').length;
  if (levels > MAX_HIERARCHY_LEVELS) {
    throw new AwsApiError(
      'HierarchyLevelLimitExceededException',
      `A hierarchy can have a maximum of ${MAX_HIERARCHY_LEVELS} levels; ${name} has ${levels}.`,
    );
  }
  const withArnPrefix = parameterArn(place, name).length;
  if (withArnPrefix > MAX_NAME_WITH_ARN_PREFIX) {
    throw validation(
      `Parameter name: ${withArnPrefix} characters counting the ARN prefix arn:aws:ssm:${place.region}:${place.accountId}:parameter/; ` +
        `the maximum is ${MAX_NAME_WITH_ARN_PREFIX}.`,
    );
  }
  return name;
}

/** A parameter named in a Get call: its name and, when given, the version or label after `:`. */
export interface ParameterReference {
  /** The name as the answer spells it (an ARN's one-level name comes back without a slash). */
  name: string;
  /** `3` for `name:3`, `prod` for `name:prod`. */
  selector?: string;
}

const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:([^:]*):([^:]*):parameter\/(.+)$/;

/**
 * Reads the name, ARN or `name:selector` a Get call was given. Returns undefined for an ARN of
 * another region or account (nothing there to find).
 * @throws ValidationException for a name that breaks the naming rules or a malformed ARN.
 */
export function parseParameterReference(raw: string, place: Place): ParameterReference | undefined {
  let spec = raw;
  if (raw.startsWith('arn:')) {
    const m = PARAMETER_ARN.exec(raw);
    if (!m) throw validation(`Invalid parameter ARN: ${raw.slice(0, 200)}`);
    if (m[1] !== place.region || m[2] !== place.accountId) return undefined;
    // A hierarchical parameter's ARN drops its leading slash; give it back.
    spec = m[3]!.split(':')[0]!.includes('/') ? `/${m[3]}` : m[3]!;
  }
  const colon = spec.indexOf(':');
  const name = colon === -1 ? spec : spec.slice(0, colon);
  const selector = colon === -1 ? undefined : spec.slice(colon + 1);
  validateReferencedName(name);
  return selector === undefined ? { name } : { name, selector };
}

/**
 * Checks a name an existing parameter could have (DeleteParameter, Get calls).
 * @throws ValidationException when no parameter could bear it.
 */
export function validateReferencedName(name: string): void {
  if (name.length === 0 || name.length > 2048) {
    throw validation("1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length between 1 and 2048");
  }
  if ((name.includes('/') && !name.startsWith('/')) || !hasWellFormedSegments(name)) throw validation(SUB_PATH_RULES);
}

/**
 * Checks a hierarchy path (GetParametersByPath, the Path filter) and returns it without a
 * trailing slash (`/` stays `/`).
 * @throws ValidationException for a path that does not begin with `/` or has malformed sub-paths.
 */
export function validatePath(path: string): string {
  if (!path.startsWith('/') || path.includes('//')) throw validation(PATH_RULES);
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed !== '/' && !hasWellFormedSegments(trimmed)) throw validation(PATH_RULES);
  return trimmed;
}

/** True when `name` sits under `path` (a path from validatePath), directly or at any depth. */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const rooted = rootedName(name);
  const prefix = path === '/' ? '/' : `${path}/`;
  if (!rooted.startsWith(prefix) || rooted.length === prefix.length) return false;
  return recursive || !rooted.slice(prefix.length).includes('/');
}
