import type { Tag } from '@aws-sdk/client-secrets-manager';
import {
  MIRRORED_DESCRIPTION_PREFIX,
  TAG_KMS_KEY,
  TAG_SSM_KEYS,
  TAG_SSM_PATH,
  TAG_SSM_PLAIN,
  dbnameOf,
  parseSecretString,
  portOf,
} from '../secret.js';
import { buildConnectionUrl } from './connectionUrl.js';
import type { SyncSettings } from './deps.js';
import { ParameterMappingError } from './errors.js';

/** One version of a managed secret, as read from Secrets Manager. */
export interface SecretSource {
  secretArn: string;
  versionId: string;
  secretString: string | undefined;
  tags: readonly Tag[];
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
  description: string;
}

export interface ParameterPlan {
  secretArn: string;
  versionId: string;
  path: string;
  parameters: DesiredParameter[];
}

const URL_KEY = 'url';
/** Parameters that always stay SecureString, whatever `keyroll:ssm-plain` says. */
const ALWAYS_SECRET = new Set(['password', URL_KEY]);

// SSM's limits (PutParameter): 15 levels, names of [a-zA-Z0-9_.-] segments, 1011 characters
// counting the parameter ARN's prefix, standard-tier values of 4 KB, descriptions of 1024.
export const MAX_PARAMETER_LEVELS = 15;
export const MAX_NAME_WITH_ARN = 1011;
export const MAX_VALUE_BYTES = 4096;
export const MAX_DESCRIPTION = 1024;
const SEGMENT = /^[a-zA-Z0-9_.-]+$/;
const KMS_KEY_ID = /^[a-zA-Z0-9:/_-]{1,256}$/;

/** Value of a tag, trimmed; undefined when absent. */
export function tagValue(tags: readonly Tag[], key: string): string | undefined {
  const v = tags.find((t) => t.Key === key)?.Value;
  return v === undefined ? undefined : v.trim();
}

// Tag values are lists separated by commas or spaces (AWS's tag guidance lists space but not
// comma among the characters every service accepts, so both work).
const listOf = (v: string | undefined): string[] => (v ?? '').split(/[\s,]+/).filter((s) => s.length > 0);

/**
 * Maps one version of a managed secret to the parameters that mirror it, validating
 * everything SSM would refuse, so a bad secret fails before anything is written.
 * @throws ParameterMappingError for an invalid path or tag, a value SSM would refuse.
 * @throws SecretFormatError (secret.ts) for a value that is not a PostgreSQL secret JSON.
 */
