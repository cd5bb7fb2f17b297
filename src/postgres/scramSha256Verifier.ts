import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { UnsupportedPasswordError } from './errors.js';

/** PostgreSQL's defaults: `scram_iterations` (4096) and SCRAM_DEFAULT_SALT_LEN (16 bytes). */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
const SALT_BYTES = 16;
/** PostgreSQL's MAX_PASSWORD_LENGTH: longer passwords fail SASLprep, and libpq cannot log in with them. */
const MAX_PASSWORD_BYTES = 1024;

export interface ScramOptions {
  /** PBKDF2 iterations (PostgreSQL's `scram_iterations`, default 4096). */
  iterations?: number;
  /** Raw salt bytes; 16 random bytes by default. Fixed only for test vectors. */
  salt?: Uint8Array;
}

/**
 * The SCRAM-SHA-256 secret PostgreSQL stores for a password (RFC 5802 / RFC 7677), in its
 * own text form: `SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>`.
 * Sent in `ALTER ROLE … PASSWORD '<verifier>'`, the server stores it as is, so the
 * plaintext never reaches the server, its statement log or pg_stat_statements.
 *
 * SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations); ClientKey =
 * HMAC(SaltedPassword, "Client Key"); StoredKey = SHA-256(ClientKey); ServerKey =
 * HMAC(SaltedPassword, "Server Key").
 *
 * SASLprep: PostgreSQL applies it to the password first, and for pure ASCII it is the
 * identity (pg_saslprep returns ASCII input unchanged, control characters included). For
 * anything else PostgreSQL maps, NFKC-normalises and checks the string against RFC 3454's
 * Unicode 3.2 tables, falling back to the raw bytes when a character is prohibited or
 * unassigned; reproducing that exactly needs those tables, and a verifier that disagrees
 * with PostgreSQL would lock the role out. So non-ASCII passwords are refused here
 * (keyroll's generated passwords are ASCII).
 *
 * @throws UnsupportedPasswordError for an empty, non-ASCII or over-1024-byte password, or
 *   iterations that are not a positive integer.
 */
export function scramSha256Verifier(password: string, options: ScramOptions = {}): string {
  const iterations = options.iterations ?? SCRAM_DEFAULT_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new UnsupportedPasswordError(`SCRAM iterations must be a positive integer, got ${String(iterations)}`);
  }
  if (password.length === 0) throw new UnsupportedPasswordError('cannot make a SCRAM verifier for an empty password');
  // eslint-disable-next-line no-control-regex
  if (!/^[\x01-\x7f]*$/.test(password)) {
    throw new UnsupportedPasswordError(
      'the password has non-ASCII (or NUL) characters: keyroll does not reproduce SASLprep for them, use an ASCII password',
    );
  }
  if (password.length > MAX_PASSWORD_BYTES) {
    throw new UnsupportedPasswordError(`the password is ${password.length} bytes, over PostgreSQL's ${MAX_PASSWORD_BYTES}-byte limit`);
  }
  const salt = Buffer.from(options.salt ?? randomBytes(SALT_BYTES));
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
