import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { errorText } from '../errors.js';
import { dbnameOf, portOf, sslModeOf, stricterSslMode, SSL_MODES, type PostgresSecret } from '../secret.js';
import { readKeyrollTags, TAG_MASTER } from '../tags.js';
import type { DbCredentials } from '../postgres/gateway.js';
import type { RotationDeps } from './deps.js';
import { RotationConfigError, RotationStateError } from './errors.js';
import { rdsEndpointOfMaster } from './rdsEndpoint.js';
import { describeSecret } from './secretValues.js';
import { originalUserOf } from './strategy.js';

/** The master that acts for a secret, checked: what setSecret logs in with. */
export interface Master {
  arn: string;
  username: string;
  /** The master's login on the child's database, at the stricter of the two TLS modes. */
  credentials: DbCredentials;
}

// A master secret: the credentials, and where they log in. keyroll's own masters carry host and
// port like any secret; only the keys it needs are checked, so extra keys never refuse a master.
const MasterSecretSchema = z.looseObject({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
  host: z.optional(z.string().check(z.minLength(1))),
  port: z.optional(z.union([z.number(), z.string().check(z.regex(/^\d+$/))])),
  ssl: z.optional(z.unknown()),
  sslmode: z.optional(z.enum(SSL_MODES)),
});

/**
 * Reads and checks the master named by AWSCURRENT's `masterarn` (never by a pending value):
 * - it is tagged `keyroll:master=true` (checked here, not only by IAM);
 * - it serves the same endpoint, host and port, as the secret it acts for (an RDS-managed master,
 *   `{username, password}` only, is looked up in RDS: rdsEndpointOfMaster);
 * - its user is neither the secret's user nor that user's alternate.
 * Makes no connection.
 * @throws RotationConfigError naming the boundary that refused; RotationStateError when it cannot be read.
 */
export async function loadMaster(
  deps: Pick<RotationDeps, 'secretsManager' | 'rds'>,
  step: string,
  secretArn: string,
  current: PostgresSecret,
  pendingUser: string,
): Promise<Master> {
  const masterArn = current.masterarn;
  if (!masterArn) throw new RotationConfigError(`${step}: secret ${secretArn}: AWSCURRENT names no masterarn`);
  const meta = await describeSecret(deps, masterArn, step);
  const arn = meta.ARN ?? masterArn;
  if (arn === secretArn) throw new RotationConfigError(`${step}: secret ${secretArn}: masterarn names the secret itself`);
  if (!readKeyrollTags(meta.Tags).master) {
    throw new RotationConfigError(
      `${step}: secret ${secretArn}: master secret ${arn} is not tagged ${TAG_MASTER}=true; keyroll acts only through secrets tagged as masters (tag it if it is one)`,
    );
  }
  let raw: unknown;
  try {
    const out = await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }));
    raw = JSON.parse(out.SecretString ?? 'null');
  } catch (err) {
    throw new RotationStateError(`${step}: secret ${secretArn}: cannot read master secret ${arn}: ${errorText(err)}`, { cause: err });
  }
  const parsed = MasterSecretSchema.safeParse(raw);
  if (!parsed.success) {
    throw new RotationConfigError(`${step}: secret ${secretArn}: master secret ${arn} is not a JSON object with a username and password`);
  }
  const master = parsed.data;
  // An RDS-managed master holds only username and password: RDS says where it logs in.
  const endpoint =
    master.host === undefined
      ? await rdsEndpointOfMaster(deps, { step, secretArn, masterArn: arn }, meta.Tags, parsed.data)
      : { host: master.host, port: master.port === undefined ? 5432 : Number(master.port), source: 'its value' };
  if (endpoint.host !== current.host || endpoint.port !== portOf(current)) {
    throw new RotationConfigError(
      `${step}: secret ${secretArn}: master secret ${arn} serves ${endpoint.host}:${endpoint.port} (from ${endpoint.source}), not ${current.host}:${portOf(current)}; a master acts only on its own database endpoint`,
    );
  }
  if (master.username === pendingUser || master.username === originalUserOf(pendingUser)) {
    throw new RotationConfigError(`${step}: secret ${secretArn}: the pending user is the master's own user; refusing`);
  }
  // The master's own TLS wish, read as for any secret; the session takes the stricter of both.
  const masterMode = sslModeOf({ ...current, ssl: master.ssl as PostgresSecret['ssl'], sslmode: master.sslmode });
  return {
    arn,
    username: master.username,
    credentials: {
      host: endpoint.host,
      port: endpoint.port,
      username: master.username,
      password: master.password,
      dbname: dbnameOf(current),
      sslMode: stricterSslMode(masterMode, sslModeOf(current)),
    },
  };
}
