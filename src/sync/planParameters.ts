import { BASE_KEYS, describeOrigin, mirroredParameterNames, URL_KEY } from '../mirrorPath.js';
import { dbnameOf, parseSecretString, portOf } from '../secret.js';
import { readKeyrollTags, TAG_SSM_KEYS, TAG_SSM_PATH, TAG_SSM_PLAIN } from '../tags.js';
import { buildConnectionUrl } from './connectionUrl.js';
import type { SyncSettings } from './deps.js';
import { eligibilityOf, type SecretFacts } from '../mirrorPath.js';
import { ParameterMappingError } from './errors.js';

/** One version of a managed secret, as read from Secrets Manager. */
export interface SecretSource extends SecretFacts {
  versionId: string;
  secretString: string | undefined;
}

export type ParameterType = 'SecureString' | 'String';

/** A parameter as it should be in Parameter Store. */
export interface DesiredParameter {
  /** Full name, `<path>/<key>`. */
  name: string;
  /** The leaf: `username`, `password`, …, `url`, or an extra key. */
  key: string;
  value: string;
  type: ParameterType;
  /** KMS key for a SecureString; absent = the account default (`alias/aws/ssm`). */
  keyId?: string;
  /** `keyroll: secret <arn> version <id>`: the provenance sync checks before overwriting. */
  description: string;
}

export interface ParameterPlan {
  secretArn: string;
  versionId: string;
  path: string;
  parameters: DesiredParameter[];
}

/** Parameters that always stay SecureString, whatever `keyroll:ssm-plain` says. */
const ALWAYS_SECRET = new Set(['password', URL_KEY]);

// SSM's limits (PutParameter): 15 levels, names of [a-zA-Z0-9_.-] segments, 1011 characters
// counting the parameter ARN's prefix, standard-tier values of 4 KB.
export const MAX_PARAMETER_LEVELS = 15;
export const MAX_NAME_WITH_ARN = 1011;
export const MAX_VALUE_BYTES = 4096;
const SEGMENT = /^[a-zA-Z0-9_.-]+$/;
const KMS_KEY_ID = /^[a-zA-Z0-9:/_-]{1,256}$/;

/**
 * The parameter names that mirror a secret, from its description alone (no value read):
 * what sync reads before the value and what redeploy matches task definitions against.
 * @throws ParameterMappingError when the secret may not be mirrored or its path or keys are invalid.
 */
export function mirrorNamesOf(secret: SecretFacts, settings: Pick<SyncSettings, 'mirrorRules'>): { path: string; names: string[] } {
  const fail = (what: string): never => {
    throw new ParameterMappingError(`sync: secret ${secret.secretArn}: ${what}`);
  };
  const eligibility = eligibilityOf(secret, settings.mirrorRules);
  if (eligibility.kind !== 'mirror') return fail(eligibility.reason);
  checkPath(eligibility.path, fail);
  const extra = readKeyrollTags(secret.tags).ssmKeys;
  for (const key of extra) {
    if (!SEGMENT.test(key)) fail(`"${TAG_SSM_KEYS}" names "${key.slice(0, 80)}", which is not a valid parameter name (allowed: a-zA-Z0-9_.-)`);
  }
  const names = mirroredParameterNames(eligibility.path, extra);
  const arnPrefix = parameterArnPrefixOf(secret.secretArn);
  for (const name of names) {
    if (arnPrefix.length + name.length > MAX_NAME_WITH_ARN) {
      fail(`parameter name ${name.slice(0, 120)}… is too long: with its ARN it exceeds SSM's ${MAX_NAME_WITH_ARN} characters`);
    }
  }
  return { path: eligibility.path, names };
}

/**
 * Maps one version of a managed secret to the parameters that mirror it, validating everything
 * SSM would refuse, so a bad secret fails before anything is written.
 * @throws ParameterMappingError for a secret that may not be mirrored, an invalid path or tag, a value SSM would refuse.
 * @throws SecretFormatError (secret.ts) for a value that is not a PostgreSQL secret JSON.
 */
