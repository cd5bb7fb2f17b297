import { redact } from '../errors.js';

// Fields where pg, Node's net/tls and PostgreSQL put free text.
const TEXT_FIELDS = ['message', 'stack', 'detail', 'hint', 'where', 'internalQuery'] as const;

/**
 * Removes the given secret values from an error's text fields, in place, through
 * AggregateError members and `cause` (a few levels deep), and returns it. The last line of
 * defence for the driver's foreign errors kept in `cause`: keyroll never sends a password
 * in SQL, so these fields should not hold one, but a logger prints `cause` in full.
 */
export function redactError<T>(err: T, secrets: ReadonlyArray<string | undefined>, depth = 0): T {
  if (depth > 4 || err === null || typeof err !== 'object') return err;
  const record = err as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    const value = record[field];
    if (typeof value === 'string') {
      const clean = redact(value, secrets);
      if (clean !== value) {
        try {
          record[field] = clean;
        } catch {
          // A frozen or accessor field: nothing safer can be done than leaving it.
        }
      }
    }
  }
  if (Array.isArray(record.errors)) for (const inner of record.errors) redactError(inner, secrets, depth + 1);
  if ('cause' in record) redactError(record.cause, secrets, depth + 1);
  return err;
}
