import { describe, expect, it } from 'vitest';
import { SecretFormatError } from '../../src/secret.js';
import { ParameterMappingError } from '../../src/sync/errors.js';
import { describeOrigin, originOf } from '../../src/mirrorPath.js';
import { planParameters, type SecretSource } from '../../src/sync/planParameters.js';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:email-worker/prod/db-Ab12Cd';
const VERSION = '0b6f3f2e-58a1-4c9b-9d57-3e2f1a7c8d90';
const PASSWORD = 'p@ss:w/rd%Ü 1';

const secretJson = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ engine: 'postgres', host: 'db.internal', username: 'email_worker', password: PASSWORD, ...extra });

const NAME = 'email-worker/prod/db';
const sourceOf = (tags: Record<string, string>, secretString: string | undefined = secretJson(), facts: Partial<SecretSource> = {}): SecretSource => ({
  secretArn: ARN,
  name: NAME,
  deleted: false,
  owningService: undefined,
  versionId: VERSION,
  secretString,
  tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  ...facts,
});

// The default rule: a secret mirrors under "/" + its name.
const settings = { mirrorRules: { prefix: '/', bindings: new Map<string, string>() } };
const ROOT = '/email-worker/prod/db';
const byKey = (plan: ReturnType<typeof planParameters>) => Object.fromEntries(plan.parameters.map((p) => [p.key, p]));