export function planParameters(source: SecretSource, settings: Pick<SyncSettings, 'kmsKeyId' | 'mirrorRules'>): ParameterPlan {
  const { secretArn, versionId } = source;
  const fail = (what: string): never => {
    throw new ParameterMappingError(`sync: secret ${secretArn} version ${versionId}: ${what}`);
  };
  const { path } = mirrorNamesOf(source, settings);
  const tags = readKeyrollTags(source.tags);

  const secret = parseSecretString(source.secretString, { secretId: secretArn, versionId });
  const values = new Map<string, string>([
    ['username', secret.username],
    ['password', secret.password],
    ['host', secret.host],
    ['port', String(portOf(secret))],
    ['dbname', dbnameOf(secret)],
  ]);
  for (const key of tags.ssmKeys) {
    if ((BASE_KEYS as readonly string[]).includes(key) || key === URL_KEY) continue;
    const raw = (secret as Record<string, unknown>)[key];
    if (raw === undefined) fail(`"${TAG_SSM_KEYS}" names "${key}", but the secret has no such key`);
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      fail(`"${TAG_SSM_KEYS}" names "${key}", whose value is not a string, number or boolean`);
    }
    values.set(key, String(raw));
  }
  values.set(URL_KEY, buildConnectionUrl(secret, secretArn));

  const plain = new Set(tags.ssmPlain);
  for (const key of plain) {
    if (ALWAYS_SECRET.has(key)) fail(`"${TAG_SSM_PLAIN}" names "${key}", which is always a SecureString`);
    if (!values.has(key)) fail(`"${TAG_SSM_PLAIN}" names "${key}", which is not a parameter of this secret`);
  }

  const keyId = tags.kmsKey || settings.kmsKeyId;
  if (keyId !== undefined && !KMS_KEY_ID.test(keyId)) fail(`KMS key id "${keyId.slice(0, 256)}" is not a key id, ARN or alias`);

  const description = describeOrigin(secretArn, versionId);
  const parameters: DesiredParameter[] = [];
  for (const [key, value] of values) {
    const name = `${path}/${key}`;
    if (value.length === 0) fail(`parameter ${name} would be empty, which SSM refuses`);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_VALUE_BYTES) fail(`parameter ${name} would hold ${bytes} bytes, over SSM's ${MAX_VALUE_BYTES}-byte limit`);
    const type: ParameterType = plain.has(key) ? 'String' : 'SecureString';
    parameters.push({ name, key, value, type, ...(type === 'SecureString' && keyId ? { keyId } : {}), description });
  }
  return { secretArn, versionId, path, parameters };
}

function checkPath(path: string, fail: (what: string) => never): void {
  const bad = (why: string) => fail(`"${TAG_SSM_PATH}" ${JSON.stringify(path.slice(0, 80))} ${why}`);
  if (!path.startsWith('/')) bad('must start with "/"');
  if (path.length > 1 && path.endsWith('/')) bad('must not end with "/"');
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '')) bad('has an empty level ("//")');
  if (segments.some((s) => !SEGMENT.test(s))) bad(`has a level with characters SSM refuses (allowed: a-zA-Z0-9_.-)`);
  if (/^(aws|ssm)/i.test(segments[0]!)) bad('begins with "aws" or "ssm", which SSM reserves');
  // The leaf (`password`, …) is one more level.
  if (segments.length + 1 > MAX_PARAMETER_LEVELS) {
    bad(`has ${segments.length} levels; with the parameter's own name that exceeds SSM's ${MAX_PARAMETER_LEVELS}`);
  }
}

// Parameters live in the secret's account and region: `arn:<partition>:ssm:<region>:<account>:parameter`.
// The name follows with its own leading "/". Unknown shapes get a generous estimate.
function parameterArnPrefixOf(secretArn: string): string {
  const m = /^arn:([^:]+):secretsmanager:([^:]+):([^:]+):secret:/.exec(secretArn);
  return m ? `arn:${m[1]}:ssm:${m[2]}:${m[3]}:parameter` : `arn:aws-us-gov:ssm:ap-southeast-9:000000000000:parameter`;
}
