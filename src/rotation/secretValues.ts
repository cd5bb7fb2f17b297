import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  type DescribeSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import { parseSecretString, portOf, dbnameOf, sslModeOf, type PostgresSecret } from '../secret.js';
import type { DbCredentials } from '../postgres/gateway.js';
import type { RotationDeps } from './deps.js';
import { RotationStateError } from './errors.js';

/** DescribeSecret, with the SDK failure wrapped so the message names the secret. */
export async function describeSecret(deps: RotationDeps, secretId: string, step: string): Promise<DescribeSecretResponse> {
  try {
    return await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (err) {
    throw new RotationStateError(`${step}: cannot describe secret ${secretId}: ${errorName(err)}`, { cause: err });
  }
}

export interface SecretVersion {
  versionId: string;
  value: PostgresSecret;
}

/**
 * Reads and validates one version of a secret, by stage and/or version id.
 * @throws SecretFormatError for a value that is not a PostgreSQL secret, RotationStateError when it cannot be read.
 */
export async function getSecretVersion(
  deps: RotationDeps,
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
    throw new RotationStateError(`${step}: cannot read ${which} of secret ${secretId}: ${errorName(err)}`, { cause: err });
  }
  const versionId = out.VersionId ?? select.versionId ?? '';
  return {
    versionId,
    value: parseSecretString(out.SecretString, { secretId, versionId, ...(select.stage ? { stage: select.stage } : {}) }),
  };
}

/** Connection details of a secret (defaults: port 5432, dbname postgres, TLS preferred). */
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

/** An SDK error's name and message (AWS messages never echo a SecretString). */
export function errorName(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
