import * as z from 'zod/mini';
import { ConfigError } from './errors.js';

// Integer-like words first: the order zod's English locale listed them in, kept so the message
// operators have seen does not change.
const BOOL_WORDS = ['0', '1', 'true', 'false', 'yes', 'no', ''] as const;

const bool = (fallback: boolean) =>
  z.pipe(
    z.optional(z.enum(BOOL_WORDS, { error: `Invalid option: expected one of ${BOOL_WORDS.map((w) => JSON.stringify(w)).join('|')}` })),
    z.transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes')),
  );

const list = z.pipe(
  z.optional(z.string()),
  z.transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ),
);

// A blank value takes the default; integers refuse fractions, both refuse NaN and ±Infinity.
const numberIn = (kind: 'an integer' | 'a number', fallback: number, min: number, max: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      const valid = kind === 'an integer' ? Number.isInteger(n) : Number.isFinite(n);
      if (!valid || n < min || n > max) {
        ctx.issues.push({ code: 'custom', message: `must be ${kind} from ${min} to ${max}, got "${v}"`, input: v });
        return z.NEVER;
      }
      return n;
    }),
  );
const intIn = (fallback: number, min: number, max: number) => numberIn('an integer', fallback, min, max);
const numIn = (fallback: number, min: number, max: number) => numberIn('a number', fallback, min, max);

// Unset, empty or blank: undefined.
const optionalText = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v && v.trim() !== '' ? v : undefined)),
);

// SSM_PATH_PREFIX: "/" by default; always starting and ending with "/" once read.
const pathPrefix = z.pipe(
  z.optional(z.string()),
  z.transform((v, ctx) => {
    const p = v === undefined || v.trim() === '' ? '/' : v.trim();
    if (!/^\/([a-zA-Z0-9_.-]+\/?)*$/.test(p) || p.includes('//')) {
      ctx.issues.push({ code: 'custom', message: `must be a Parameter Store path such as "/" or "/apps/", got "${p.slice(0, 80)}"`, input: v });
      return z.NEVER;
    }
    return p.endsWith('/') ? p : `${p}/`;
  }),
);

// SSM_PATH_BINDINGS: `secret-name=/path` pairs separated by commas (a path never holds "=", a name
// may: the last "=" splits).
const pathBindings = z.pipe(
  z.optional(z.string()),
  z.transform((v, ctx) => {
    const out = new Map<string, string>();
    for (const pair of (v ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
      const at = pair.lastIndexOf('=');
      const name = pair.slice(0, at).trim();
      const path = pair.slice(at + 1).trim().replace(/\/+$/, '');
      if (at <= 0 || !/^\/[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/.test(path)) {
        ctx.issues.push({ code: 'custom', message: `"${pair.slice(0, 80)}" is not secret-name=/parameter/path`, input: v });
        return z.NEVER;
      }
      if (out.has(name)) {
        ctx.issues.push({ code: 'custom', message: `binds secret "${name.slice(0, 80)}" twice`, input: v });
        return z.NEVER;
      }
      out.set(name, path);
    }
    return out as ReadonlyMap<string, string>;
  }),
);

/** Default characters kept out of generated passwords: they break URLs, shells and AWS's templates. */
export const DEFAULT_EXCLUDE_CHARACTERS = ':/@"\'\\ ';

const textOr = (fallback: string) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v) => (v?.trim() ? v.trim() : fallback)),
  );

const EnvSchema = z.object({
  PASSWORD_LENGTH: intIn(32, 8, 1024),
  EXCLUDE_CHARACTERS: z.pipe(
    z.optional(z.string()),
    z.transform((v) => v ?? DEFAULT_EXCLUDE_CHARACTERS),
  ),
  DB_CA_BUNDLE: optionalText,
  DB_CONNECT_TIMEOUT_MS: intIn(5_000, 100, 60_000),
  EVENT_BUS_NAME: z.pipe(
    z.optional(z.string()),
    z.transform((v) => (v && v !== '' ? v : 'default')),
  ),
  SSM_KMS_KEY_ID: optionalText,
  SSM_PUT_TPS: numIn(3, 0.1, 1000),
  /** Where a secret named n mirrors by default: `<prefix>n` (its `keyroll:ssm-path` must lie there or below). */
  SSM_PATH_PREFIX: pathPrefix,
  /** Secrets that mirror elsewhere: `name=/path,…`, set by the deployer. */
  SSM_PATH_BINDINGS: pathBindings,
  /** Prefixes of parameters whose own "Parameter Store Change" redeploys (parameters keyroll does not write). */
  SSM_PATH_PREFIXES: list,
  /** The rotate function sync and the CLI ask to heal a stale AWSPENDING (name or ARN); unset: stale labels are reported only. */
  ROTATE_FUNCTION_NAME: optionalText,
  ECS_CLUSTERS: list,
  REDEPLOY_CONCURRENCY: intIn(5, 1, 50),
  /** UpdateService calls per second: under ECS's sustained rate for it (5/s), with room for other callers. */
  REDEPLOY_UPDATE_TPS: numIn(4, 0.1, 100),
  /** ECS service and task-definition reads per second: under ECS's service-read rate (20/s). */
  ECS_READ_TPS: numIn(15, 0.1, 200),
  REDEPLOY_WAIT: bool(false),
  REDEPLOY_WAIT_TIMEOUT_SECONDS: intIn(600, 1, 840),
  DRY_RUN: bool(false),
  AWS_MAX_ATTEMPTS: intIn(8, 1, 20),
  /** The `service` key of every log line and the `service` dimension of every metric (serverless.yml: keyroll-<stage>). */
  POWERTOOLS_SERVICE_NAME: textOr('keyroll'),
  /** CloudWatch namespace of keyroll's metrics. */
  POWERTOOLS_METRICS_NAMESPACE: textOr('keyroll'),
  /** Set by the Lambda runtime; used to pick Lambda-appropriate defaults (CA bundle). */
  AWS_LAMBDA_FUNCTION_NAME: z.optional(z.string()),
});

export type Config = Readonly<z.output<typeof EnvSchema>>;

/**
 * Validates the environment once and returns a frozen, typed configuration.
 * @throws ConfigError naming every variable that is invalid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return Object.freeze(parsed.data);
}