describe('planParameters', () => {
  it('maps the secret to username, password, host, port, dbname and url under the path', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': '/email-worker/prod/db' });

    // Act
    const plan = planParameters(source, settings);

    // Assess
    expect(plan.parameters.map((p) => [p.name, p.value])).toEqual([
      ['/email-worker/prod/db/username', 'email_worker'],
      ['/email-worker/prod/db/password', PASSWORD],
      ['/email-worker/prod/db/host', 'db.internal'],
      ['/email-worker/prod/db/port', '5432'],
      ['/email-worker/prod/db/dbname', 'postgres'],
      ['/email-worker/prod/db/url', 'postgresql://email_worker:p%40ss%3Aw%2Frd%25%C3%9C%201@db.internal:5432/postgres?sslmode=prefer'],
    ]);
  });

  it('makes every parameter a SecureString without KeyId when no key is configured', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT });

    // Act
    const plan = planParameters(source, settings);

    // Assess
    expect(plan.parameters.every((p) => p.type === 'SecureString' && p.keyId === undefined)).toBe(true);
  });

  it('names the secret ARN and version in every description', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT });

    // Act
    const plan = planParameters(source, settings);

    // Assess
    expect(new Set(plan.parameters.map((p) => p.description))).toEqual(new Set([`keyroll: secret ${ARN} version ${VERSION}`]));
  });

  it('takes the KMS key from the keyroll:kms-key tag over the configured one', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT, 'keyroll:kms-key': 'alias/email-worker' });

    // Act
    const plan = planParameters(source, { ...settings, kmsKeyId: 'alias/shared' });

    // Assess
    expect(new Set(plan.parameters.map((p) => p.keyId))).toEqual(new Set(['alias/email-worker']));
  });

  it('falls back to the configured KMS key when the secret names none', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT });

    // Act
    const plan = planParameters(source, { ...settings, kmsKeyId: 'alias/shared' });

    // Assess
    expect(new Set(plan.parameters.map((p) => p.keyId))).toEqual(new Set(['alias/shared']));
  });

  it('makes the parameters named by keyroll:ssm-plain Strings without a KMS key', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT, 'keyroll:ssm-plain': 'host,port dbname', 'keyroll:kms-key': 'alias/k' });

    // Act
    const p = byKey(planParameters(source, settings));

    // Assess
    expect([p.host, p.port, p.dbname].map((x) => [x!.type, x!.keyId])).toEqual([
      ['String', undefined],
      ['String', undefined],
      ['String', undefined],
    ]);
    expect([p.username!.type, p.password!.type, p.url!.type]).toEqual(['SecureString', 'SecureString', 'SecureString']);
  });

  it('adds the extra keys listed in keyroll:ssm-keys, before url', () => {
    // Prepare
    const source = sourceOf(
      { 'keyroll:ssm-path': ROOT, 'keyroll:ssm-keys': 'schema, poolSize,host' },
      secretJson({ schema: 'mail', poolSize: 10 }),
    );

    // Act
    const plan = planParameters(source, settings);

    // Assess
    expect(plan.parameters.map((p) => p.key)).toEqual(['username', 'password', 'host', 'port', 'dbname', 'schema', 'poolSize', 'url']);
    expect(byKey(plan).poolSize!.value).toBe('10');
  });

  it('uses the secret port, dbname and sslmode in the url', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT }, secretJson({ port: '6432', dbname: 'mail db', sslmode: 'verify-full' }));

    // Act
    const p = byKey(planParameters(source, settings));

    // Assess
    expect(p.url!.value).toMatch(/@db\.internal:6432\/mail%20db\?sslmode=verify-full$/);
  });

  it('brackets an IPv6 host in the url', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT }, secretJson({ host: 'fd00::5' }));

    // Act
    const p = byKey(planParameters(source, settings));

    // Assess
    expect(p.url!.value).toContain('@[fd00::5]:5432/');
  });

  it('accepts a path of 14 levels, whose parameters have 15', () => {
    // Prepare
    const path = ROOT + '/' + Array.from({ length: 11 }, (_, i) => `l${i + 1}`).join('/');
    const source = sourceOf({ 'keyroll:ssm-path': path });

    // Act
    const plan = planParameters(source, settings);

    // Assess
    expect(plan.parameters[0]!.name.split('/').length - 1).toBe(15);
  });

  it.each([
    ['a path of 16 levels', { 'keyroll:ssm-path': ROOT + '/' + Array.from({ length: 13 }, (_, i) => `l${i}`).join('/') }, /16 levels.*15/],
    ['a path of 15 levels (16 with the leaf)', { 'keyroll:ssm-path': ROOT + '/' + Array.from({ length: 12 }, (_, i) => `l${i}`).join('/') }, /15 levels/],
    ['a path with a space', { 'keyroll:ssm-path': `${ROOT}/a b` }, /characters SSM refuses/],
    ['a path with an empty level', { 'keyroll:ssm-path': `${ROOT}//db` }, /empty level/],
    ['a path ending in a slash', { 'keyroll:ssm-path': `${ROOT}/` }, /must not end with/],
    ['a path not bound to the secret', { 'keyroll:ssm-path': '/team-b/prod/db' }, /is not bound to secret "email-worker\/prod\/db": SSM_PATH_PREFIX "\/" binds it to \/email-worker\/prod\/db/],
    ['a path beside its root', { 'keyroll:ssm-path': `${ROOT}2` }, /is not bound to secret/],
    ['a path without a leading slash', { 'keyroll:ssm-path': 'email-worker/prod/db' }, /is not bound to secret/],
    ['a master secret', { 'keyroll:ssm-path': ROOT, 'keyroll:master': 'true' }, /a master secret \(keyroll:master=true\) is never mirrored/],
    ['password made plain', { 'keyroll:ssm-path': ROOT, 'keyroll:ssm-plain': 'host,password' }, /"password", which is always a SecureString/],
    ['url made plain', { 'keyroll:ssm-path': ROOT, 'keyroll:ssm-plain': 'url' }, /"url", which is always a SecureString/],
    ['an unknown plain key', { 'keyroll:ssm-path': ROOT, 'keyroll:ssm-plain': 'hots' }, /"hots", which is not a parameter/],
    ['an extra key the secret lacks', { 'keyroll:ssm-path': ROOT, 'keyroll:ssm-keys': 'schema' }, /"schema", but the secret has no such key/],
    ['an extra key SSM cannot name', { 'keyroll:ssm-path': ROOT, 'keyroll:ssm-keys': 'a:b' }, /not a valid parameter name/],
    ['a malformed KMS key id', { 'keyroll:ssm-path': ROOT, 'keyroll:kms-key': 'alias/my key!' }, /not a key id/],
  ])('refuses %s with a ParameterMappingError naming the secret', (_, tags, message) => {
    // Prepare
    const source = sourceOf(tags);

    // Act
    const act = () => planParameters(source, settings);

    // Assess
    expect(act).toThrow(ParameterMappingError);
    expect(act).toThrow(message);
    expect(act).toThrow(ARN);
  });

  it('refuses a secret managed by another service (an RDS-managed master)', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT }, secretJson(), { owningService: 'rds' });

    // Act
    const act = () => planParameters(source, settings);

    // Assess
    expect(act).toThrow(/managed by the rds service; keyroll never mirrors a service's own secrets/);
  });

  it('accepts a path below the root its name binds', () => {
    // Act
    const plan = planParameters(sourceOf({ 'keyroll:ssm-path': `${ROOT}/primary` }), settings);

    // Assess
    expect(plan.path).toBe(`${ROOT}/primary`);
  });

  it('accepts the root SSM_PATH_PREFIX puts before the name', () => {
    // Act
    const plan = planParameters(sourceOf({ 'keyroll:ssm-path': `/apps${ROOT}` }), { mirrorRules: { prefix: '/apps/', bindings: new Map() } });

    // Assess
    expect(plan.path).toBe(`/apps${ROOT}`);
  });

  it('accepts only the path SSM_PATH_BINDINGS names for a secret it binds', () => {
    // Prepare
    const rules = { mirrorRules: { prefix: '/', bindings: new Map([[NAME, '/legacy/mail']]) } };

    // Act
    const bound = planParameters(sourceOf({ 'keyroll:ssm-path': '/legacy/mail' }), rules);
    const byName = () => planParameters(sourceOf({ 'keyroll:ssm-path': ROOT }), rules);

    // Assess
    expect(bound.path).toBe('/legacy/mail');
    expect(byName).toThrow(/SSM_PATH_BINDINGS binds it to \/legacy\/mail/);
  });

  it('refuses a value over 4096 bytes, naming the parameter and not the value', () => {
    // Prepare
    const long = 'x'.repeat(4097);
    const source = sourceOf({ 'keyroll:ssm-path': ROOT, 'keyroll:ssm-keys': 'cert' }, secretJson({ cert: long }));

    // Act
    const act = () => planParameters(source, settings);

    // Assess
    expect(act).toThrow('parameter /email-worker/prod/db/cert would hold 4097 bytes');
    expect(() => act()).not.toThrow(long);
  });

  it.each([
    ['JSON without password', secretJson({ password: undefined }), /"password" must be a non-empty string/],
    ['a value that is not JSON', 'host=db user=x password=y', /is not valid JSON/],
    ['a JSON array', '[1,2]', /must be a JSON object/],
    ['no SecretString', undefined, /has no SecretString/],
  ])('refuses a secret with %s with a SecretFormatError', (_, secretString, message) => {
    // Prepare
    const source = { ...sourceOf({ 'keyroll:ssm-path': ROOT }), secretString };

    // Act
    const act = () => planParameters(source, settings);

    // Assess
    expect(act).toThrow(SecretFormatError);
    expect(act).toThrow(message);
  });

  it('never puts a value in an error message', () => {
    // Prepare
    const source = sourceOf({ 'keyroll:ssm-path': ROOT, 'keyroll:ssm-keys': 'nested' }, secretJson({ nested: { p: PASSWORD } }));

    // Act
    let message = '';
    try {
      planParameters(source, settings);
    } catch (err) {
      message = (err as Error).message;
    }

    // Assess
    expect(message).toMatch(/"nested", whose value is not a string/);
    expect(message).not.toContain(PASSWORD);
  });
});

describe('describeOrigin', () => {
  it('names the secret and the version, which originOf reads back', () => {
    // Prepare
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${'n'.repeat(512)}-Ab12Cd`;

    // Act
    const description = describeOrigin(arn, VERSION);

    // Assess
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(originOf(description)).toEqual({ secretArn: arn, versionId: VERSION });
  });

  it.each([undefined, '', 'set by hand', 'keyroll: secret '])('reads no origin from the description %j', (description) => {
    expect(originOf(description)).toBeUndefined();
  });
});
