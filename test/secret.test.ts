import { describe, expect, it } from 'vitest';
import { dbnameOf, parseSecretString, SecretFormatError, sslModeOf, type SecretRef } from '../src/secret.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf';
const REF: SecretRef = { secretId: ARN, versionId: 'v1', stage: 'AWSCURRENT' };
const WHERE = `secret ${ARN} version v1 (AWSCURRENT)`;
const PASSWORD = 'S3cret-Value-42!';
const VALID = { engine: 'postgres', host: 'db.example', username: 'app', password: PASSWORD };

/** The message parseSecretString throws for a SecretString; fails the test if it parses. */
function messageOf(secretString: string | undefined, ref: SecretRef = REF): string {
  try {
    parseSecretString(secretString, ref);
  } catch (err) {
    expect(err).toBeInstanceOf(SecretFormatError);
    return (err as Error).message;
  }
  throw new Error('expected parseSecretString to throw');
}

const withKey = (key: string, value: unknown) => JSON.stringify({ ...VALID, [key]: value });
const without = (key: string) => JSON.stringify({ ...VALID, [key]: undefined });
const notPostgres = (problems: string) => `${WHERE} is not a PostgreSQL secret: ${problems}`;

describe('parseSecretString', () => {
  it('returns the secret with its extra keys untouched', () => {
    // Prepare
    const secretString = JSON.stringify({ ...VALID, port: '5433', ssl: 'true', dbname: 'app', extra: { keep: [1, 2] } });
    // Act
    const secret = parseSecretString(secretString, REF);
    // Assess
    expect(secret).toEqual({ ...VALID, port: '5433', ssl: 'true', dbname: 'app', extra: { keep: [1, 2] } });
  });

  it.each([
    ['no SecretString', undefined, `${WHERE} has no SecretString`],
    ['text that is not JSON', `{"engine": "postgres", "password": "${PASSWORD}"`, `${WHERE} is not valid JSON`],
    ['a JSON array', '[1]', `${WHERE} must be a JSON object`],
    ['JSON null', 'null', `${WHERE} must be a JSON object`],
    ['a JSON string', JSON.stringify(PASSWORD), `${WHERE} must be a JSON object`],
  ])('rejects %s with a message naming the secret', (_name, secretString, message) => {
    // Act
    const actual = messageOf(secretString);
    // Assess
    expect(actual).toBe(message);
  });

  it.each([
    ['host', without('host'), '"host" must be a non-empty string'],
    ['username', without('username'), '"username" must be a non-empty string'],
    ['password', without('password'), '"password" must be a non-empty string'],
  ])('names the missing key "%s"', (_key, secretString, problem) => {
    // Act
    const actual = messageOf(secretString);
    // Assess
    expect(actual).toBe(notPostgres(problem));
  });

  it.each([
    ['an empty host', withKey('host', ''), '"host" must be a non-empty string'],
    ['a numeric username', withKey('username', 42), '"username" must be a non-empty string'],
    ['an empty password', withKey('password', ''), '"password" must be a non-empty string'],
    ['an empty dbname', withKey('dbname', ''), '"dbname" must not be empty'],
    ['a numeric dbname', withKey('dbname', 5), '"dbname" must be a string'],
    ['an empty masterarn', withKey('masterarn', ''), '"masterarn" must be a secret ARN'],
    ['a numeric masterarn', withKey('masterarn', 5), '"masterarn" must be a secret ARN'],
  ])('rejects %s', (_name, secretString, problem) => {
    // Act
    const actual = messageOf(secretString);
    // Assess
    expect(actual).toBe(notPostgres(problem));
  });

  it.each([
    ['another engine', withKey('engine', 'mysql'), '"engine" must be one of postgres, aurora-postgresql, found "mysql"'],
    ['no engine', without('engine'), '"engine" must be one of postgres, aurora-postgresql, found nothing'],
    ['an engine that is not a short word', withKey('engine', 'Postgres SQL 16'), '"engine" must be one of postgres, aurora-postgresql, found a string'],
    ['a numeric engine', withKey('engine', 5), '"engine" must be one of postgres, aurora-postgresql, found number'],
  ])('rejects %s, saying what kind of engine it found', (_name, secretString, problem) => {
    // Act
    const actual = messageOf(secretString);
    // Assess
    expect(actual).toBe(notPostgres(problem));
  });

  it.each([
    ['a port of letters', withKey('port', 'abc'), '"port" must be a whole number from 1 to 65535'],
    ['port 0', withKey('port', 0), '"port" must be a whole number from 1 to 65535'],
    ['port "70000"', withKey('port', '70000'), '"port" must be a whole number from 1 to 65535'],
    ['a fractional port', withKey('port', 5432.5), '"port" must be a whole number from 1 to 65535'],
    ['a boolean port', withKey('port', true), '"port" must be a whole number from 1 to 65535'],
    ['a null port', withKey('port', null), '"port" must be a whole number from 1 to 65535'],
  ])('rejects %s', (_name, secretString, problem) => {
    // Act
    const actual = messageOf(secretString);
    // Assess
    expect(actual).toBe(notPostgres(problem));
  });

  it.each([
    ['a port number', 5433],
    ['a port string', '5433'],
  ])('accepts %s', (_name, port) => {
    // Act
    const secret = parseSecretString(withKey('port', port), REF);
    // Assess
    expect(secret.port).toBe(port);
  });

  it('rejects an unknown sslmode, listing the modes', () => {
    // Act
    const actual = messageOf(withKey('sslmode', 'strict'));
    // Assess
    expect(actual).toBe(notPostgres('"sslmode" must be one of disable, prefer, require, verify-ca, verify-full'));
  });

  it('names every problem of a secret in key order', () => {
    // Prepare
    const secretString = JSON.stringify({ engine: 'mysql', port: 'x', extra: 1 });
    // Act
    const actual = messageOf(secretString);
    // Assess
    expect(actual).toBe(
      notPostgres(
        [
          '"engine" must be one of postgres, aurora-postgresql, found "mysql"',
          '"host" must be a non-empty string',
          '"port" must be a whole number from 1 to 65535',
          '"username" must be a non-empty string',
          '"password" must be a non-empty string',
        ].join('; '),
      ),
    );
  });

  it('names the secret alone when the reference has no version or stage', () => {
    // Act
    const actual = messageOf('{', { secretId: ARN });
    // Assess
    expect(actual).toBe(`secret ${ARN} is not valid JSON`);
  });

  it.each([
    ['not JSON', `{"engine": "postgres", "password": "${PASSWORD}"`],
    ['the value as engine', withKey('engine', PASSWORD)],
    ['the value as port', withKey('port', PASSWORD)],
    ['the value as sslmode', withKey('sslmode', PASSWORD)],
    ['the value as host', withKey('host', { secret: PASSWORD })],
    ['the value as dbname', withKey('dbname', 1234.5)],
  ])('never echoes a value in its message (%s)', (_name, secretString) => {
    // Act
    const actual = messageOf(secretString);
    // Assess
    expect(actual).not.toContain(PASSWORD);
    expect(actual).not.toContain('1234.5');
  });
});

