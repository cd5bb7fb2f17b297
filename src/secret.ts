import * as z from 'zod/mini';
import { KeyrollError } from './errors.js';

/** Secrets Manager's version stages, as rotation uses them. */
export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/**
 * How long an AWSPENDING outside AWSCURRENT must sit untouched before it counts as stale (left by
 * a failed rotation, not a rotation in progress): four steps of at most 15 minutes each.
 */
export const STALE_PENDING_GRACE_MS = 60 * 60 * 1000;

/** PostgreSQL's limit on identifier length (NAMEDATALEN - 1). */
export const MAX_ROLE_NAME_LENGTH = 63;

export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

const nonEmpty = (key: string) =>
  z.string({ error: `"${key}" must be a non-empty string` }).check(z.minLength(1, { error: `"${key}" must be a non-empty string` }));

const PORT_MESSAGE = '"port" must be a whole number from 1 to 65535';

/** The engines AWS's PostgreSQL rotation functions accept, and so keyroll. */
export const ENGINES = ['postgres', 'aurora-postgresql'] as const;

/**
 * The SecretString JSON, read as AWS's own PostgreSQL rotation functions read it, so a secret moves
 * between them and keyroll unchanged: `engine` postgres or aurora-postgresql; `port` a number or a
 * string of digits (default 5432); `dbname` absent or null for `postgres`; `ssl` any JSON value
 * (see sslModeOf). Unknown keys pass through untouched (looseObject) so apps keep their extras.
 * Every issue carries its own message: none depends on a zod locale being configured.
 */
export const PostgresSecretSchema = z.looseObject({
  engine: z.enum(ENGINES, { error: (i) => `"engine" must be one of ${ENGINES.join(', ')}, found ${describe(i.input)}` }),
  host: nonEmpty('host'),
  port: z
    .optional(
      z.union([z.number(), z.string().check(z.regex(/^\d+$/, { error: PORT_MESSAGE }))], { error: PORT_MESSAGE }),
    )
    .check(z.refine((p) => p === undefined || (Number.isInteger(Number(p)) && Number(p) >= 1 && Number(p) <= 65535), { error: PORT_MESSAGE })),
  username: nonEmpty('username'),
  password: nonEmpty('password'),
  dbname: z.optional(z.nullable(z.string({ error: '"dbname" must be a string' }).check(z.minLength(1, { error: '"dbname" must not be empty' })))),
  masterarn: z.optional(z.string({ error: '"masterarn" must be a secret ARN' }).check(z.minLength(1))),
  // Any value, as the templates take it: true/false (or "true"/"false" in any case) decide, anything else means "try TLS".
  ssl: z.optional(z.unknown()),
  sslmode: z.optional(z.enum(SSL_MODES, { error: `"sslmode" must be one of ${SSL_MODES.join(', ')}` })),
});

export type PostgresSecret = z.output<typeof PostgresSecretSchema>;

/** Never echo a value: say only what kind of thing was found. */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length <= 20 && /^[a-z0-9-]*$/i.test(v) ? `"${v}"` : 'a string';
  return typeof v;
}

/** The secret's value is not the JSON keyroll expects. The message names the key, never a value. */
export class SecretFormatError extends KeyrollError {}

/** Where a secret value came from, for messages. */
export interface SecretRef {
  secretId: string;
  versionId?: string;
  stage?: string;
}

const where = (ref: SecretRef) =>
  `secret ${ref.secretId}` + (ref.versionId ? ` version ${ref.versionId}` : '') + (ref.stage ? ` (${ref.stage})` : '');

/**
 * Parses and validates a SecretString.
 * @throws SecretFormatError naming the secret, version and the offending key.
 */
export function parseSecretString(secretString: string | undefined, ref: SecretRef): PostgresSecret {
  if (secretString === undefined) throw new SecretFormatError(`${where(ref)} has no SecretString`);
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    // The parser's message quotes the input: drop it, keep only the fact.
    throw new SecretFormatError(`${where(ref)} is not valid JSON`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SecretFormatError(`${where(ref)} must be a JSON object`);
  }
  const result = PostgresSecretSchema.safeParse(json);
  if (!result.success) {
    // One line per problem: a key that fails two checks with one message is named once.
    const problems = [...new Set(result.error.issues.map((i) => i.message))].join('; ');
    throw new SecretFormatError(`${where(ref)} is not a PostgreSQL secret: ${problems}`);
  }
  return result.data;
}

/** Port as a number, defaulting to 5432. */
export const portOf = (s: PostgresSecret): number => (s.port === undefined ? 5432 : Number(s.port));
/** Database name, defaulting to `postgres` (also for `null`, as AWS's multi-user template reads it). */
export const dbnameOf = (s: PostgresSecret): string => s.dbname ?? 'postgres';

/**
 * Effective TLS mode of a secret. `sslmode` wins. Else `ssl`, read as AWS's rotation templates read
 * it: `true` or "true" (any case) → `verify-full` (the templates verify the certificate and the host
 * name); `false` or "false" (any case) → `disable`; absent or anything else ("yes", 1, null) →
 * `prefer` (try TLS, fall back to plaintext only if the server offers none, as the templates fall back).
 */
export function sslModeOf(s: Pick<PostgresSecret, 'ssl' | 'sslmode'>): SslMode {
  if (s.sslmode) return s.sslmode;
  const ssl = typeof s.ssl === 'string' ? s.ssl.toLowerCase() : s.ssl;
  if (ssl === true || ssl === 'true') return 'verify-full';
  if (ssl === false || ssl === 'false') return 'disable';
  return 'prefer';
}

/**
 * The version that carries AWSPENDING without being AWSCURRENT (a rotation in progress or
 * left behind by a failed one), from DescribeSecret's / ListSecrets' version-to-stages map.
 */
export function pendingVersionOf(versions: Record<string, string[]> | undefined): string | undefined {
  return Object.entries(versions ?? {}).find(([, stages]) => stages.includes(AWSPENDING) && !stages.includes(AWSCURRENT))?.[0];
}

/** The stricter of two TLS modes (disable < prefer < require < verify-ca < verify-full). */
export function stricterSslMode(a: SslMode, b: SslMode): SslMode {
  return SSL_MODES.indexOf(a) >= SSL_MODES.indexOf(b) ? a : b;
}
