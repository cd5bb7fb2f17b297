import { AwsApiError, validation, type ServiceContext, type ServiceEmulation } from './types.js';
import { createSecureStringCipher } from './ssmCipher.js';
import { createConstraintError, readBoolean, readEnum, readInteger, readObjectList, readString, requireString } from './requestFields.js';
import { requireStringList } from './ssmInput.js';
import { invalidResourceId, mergeTags, readTagKeys, readTaggedParameterName, readTags, type Tag } from './ssmTags.js';
import {
  isUnderPath,
  parameterArn,
  parameterKey,
  parseParameterReference,
  rootedName,
  validateNewParameterName,
  validatePath,
  validateReferencedName,
  type ParameterReference,
} from './ssmNames.js';
import {
  matchesParameterFilters,
  readParameterFilters,
  type FilterableParameter,
  type ParameterFilter,
} from './ssmParameterFilters.js';

/** The SSM emulation: Parameter Store only, under the `AmazonSSM` target prefix. */
export type SsmEmulation = ServiceEmulation;

type ParameterType = 'String' | 'StringList' | 'SecureString';
type Tier = 'Standard' | 'Advanced';

// Listed in the order AWS's enum-violation messages print them.
const PARAMETER_TYPES = ['SecureString', 'StringList', 'String'] as const;
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'] as const;
/** A refused Type or Tier is echoed at most this long, so a pasted value cannot flood the message. */
const SHOWN_ENUM_CHARS = 64;

/** The account's AWS managed key for Parameter Store, used when a SecureString names none. */
const DEFAULT_SSM_KEY_ID = 'alias/aws/ssm';

const STANDARD_MAX_VALUE = 4096;
const ADVANCED_MAX_VALUE = 8192;
const MAX_DESCRIPTION = 1024;
const MAX_ALLOWED_PATTERN = 1024;
/** Parameter Store keeps the 100 most recent versions and drops the oldest past that. */
const MAX_VERSIONS = 100;

interface ParameterVersion {
  version: number;
  type: ParameterType;
  /** The plaintext for String and StringList; for SecureString only the encrypted blob is kept. */
  value: string;
  /** As the caller named it (alias, key id or ARN); SecureString only. */
  keyId?: string;
  keyArn?: string;
  description?: string;
  allowedPattern?: string;
  tier: Tier;
  dataType: string;
  lastModifiedDate: Date;
}

interface StoredParameter {
  /** As created; `/name` and `name` are the same one-level parameter (see parameterKey). */
  name: string;
  versions: ParameterVersion[];
  tags: Tag[];
}

interface ResolvedParameter {
  reference: ParameterReference;
  parameter: StoredParameter;
  version: ParameterVersion;
}

const latestOf = (p: StoredParameter) => p.versions[p.versions.length - 1]!;

const notFound = (name: string) => new AwsApiError('ParameterNotFound', `Parameter ${name} not found.`);

