import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { DEFAULT_EXCLUDE_CHARACTERS, loadConfig } from '../src/config.js';

/** The message loadConfig throws for an environment; fails the test if it loads. */
function messageOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

const BOOL_WORDS = '"0"|"1"|"true"|"false"|"yes"|"no"|""';

describe('loadConfig', () => {
  it('applies every default to an empty environment', () => {
    // Act
    const config = loadConfig({});
    // Assess
    expect(config).toEqual({
      PASSWORD_LENGTH: 32,
      EXCLUDE_CHARACTERS: DEFAULT_EXCLUDE_CHARACTERS,
      DB_CONNECT_TIMEOUT_MS: 5_000,
      EVENT_BUS_NAME: 'default',
      SSM_PUT_TPS: 3,
      SSM_PATH_PREFIX: '/',
      SSM_PATH_BINDINGS: new Map(),
      SSM_PATH_PREFIXES: [],
      ECS_CLUSTERS: [],
      REDEPLOY_CONCURRENCY: 5,
      REDEPLOY_UPDATE_TPS: 4,
      ECS_READ_TPS: 15,
      REDEPLOY_WAIT: false,
      REDEPLOY_WAIT_TIMEOUT_SECONDS: 600,
      DRY_RUN: false,
      AWS_MAX_ATTEMPTS: 8,
      POWERTOOLS_SERVICE_NAME: 'keyroll',
      POWERTOOLS_METRICS_NAMESPACE: 'keyroll',
    });
  });

  it('treats blank values as unset', () => {
    // Act
    const config = loadConfig({ PASSWORD_LENGTH: ' ', DB_CA_BUNDLE: ' ', EVENT_BUS_NAME: '', SSM_KMS_KEY_ID: '  ', SSM_PUT_TPS: '', DRY_RUN: '' });
    // Assess
    expect(config).toMatchObject({ PASSWORD_LENGTH: 32, EVENT_BUS_NAME: 'default', SSM_PUT_TPS: 3, DRY_RUN: false });
    expect(config).not.toHaveProperty('DB_CA_BUNDLE', expect.anything());
    expect(config).not.toHaveProperty('SSM_KMS_KEY_ID', expect.anything());
  });

  it('parses the values it is given', () => {
    // Prepare
    const env = {
      PASSWORD_LENGTH: ' 40 ',
      EXCLUDE_CHARACTERS: '',
      DB_CA_BUNDLE: '/opt/ca.pem',
      EVENT_BUS_NAME: 'keyroll-bus',
      SSM_KMS_KEY_ID: 'alias/keyroll',
      SSM_PUT_TPS: '0.5',
      SSM_PATH_PREFIXES: ' /a , ,/b',
      SSM_PATH_PREFIX: '/apps',
      SSM_PATH_BINDINGS: 'legacy-db=/legacy/db/, rds!db-1=x=/odd',
      ROTATE_FUNCTION_NAME: 'keyroll-prod-rotate',
      REDEPLOY_UPDATE_TPS: '2.5',
      ECS_CLUSTERS: 'c1',
      REDEPLOY_WAIT: 'yes',
      DRY_RUN: '1',
      AWS_LAMBDA_FUNCTION_NAME: 'keyroll-rotate',
      POWERTOOLS_SERVICE_NAME: ' keyroll-prod ',
      UNRELATED: 'ignored',
    };
    // Act
    const config = loadConfig(env);
    // Assess
    expect(config).toEqual({
      PASSWORD_LENGTH: 40,
      EXCLUDE_CHARACTERS: '',
      DB_CA_BUNDLE: '/opt/ca.pem',
      DB_CONNECT_TIMEOUT_MS: 5_000,
      EVENT_BUS_NAME: 'keyroll-bus',
      SSM_KMS_KEY_ID: 'alias/keyroll',
      SSM_PUT_TPS: 0.5,
      SSM_PATH_PREFIX: '/apps/',
      SSM_PATH_BINDINGS: new Map([
        ['legacy-db', '/legacy/db'],
        ['rds!db-1=x', '/odd'],
      ]),
      ROTATE_FUNCTION_NAME: 'keyroll-prod-rotate',
      SSM_PATH_PREFIXES: ['/a', '/b'],
      ECS_CLUSTERS: ['c1'],
      REDEPLOY_CONCURRENCY: 5,
      REDEPLOY_UPDATE_TPS: 2.5,
      ECS_READ_TPS: 15,
      REDEPLOY_WAIT: true,
      REDEPLOY_WAIT_TIMEOUT_SECONDS: 600,
      DRY_RUN: true,
      AWS_MAX_ATTEMPTS: 8,
      POWERTOOLS_SERVICE_NAME: 'keyroll-prod',
      POWERTOOLS_METRICS_NAMESPACE: 'keyroll',
      AWS_LAMBDA_FUNCTION_NAME: 'keyroll-rotate',
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads the boolean word "%s"', (word, expected) => {
    // Act
    const config = loadConfig({ REDEPLOY_WAIT: word });
    // Assess
    expect(config.REDEPLOY_WAIT).toBe(expected);
  });

  it('returns a frozen object', () => {
    // Act
    const config = loadConfig({});
    // Assess
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ['PASSWORD_LENGTH', 'abc', 'must be an integer from 8 to 1024, got "abc"'],
    ['PASSWORD_LENGTH', '4', 'must be an integer from 8 to 1024, got "4"'],
    ['REDEPLOY_CONCURRENCY', '2.5', 'must be an integer from 1 to 50, got "2.5"'],
    ['REDEPLOY_WAIT_TIMEOUT_SECONDS', '900', 'must be an integer from 1 to 840, got "900"'],
    ['SSM_PUT_TPS', 'fast', 'must be a number from 0.1 to 1000, got "fast"'],
    ['SSM_PUT_TPS', '0', 'must be a number from 0.1 to 1000, got "0"'],
    ['DRY_RUN', 'maybe', `Invalid option: expected one of ${BOOL_WORDS}`],
    ['REDEPLOY_WAIT', 'TRUE', `Invalid option: expected one of ${BOOL_WORDS}`],
    ['SSM_PATH_PREFIX', 'apps', 'must be a Parameter Store path such as "/" or "/apps/", got "apps"'],
    ['SSM_PATH_PREFIX', '/a//b', 'must be a Parameter Store path such as "/" or "/apps/", got "/a//b"'],
    ['SSM_PATH_BINDINGS', 'legacy-db', '"legacy-db" is not secret-name=/parameter/path'],
    ['SSM_PATH_BINDINGS', 'a=/x y', '"a=/x y" is not secret-name=/parameter/path'],
    ['SSM_PATH_BINDINGS', 'a=/x,a=/y', 'binds secret "a" twice'],
  ])('names %s when it is "%s"', (name, value, problem) => {
    // Act
    const message = messageOf({ [name]: value });
    // Assess
    expect(message).toBe(`invalid configuration: ${name}: ${problem}`);
  });

  it('names every invalid variable at once', () => {
    // Act
    const message = messageOf({ PASSWORD_LENGTH: '2', DRY_RUN: 'x' });
    // Assess
    expect(message).toBe(
      `invalid configuration: PASSWORD_LENGTH: must be an integer from 8 to 1024, got "2"; DRY_RUN: Invalid option: expected one of ${BOOL_WORDS}`,
    );
  });
});
