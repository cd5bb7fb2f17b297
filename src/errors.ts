/**
 * Base of every error keyroll throws on purpose. Messages name the operation, the
 * resource and the expectation that failed; they never carry a secret value.
 * SDK and pg failures ride in `cause` and nothing else does.
 */
export class KeyrollError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Configuration (environment variables) that fails validation; the message names the variable. */
export class ConfigError extends KeyrollError {}

/** An event that does not match any shape the receiving function accepts. */
export class EventShapeError extends KeyrollError {}

// ---------------------------------------------------------------------------
// The one policy for turning foreign text (an event's field, a tag, an SDK or driver error) into
// part of a message or a log line: bounded, and scrubbed of the secret values at hand.

/** How much of a foreign text a message or log line quotes. */
export const MAX_QUOTED_CHARS = 200;

/** At most `max` characters of a text that came from outside; longer ones say how long they were. */
export function clip(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} characters)`;
}

/** At most `max` items of a list for a message, then how many more there were. */
export function clipList(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).map((i) => clip(i, 120));
  return items.length <= max ? shown.join(', ') : `${shown.join(', ')} and ${items.length - max} more`;
}

/**
 * Replaces every occurrence of the given secret values in a text, verbatim and percent-encoded.
 * The last line of defence for strings built from foreign messages (driver errors).
 */
export function redact(text: string, values: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const v of values) {
    if (!v || v.length < 4) continue;
    out = out.split(v).join('[REDACTED]');
    const enc = encodeURIComponent(v);
    if (enc !== v) out = out.split(enc).join('[REDACTED]');
  }
  return out;
}

/** The error's AWS error code, SQLSTATE or name (ResourceNotFoundException, 28P01…), never its other fields. */
export function errorCodeOf(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.name, e.Code, e.code]) if (typeof v === 'string' && v !== '' && v !== 'Error') return clip(v, 80);
  }
  return 'Error';
}

/**
 * `<code>: <message>` of any error, for a keyroll message: the message clipped to a few hundred
 * characters and the given values redacted (a service or driver that echoes a value back).
 */
export function errorText(err: unknown, secrets: ReadonlyArray<string | undefined> = []): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCodeOf(err);
  const text = !message || message === code ? code : `${code}: ${message}`;
  return clip(redact(text, secrets), 2 * MAX_QUOTED_CHARS);
}
