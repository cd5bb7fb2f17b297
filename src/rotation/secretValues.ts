import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  type DescribeSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import { errorText } from '../errors.js';
import { parseSecretString, portOf, dbnameOf, sslModeOf, type PostgresSecret } from '../secret.js';
import type { DbCredentials } from '../postgres/gateway.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';

/** DescribeSecret, with the SDK failure wrapped so the message names the secret. */
export async function describeSecret(deps: Pick<RotationDeps, 'secretsManager'>, secretId: string, step: string): Promise<DescribeSecretResponse> {
  try {
    return await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (err) {
    throw new RotationStateError(`${step}: cannot describe secret ${secretId}: ${errorText(err)}`, { cause: err });
  }
}

export interface SecretVersion {
  versionId: string;
  value: PostgresSecret;
  /** The JSON object as stored, keys in their order: what a new version is built from, so nothing moves. */
  raw: Record<string, unknown>;
}

/**
 * Reads and validates one version of a secret, by stage and/or version id.
 * @throws SecretFormatError for a value that is not a PostgreSQL secret, RotationStateError when it cannot be read.
 */
export async function getSecretVersion(
  deps: Pick<RotationDeps, 'secretsManager'>,
  secretId: string,
  step: string,
  select: { stage?: string; versionId?: string },
): Promise<SecretVersion> {
  let out;
  try {
    out = await deps.secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: select.stage, VersionId: select.versionId }),
    );
  } catch (err) {
    const which = [select.stage, select.versionId && `version ${select.versionId}`].filter(Boolean).join(' ');
    throw new RotationStateError(`${step}: cannot read ${which} of secret ${secretId}: ${errorText(err)}`, { cause: err });
  }
  const versionId = out.VersionId ?? select.versionId ?? '';
  const value = parseSecretString(out.SecretString, { secretId, versionId, ...(select.stage ? { stage: select.stage } : {}) });
  return { versionId, value, raw: JSON.parse(out.SecretString!) as Record<string, unknown> };
}

/** Whether a read failed because the version has no value (yet): RotateSecret's fresh AWSPENDING, or none at all. */
export const isMissingValue = (err: unknown): boolean => err instanceof RotationStateError && err.cause instanceof ResourceNotFoundException;

/** Connection details of a secret (defaults: port 5432, dbname postgres, TLS as `sslModeOf` reads it). */
export function credentialsOf(secret: PostgresSecret, overrides: Partial<DbCredentials> = {}): DbCredentials {
  return {
    host: secret.host,
    port: portOf(secret),
    username: secret.username,
    password: secret.password,
    dbname: dbnameOf(secret),
    sslMode: sslModeOf(secret),
    ...overrides,
  };
}