export function planParameters(source: SecretSource, settings: Pick<SyncSettings, 'kmsKeyId' | 'pathPrefixes'>): ParameterPlan {
  const { secretArn, versionId } = source;
  const fail = (what: string): never => {
    throw new ParameterMappingError(`sync: secret ${secretArn} version ${versionId}: ${what}`);
  };

  const path = tagValue(source.tags, TAG_SSM_PATH);
  if (path === undefined) fail(`has no "${TAG_SSM_PATH}" tag`);
  checkPath(path!, settings.pathPrefixes, fail);

  const secret = parseSecretString(source.secretString, { secretId: secretArn, versionId });
  const values = new Map<string, string>([
    ['username', secret.username],
    ['password', secret.password],
    ['host', secret.host],
    ['port', String(portOf(secret))],
    ['dbname', dbnameOf(secret)],
  ]);
  for (const key of listOf(tagValue(source.tags, TAG_SSM_KEYS))) {
    if (values.has(key) || key === URL_KEY) continue;
    if (!SEGMENT.test(key)) fail(`"${TAG_SSM_KEYS}" names "${key}", which is not a valid parameter name (allowed: a-zA-Z0-9_.-)`);
    const raw = (secret as Record<string, unknown>)[key];
    if (raw === undefined) fail(`"${TAG_SSM_KEYS}" names "${key}", but the secret has no such key`);
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      fail(`"${TAG_SSM_KEYS}" names "${key}", whose value is not a string, number or boolean`);
    }
    values.set(key, String(raw));
  }
  values.set(URL_KEY, buildConnectionUrl(secret, secretArn));

  const plain = new Set(listOf(tagValue(source.tags, TAG_SSM_PLAIN)));
  for (const key of plain) {
    if (ALWAYS_SECRET.has(key)) fail(`"${TAG_SSM_PLAIN}" names "${key}", which is always a SecureString`);
    if (!values.has(key)) fail(`"${TAG_SSM_PLAIN}" names "${key}", which is not a parameter of this secret`);
  }

  const keyId = tagValue(source.tags, TAG_KMS_KEY) || settings.kmsKeyId;
  if (keyId !== undefined && !KMS_KEY_ID.test(keyId)) fail(`KMS key id "${keyId.slice(0, 256)}" is not a key id, ARN or alias`);

  const description = describeOrigin(secretArn, versionId);
  const arnPrefix = parameterArnPrefixOf(secretArn);
  const parameters: DesiredParameter[] = [];
  for (const [key, value] of values) {
    const name = `${path}/${key}`;
    if (arnPrefix.length + name.length > MAX_NAME_WITH_ARN) {
      fail(`parameter name ${name} is too long: with its ARN it exceeds SSM's ${MAX_NAME_WITH_ARN} characters`);
    }
    if (value.length === 0) fail(`parameter ${name} would be empty, which SSM refuses`);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_VALUE_BYTES) fail(`parameter ${name} would hold ${bytes} bytes, over SSM's ${MAX_VALUE_BYTES}-byte limit`);
    const type: ParameterType = plain.has(key) ? 'String' : 'SecureString';
    parameters.push({ name, key, value, type, ...(type === 'SecureString' && keyId ? { keyId } : {}), description });
  }
  return { secretArn, versionId, path: path!, parameters };
}

function checkPath(path: string, prefixes: readonly string[], fail: (what: string) => never): void {
  const bad = (why: string) => fail(`"${TAG_SSM_PATH}" ${JSON.stringify(path.slice(0, 80))} ${why}`);
  if (!path.startsWith('/')) bad('must start with "/"');
  if (path.length > 1 && path.endsWith('/')) bad('must not end with "/"');
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '')) bad('has an empty level ("//")');
  const invalid = segments.find((s) => !SEGMENT.test(s));
  if (invalid !== undefined) bad(`has a level with characters SSM refuses (allowed: a-zA-Z0-9_.-)`);
  if (/^(aws|ssm)/i.test(segments[0]!)) bad('begins with "aws" or "ssm", which SSM reserves');
  // The leaf (`password`, …) is one more level.
  if (segments.length + 1 > MAX_PARAMETER_LEVELS) {
    bad(`has ${segments.length} levels; with the parameter's own name that exceeds SSM's ${MAX_PARAMETER_LEVELS}`);
  }
  if (prefixes.length > 0 && !prefixes.some((p) => isUnder(path, p))) {
    bad(`is outside the allowed prefixes (SSM_PATH_PREFIXES: ${prefixes.join(', ')})`);
  }
}

const isUnder = (path: string, prefix: string): boolean => {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return p === '' || path === p || path.startsWith(`${p}/`);
};

/** `keyroll: secret <arn> version <id>`, cut to SSM's 1024 characters by shortening the ARN's front. */
export function describeOrigin(secretArn: string, versionId: string): string {
  const head = MIRRORED_DESCRIPTION_PREFIX;
  const tail = ` version ${versionId}`;
  const room = MAX_DESCRIPTION - head.length - tail.length;
  const arn = secretArn.length <= room ? secretArn : `…${secretArn.slice(secretArn.length - room + 1)}`;
  return `${head}${arn}${tail}`;
}

// Parameters live in the secret's account and region: `arn:<partition>:ssm:<region>:<account>:parameter`.
// The name follows with its own leading "/". Unknown shapes get a generous estimate.
function parameterArnPrefixOf(secretArn: string): string {
  const m = /^arn:([^:]+):secretsmanager:([^:]+):([^:]+):secret:/.exec(secretArn);
  return m ? `arn:${m[1]}:ssm:${m[2]}:${m[3]}:parameter` : `arn:aws-us-gov:ssm:ap-southeast-9:000000000000:parameter`;
}
