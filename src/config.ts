import { z } from 'zod';
import { ConfigError } from './errors.js';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

const intIn = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const numIn = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

/** Default characters kept out of generated passwords: they break URLs, shells and AWS's templates. */
export const DEFAULT_EXCLUDE_CHARACTERS = ':/@"\'\\ ';

const EnvSchema = z.object({
  PASSWORD_LENGTH: intIn(32, 8, 1024),
  EXCLUDE_CHARACTERS: z.string().optional().transform((v) => v ?? DEFAULT_EXCLUDE_CHARACTERS),
  DB_CA_BUNDLE: z.string().optional().transform((v) => (v && v.trim() !== '' ? v : undefined)),
  DB_CONNECT_TIMEOUT_MS: intIn(5_000, 100, 60_000),
  EVENT_BUS_NAME: z.string().optional().transform((v) => (v && v !== '' ? v : 'default')),
  SSM_KMS_KEY_ID: z.string().optional().transform((v) => (v && v.trim() !== '' ? v : undefined)),
  SSM_PUT_TPS: numIn(3, 0.1, 1000),
  SSM_PATH_PREFIXES: list,
  ECS_CLUSTERS: list,
  REDEPLOY_CONCURRENCY: intIn(5, 1, 50),
  REDEPLOY_WAIT: bool(false),
  REDEPLOY_WAIT_TIMEOUT_SECONDS: intIn(600, 1, 840),
  DRY_RUN: bool(false),
  AWS_MAX_ATTEMPTS: intIn(8, 1, 20),
  /** Set by the Lambda runtime; used to pick Lambda-appropriate defaults (CA bundle). */
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
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