describe('sslModeOf, reading ssl as AWS\'s rotation templates read it', () => {
  it.each<[unknown, string]>([
    [true, 'verify-full'],
    ['true', 'verify-full'],
    ['True', 'verify-full'],
    ['TRUE', 'verify-full'],
    [false, 'disable'],
    ['false', 'disable'],
    ['False', 'disable'],
    ['yes', 'prefer'],
    [1, 'prefer'],
    [null, 'prefer'],
    [undefined, 'prefer'],
  ])('reads ssl %j as %s', (ssl, mode) => {
    expect(sslModeOf({ ssl })).toBe(mode);
  });

  it('lets sslmode win over ssl', () => {
    expect(sslModeOf({ ssl: true, sslmode: 'require' })).toBe('require');
  });
});

describe('the keys AWS\'s templates accept', () => {
  it.each([
    ['engine aurora-postgresql', { engine: 'aurora-postgresql' }],
    ['a string port', { port: '6432' }],
    ['dbname null (the default database)', { dbname: null }],
    ['ssl "yes"', { ssl: 'yes' }],
  ])('accepts %s', (_label, over) => {
    expect(() => parseSecretString(JSON.stringify({ ...VALID, ...over }), { secretId: ARN })).not.toThrow();
  });

  it('reads a null dbname as postgres', () => {
    expect(dbnameOf(parseSecretString(JSON.stringify({ ...VALID, dbname: null }), { secretId: ARN }))).toBe('postgres');
  });
});
