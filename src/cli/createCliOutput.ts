import { redact } from '../errors.js';

/** Where the CLI writes: process.stdout / process.stderr, or collectors in tests. */
export interface OutputStream {
  write(text: string): unknown;
  /** True for a terminal: progress is drawn only then. */
  isTTY?: boolean;
}

/** The CLI's only way to print. Every write passes through the redaction of known secret values. */
export interface CliOutput {
  /** `--json`: stdout carries exactly one JSON document; human text goes nowhere but stderr. */
  readonly json: boolean;
  /** A line of the command's human result, on stdout (dropped in `--json` mode). */
  line(text?: string): void;
  /** A note for the operator, on stderr (progress, warnings, errors). */
  note(text: string): void;
  /** The one JSON document of a `--json` run, on stdout. */
  document(value: unknown): void;
  /**
   * Registers secret values the CLI has read (passwords), so that no output can carry them
   * even if a foreign error message echoed one.
   */
  protect(...values: Array<string | undefined>): void;
  /** Whether stderr is a terminal and the run is not `--json`: only then is progress drawn. */
  readonly interactive: boolean;
  /** Raw stderr write, redacted, for progress redraws (no newline added). */
  drawProgress(text: string): void;
}

/**
 * Builds the CLI's output over two streams. Redaction covers the values registered with
 * `protect` verbatim and percent-encoded (as they appear in a connection URL); in the `--json`
 * document it covers every string of the value before it is serialised, and the JSON-escaped
 * forms after, so a value with `"`, `\` or a control character cannot slip through as its
 * escaped spelling.
 */
export function createCliOutput(streams: { stdout: OutputStream; stderr: OutputStream }, options: { json: boolean }): CliOutput {
  const secrets: string[] = [];
  const clean = (text: string) => (secrets.length ? redact(text, secrets) : text);
  // Object keys are not seen by the replacer; they are matched in their escaped spelling.
  const cleanJson = (text: string) => (secrets.length ? redact(text, [...secrets, ...secrets.map(jsonEscapedOf)]) : text);
  const redactString = (_key: string, v: unknown) => (typeof v === 'string' ? clean(v) : v);
  const interactive = !options.json && streams.stderr.isTTY === true;
  return {
    json: options.json,
    interactive,
    line(text = '') {
      if (!options.json) streams.stdout.write(`${clean(text)}\n`);
    },
    note(text) {
      streams.stderr.write(`${clean(text)}\n`);
    },
    document(value) {
      streams.stdout.write(`${cleanJson(JSON.stringify(value, redactString, 2))}\n`);
    },
    protect(...values) {
      for (const v of values) if (v && !secrets.includes(v)) secrets.push(v);
    },
    drawProgress(text) {
      if (interactive) streams.stderr.write(clean(text));
    },
  };
}

/** How a string is spelled inside a JSON string literal (without the quotes). */
const jsonEscapedOf = (v: string): string => JSON.stringify(v).slice(1, -1);
