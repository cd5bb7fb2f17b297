import { describe, expect, it } from 'vitest';
import { createCliOutput } from '../../src/cli/createCliOutput.js';

/** A `--json` output over collecting streams. */
function jsonOutput() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = createCliOutput({ stdout: { write: (t) => stdout.push(t) }, stderr: { write: (t) => stderr.push(t) } }, { json: true });
  return { out, stdout: () => stdout.join(''), stderr: () => stderr.join('') };
}

/** The ways a password can be spelled in a JSON text. */
const spellingsOf = (password: string) => [password, JSON.stringify(password).slice(1, -1), encodeURIComponent(password)];

describe('createCliOutput', () => {
  it.each([
    ['a double quote', 'Pa"ss-word-1'],
    ['a backslash', 'Pa\\ss-word-1'],
    ['a newline', 'Pa\nss-word-1'],
    ['a control character', 'Pa\u0001ss-word-1'],
    ['a tab, a quote and a backslash', 'P\ta"s\\s-word-1'],
  ])('redacts a protected password with %s from the --json document', (_label, password) => {
    // Prepare
    const { out, stdout } = jsonOutput();
    out.protect(password);

    // Act
    out.document({ ok: false, error: { message: `login refused for password ${password}` }, values: [password] });

    // Assess
    for (const spelling of spellingsOf(password)) expect(stdout()).not.toContain(spelling);
    expect(JSON.parse(stdout())).toEqual({ ok: false, error: { message: 'login refused for password [REDACTED]' }, values: ['[REDACTED]'] });
  });

  it('redacts a protected password with a quote that appears as an object key of the --json document', () => {
    // Prepare
    const password = 'Key"with\\escapes-9';
    const { out, stdout } = jsonOutput();
    out.protect(password);

    // Act
    out.document({ [password]: 1 });

    // Assess
    for (const spelling of spellingsOf(password)) expect(stdout()).not.toContain(spelling);
    expect(stdout()).toContain('[REDACTED]');
  });

  it('redacts the percent-encoded password of a connection URL in the --json document', () => {
    // Prepare
    const password = 'p@ss/"word"';
    const { out, stdout } = jsonOutput();
    out.protect(password);

    // Act
    out.document({ url: `postgres://app:${encodeURIComponent(password)}@db.internal:5432/app` });

    // Assess
    expect(JSON.parse(stdout())).toEqual({ url: 'postgres://app:[REDACTED]@db.internal:5432/app' });
  });

  it('leaves a --json document without protected values as JSON.stringify writes it', () => {
    // Prepare
    const { out, stdout } = jsonOutput();
    out.protect('Unrelated-Password-1');
    const value = { secret: 'email-worker/prod/db', quote: 'say "hi"\n', n: 3, nested: [{ ok: true }, null] };

    // Act
    out.document(value);

    // Assess
    expect(stdout()).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('redacts a protected password with a quote from a note on stderr', () => {
    // Prepare
    const password = 'No"te\\Password-7';
    const { out, stderr } = jsonOutput();
    out.protect(password);

    // Act
    out.note(`error: password ${password} refused`);

    // Assess
    expect(stderr()).toBe('error: password [REDACTED] refused\n');
  });
});