/** AWS checks AllowedPattern against the whole value (a Java `matches`), on every write. */
function checkAllowedPattern(pattern: string | undefined, value: string): void {
  if (pattern === undefined || pattern === '') return;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new AwsApiError('InvalidAllowedPatternException', `The allowed pattern is not a valid regular expression: ${pattern}`);
  }
  if (!re.test(value)) {
    throw new AwsApiError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${pattern}`);
  }
}

function chooseTier(requested: (typeof TIERS)[number] | undefined, current: Tier | undefined, valueLength: number): Tier {
  if (requested === 'Standard') {
    if (current === 'Advanced') {
      throw validation(
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier " +
          'to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.',
      );
    }
    return 'Standard';
  }
  if (requested === 'Advanced') return 'Advanced';
  if (requested === 'Intelligent-Tiering') return valueLength > STANDARD_MAX_VALUE || current === 'Advanced' ? 'Advanced' : 'Standard';
  return current ?? 'Standard';
}

function encodeToken(position: string | number): string {
  return Buffer.from(JSON.stringify({ after: position }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string | number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const after = (parsed as { after?: unknown } | null)?.after;
    if (typeof after === 'string' || typeof after === 'number') return after;
  } catch {
    // Falls through to the error below: any token this endpoint did not make is invalid.
  }
  throw new AwsApiError('InvalidNextToken', 'The specified token is not valid.');
}

/** One page of `items` (already in order) after the token's position. */
function pageOf<T>(
  items: readonly T[],
  positionOf: (item: T) => string | number,
  maxResults: number,
  token: string | undefined,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (token !== undefined) {
    const after = decodeToken(token);
    const next = items.findIndex((item) => positionOf(item) > after);
    start = next === -1 ? items.length : next;
  }
  const page = items.slice(start, start + maxResults);
  return start + maxResults < items.length ? { page, nextToken: encodeToken(positionOf(page[page.length - 1]!)) } : { page };
}

/**
 * Creates the Parameter Store emulation: PutParameter, GetParameter, GetParameters,
 * GetParametersByPath, GetParameterHistory, DescribeParameters, DeleteParameter,
 * DeleteParameters and the tagging calls (AddTagsToResource, RemoveTagsFromResource,
 * ListTagsForResource; PutParameter takes Tags only when it creates) with AWS's semantics
 * (naming rules, versions, tiers, SecureString encryption under a KMS key known to the
 * endpoint, "Parameter Store Change" events on the bus).
 * Operations throw AwsApiError with AWS's `__type`s (ParameterNotFound, ParameterAlreadyExists,
 * ParameterVersionNotFound, InvalidKeyId, HierarchyLevelLimitExceededException,
 * ValidationException, ...); no message carries a parameter value.
 */
export function createSsm(ctx: ServiceContext): SsmEmulation {
  const parameters = new Map<string, StoredParameter>();
  const cipher = createSecureStringCipher();

  const arnOf = (name: string) => parameterArn(ctx, name);

  const reveal = (v: ParameterVersion, withDecryption: boolean) =>
    v.type === 'SecureString' && withDecryption ? cipher.decrypt(v.keyArn!, v.value) : v.value;

  const sorted = () =>
    [...parameters.values()].sort((a, b) => {
      const x = rootedName(a.name);
      const y = rootedName(b.name);
      return x < y ? -1 : x > y ? 1 : 0;
    });

  const filterView = (p: StoredParameter): FilterableParameter => {
    const v = latestOf(p);
    return {
      name: p.name,
      type: v.type,
      ...(v.keyId !== undefined ? { keyId: v.keyId, keyArn: v.keyArn! } : {}),
      tier: v.tier,
      dataType: v.dataType,
      tags: p.tags,
    };
  };

  const publishChange = (operation: 'Create' | 'Update' | 'Delete', p: StoredParameter, v: ParameterVersion) => {
    ctx.publish({
      source: 'aws.ssm',
      detailType: 'Parameter Store Change',
      // Never the value: AWS's event carries only the name, type and description.
      detail: { operation, name: p.name, type: v.type, ...(v.description ? { description: v.description } : {}) },
      resources: [arnOf(p.name)],
      time: ctx.now(),
    });
  };

  /** @throws ParameterNotFound, ParameterVersionNotFound, ValidationException. */
  const resolve = (raw: string): ResolvedParameter => {
    const reference = parseParameterReference(raw, ctx);
    const parameter = reference && parameters.get(parameterKey(reference.name));
    if (!reference || !parameter) throw notFound(raw);
    const { selector } = reference;
    if (selector === undefined) return { reference, parameter, version: latestOf(parameter) };
    if (/^\d+$/.test(selector)) {
      const version = parameter.versions.find((v) => v.version === Number(selector));
      if (!version) {
        throw new AwsApiError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${selector} of ${reference.name}. Verify the version and try again.`,
        );
      }
      return { reference, parameter, version };
    }
    // A label selector: nothing here attaches labels, so no version carries this one.
    throw notFound(raw);
  };

  const toParameter = ({ reference, parameter, version: v }: ResolvedParameter, withDecryption: boolean) => ({
    Name: reference.name,
    Type: v.type,
    Value: reveal(v, withDecryption),
    Version: v.version,
    ...(reference.selector !== undefined ? { Selector: `:${reference.selector}` } : {}),
    LastModifiedDate: v.lastModifiedDate,
    ARN: arnOf(parameter.name),
    DataType: v.dataType,
  });

  const toMetadata = (p: StoredParameter) => {
    const v = latestOf(p);
    return {
      Name: p.name,
      ARN: arnOf(p.name),
      Type: v.type,
      ...(v.keyId !== undefined ? { KeyId: v.keyId } : {}),
      LastModifiedDate: v.lastModifiedDate,
      ...(v.description ? { Description: v.description } : {}),
      ...(v.allowedPattern ? { AllowedPattern: v.allowedPattern } : {}),
      Version: v.version,
      Tier: v.tier,
      Policies: [],
      DataType: v.dataType,
    };
  };

  const toHistory = (p: StoredParameter, v: ParameterVersion, withDecryption: boolean) => ({
    Name: p.name,
    Type: v.type,
    ...(v.keyId !== undefined ? { KeyId: v.keyId } : {}),
    LastModifiedDate: v.lastModifiedDate,
    ...(v.description ? { Description: v.description } : {}),
    Value: reveal(v, withDecryption),
    ...(v.allowedPattern ? { AllowedPattern: v.allowedPattern } : {}),
    Version: v.version,
    Labels: [],
    Tier: v.tier,
    Policies: [],
    DataType: v.dataType,
  });

  const putParameter = (input: Record<string, unknown>) => {
    const name = validateNewParameterName(requireString(input, 'Name'), ctx);
    const value = requireString(input, 'Value');
    if (value.length === 0) throw createConstraintError('Value', 'Member must have length greater than or equal to 1');
    if (value.length > ADVANCED_MAX_VALUE) {
      throw createConstraintError('Value', `Member must have length less than or equal to ${ADVANCED_MAX_VALUE}`);
    }
    const overwrite = readBoolean(input, 'Overwrite') ?? false;
    const tags = readTags(input);
    if (overwrite && tags.length > 0) {
      throw validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. " +
          'To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.',
      );
    }
    const requestedType = readEnum(input, 'Type', PARAMETER_TYPES, SHOWN_ENUM_CHARS);
    const requestedTier = readEnum(input, 'Tier', TIERS, SHOWN_ENUM_CHARS);
    const description = readString(input, 'Description');
    if (description !== undefined && description.length > MAX_DESCRIPTION) {
      throw createConstraintError('Description', `Member must have length less than or equal to ${MAX_DESCRIPTION}`);
    }
    const requestedPattern = readString(input, 'AllowedPattern');
    if (requestedPattern !== undefined && requestedPattern.length > MAX_ALLOWED_PATTERN) {
      throw createConstraintError('AllowedPattern', `Member must have length less than or equal to ${MAX_ALLOWED_PATTERN}`);
    }
    const requestedDataType = readString(input, 'DataType');
    if (requestedDataType !== undefined && requestedDataType !== 'text') {
      throw validation(`The following data type is not supported: ${requestedDataType.slice(0, 64)} (Data type names are all lowercase.)`);
    }
    if (readString(input, 'Policies') !== undefined) {
      throw validation('Parameter policies are not supported by this local endpoint.');
    }
    const requestedKeyId = readString(input, 'KeyId');

    const key = parameterKey(name);
    const existing = parameters.get(key);
    const latest = existing && latestOf(existing);
    if (existing && !overwrite) {
      throw new AwsApiError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    // An update may leave Type out and keep the parameter's; a create must say it.
    const type = requestedType ?? latest?.type;
    if (type === undefined) throw validation('A parameter type is required when you create a parameter.');
    if (requestedKeyId !== undefined && type !== 'SecureString') {
      throw validation('KeyId is required for SecureString type parameter only.');
    }
    const tier = chooseTier(requestedTier, latest?.tier, value.length);
    if (tier === 'Standard' && value.length > STANDARD_MAX_VALUE) {
      throw validation(
        `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX_VALUE} characters. To create a larger ` +
          'parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see ' +
          'https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html',
      );
    }
    const allowedPattern = requestedPattern ?? latest?.allowedPattern;
    checkAllowedPattern(allowedPattern, value);

    let keyId: string | undefined;
    let keyArn: string | undefined;
    if (type === 'SecureString') {
      keyId = requestedKeyId ?? (latest?.type === 'SecureString' ? latest.keyId : undefined) ?? DEFAULT_SSM_KEY_ID;
      keyArn = ctx.resolveKmsKey(keyId);
      if (keyArn === undefined) throw new AwsApiError('InvalidKeyId', `Key '${keyId}' does not exist`);
    }

    const created: ParameterVersion = {
      version: (latest?.version ?? 0) + 1,
      type,
      value: type === 'SecureString' ? cipher.encrypt(keyArn!, value) : value,
      ...(keyId !== undefined ? { keyId, keyArn: keyArn! } : {}),
      ...((description ?? latest?.description) !== undefined ? { description: description ?? latest?.description } : {}),
      ...(allowedPattern !== undefined ? { allowedPattern } : {}),
      tier,
      dataType: requestedDataType ?? latest?.dataType ?? 'text',
      lastModifiedDate: ctx.now(),
    };
    if (existing) {
      existing.versions.push(created);
      if (existing.versions.length > MAX_VERSIONS) existing.versions.shift();
      publishChange('Update', existing, created);
    } else {
      const parameter: StoredParameter = { name, versions: [created], tags: mergeTags([], tags) };
      parameters.set(key, parameter);
      publishChange('Create', parameter, created);
    }
    return { Version: created.version, Tier: tier };
  };

  const getParameter = (input: Record<string, unknown>) => {
    const resolved = resolve(requireString(input, 'Name'));
    return { Parameter: toParameter(resolved, readBoolean(input, 'WithDecryption') ?? false) };
  };

  const getParameters = (input: Record<string, unknown>) => {
    const names = requireStringList(input, 'Names', 1, 10);
    const withDecryption = readBoolean(input, 'WithDecryption') ?? false;
    const found: ReturnType<typeof toParameter>[] = [];
    const invalid: string[] = [];
    for (const raw of new Set(names)) {
      try {
        found.push(toParameter(resolve(raw), withDecryption));
      } catch (err) {
        if (!(err instanceof AwsApiError) || (err.type !== 'ParameterNotFound' && err.type !== 'ParameterVersionNotFound')) throw err;
        invalid.push(raw);
      }
    }
    return { Parameters: found, InvalidParameters: invalid };
  };

  const getParametersByPath = (input: Record<string, unknown>) => {
    const path = validatePath(requireString(input, 'Path'));
    const recursive = readBoolean(input, 'Recursive') ?? false;
    const withDecryption = readBoolean(input, 'WithDecryption') ?? false;
    const maxResults = readInteger(input, 'MaxResults', 1, 10) ?? 10;
    const filters = readParameterFilters(input, 'GetParametersByPath');
    const matching = sorted().filter(
      (p) => isUnderPath(p.name, path, recursive) && matchesParameterFilters(filters, filterView(p)),
    );
    const { page, nextToken } = pageOf(matching, (p) => rootedName(p.name), maxResults, readString(input, 'NextToken'));
    return {
      Parameters: page.map((p) => toParameter({ reference: { name: p.name }, parameter: p, version: latestOf(p) }, withDecryption)),
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    };
  };

  const describeParameters = (input: Record<string, unknown>) => {
    const maxResults = readInteger(input, 'MaxResults', 1, 50) ?? 10;
    const filters = readParameterFilters(input, 'DescribeParameters');
    const legacy = readLegacyFilters(input);
    if (legacy.length > 0 && filters.length > 0) {
      throw validation('You can use either Filters or ParameterFilters in a single request.');
    }
    // Nothing is shared with this account through RAM on a local endpoint.
    const matching = readBoolean(input, 'Shared')
      ? []
      : sorted().filter((p) => matchesParameterFilters([...filters, ...legacy], filterView(p)));
    const { page, nextToken } = pageOf(matching, (p) => rootedName(p.name), maxResults, readString(input, 'NextToken'));
    return { Parameters: page.map(toMetadata), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
  };

  const getParameterHistory = (input: Record<string, unknown>) => {
    const raw = requireString(input, 'Name');
    const withDecryption = readBoolean(input, 'WithDecryption') ?? false;
    const maxResults = readInteger(input, 'MaxResults', 1, 50) ?? 50;
    const reference = parseParameterReference(raw, ctx);
    const parameter = reference && reference.selector === undefined ? parameters.get(parameterKey(reference.name)) : undefined;
    if (!parameter) throw notFound(raw);
    const { page, nextToken } = pageOf(parameter.versions, (v) => v.version, maxResults, readString(input, 'NextToken'));
    return {
      Parameters: page.map((v) => toHistory(parameter, v, withDecryption)),
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    };
  };

  const deleteOne = (name: string): boolean => {
    const key = parameterKey(name);
    const parameter = parameters.get(key);
    if (!parameter) return false;
    parameters.delete(key);
    publishChange('Delete', parameter, latestOf(parameter));
    return true;
  };

  const deleteParameter = (input: Record<string, unknown>) => {
    const name = requireString(input, 'Name');
    validateReferencedName(name);
    if (!deleteOne(name)) throw notFound(name);
    return {};
  };

  const deleteParameters = (input: Record<string, unknown>) => {
    const names = requireStringList(input, 'Names', 1, 10);
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of new Set(names)) {
      let valid = true;
      try {
        validateReferencedName(name);
      } catch {
        valid = false;
      }
      (valid && deleteOne(name) ? deleted : invalid).push(name);
    }
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  };

  /** The parameter a tagging call names (ResourceId is its name). @throws InvalidResourceId when there is none. */
  const taggedParameter = (input: Record<string, unknown>): StoredParameter => {
    const parameter = parameters.get(parameterKey(readTaggedParameterName(input)));
    if (!parameter) throw invalidResourceId();
    return parameter;
  };

  const addTagsToResource = (input: Record<string, unknown>) => {
    const parameter = taggedParameter(input);
    if (input['Tags'] === undefined || input['Tags'] === null) throw createConstraintError('Tags', 'Member must not be null', null);
    parameter.tags = mergeTags(parameter.tags, readTags(input));
    return {};
  };

  const removeTagsFromResource = (input: Record<string, unknown>) => {
    const parameter = taggedParameter(input);
    const keys = readTagKeys(input);
    parameter.tags = parameter.tags.filter((t) => !keys.includes(t.Key));
    return {};
  };

  const listTagsForResource = (input: Record<string, unknown>) => ({
    TagList: taggedParameter(input).tags.map((t) => ({ ...t })),
  });

  return {
    targetPrefix: 'AmazonSSM',
    name: 'ssm',
    operations: {
      AddTagsToResource: addTagsToResource,
      RemoveTagsFromResource: removeTagsFromResource,
      ListTagsForResource: listTagsForResource,
      PutParameter: putParameter,
      GetParameter: getParameter,
      GetParameters: getParameters,
      GetParametersByPath: getParametersByPath,
      GetParameterHistory: getParameterHistory,
      DescribeParameters: describeParameters,
      DeleteParameter: deleteParameter,
      DeleteParameters: deleteParameters,
    },
  };
}

/**
 * DescribeParameters' deprecated `Filters` (Name, Type, KeyId), read as the ParameterFilters
 * they stand for: Name matches the beginning of names, the others match exactly.
 */
function readLegacyFilters(input: Record<string, unknown>): ParameterFilter[] {
  return (readObjectList(input, 'Filters') ?? []).map((f) => {
    const key = f['Key'];
    const values = f['Values'];
    if (key !== 'Name' && key !== 'Type' && key !== 'KeyId') {
      throw validation(
        "1 validation error detected: Value at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [Name, Type, KeyId]",
      );
    }
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string')) {
      throw new AwsApiError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
    }
    return { key, option: key === 'Name' ? 'BeginsWith' : 'Equals', values: values as string[] };
  });
}
