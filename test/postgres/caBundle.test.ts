import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME_CA_PATH, loadCaCertificates, resolveCaBundle, type CaBundleSource } from '../../src/postgres/caBundle.js';
import { usePostgres } from '../support/postgres.js';

describe('resolveCaBundle', () => {
  it.each<[string, { configured?: string; onLambda?: boolean }, boolean, CaBundleSource]>([
    ['a configured bundle, even on Lambda', { configured: '/opt/rds/global-bundle.pem', onLambda: true }, true, { kind: 'configured', bundle: '/opt/rds/global-bundle.pem' }],
    ['Lambda with the runtime CA file', { onLambda: true }, true, { kind: 'lambda-runtime', path: LAMBDA_RUNTIME_CA_PATH }],
    ['Lambda without the runtime CA file', { onLambda: true }, false, { kind: 'node-default' }],
    ['outside Lambda', { onLambda: false }, true, { kind: 'node-default' }],
    ['a blank configured value', { configured: '  ', onLambda: false }, true, { kind: 'node-default' }],
  ])('picks the right source for %s', (_, input, fileExists, expected) => {
    // Act
    const source = resolveCaBundle(input, () => fileExists);

    // Assess
    expect(source).toEqual(expected);
  });

  it('looks for /var/runtime/ca-cert.pem on Lambda', () => {
    // Prepare
    const asked: string[] = [];

    // Act
    resolveCaBundle({ onLambda: true }, (path) => {
      asked.push(path);
      return false;
    });

    // Assess
    expect(asked).toEqual(['/var/runtime/ca-cert.pem']);
  });
});

describe('loadCaCertificates', () => {
  it("keeps Node's default store for node-default", async () => {
    // Act
    const ca = await loadCaCertificates({ kind: 'node-default' });

    // Assess
    expect(ca).toBeUndefined();
  });

  it('reads a configured bundle file, trusted alone', async () => {
    // Prepare
    const path = usePostgres().caCertPath;

    // Act
    const ca = await loadCaCertificates({ kind: 'configured', bundle: path });

    // Assess
    expect(ca).toEqual([await readFile(path, 'utf8')]);
  });

  it('takes configured PEM text as it is', async () => {
    // Prepare
    const pem = await readFile(usePostgres().caCertPath, 'utf8');

    // Act
    const ca = await loadCaCertificates({ kind: 'configured', bundle: pem });

    // Assess
    expect(ca).toEqual([pem]);
  });

  it("adds the Lambda runtime file to Node's default CAs, as NODE_EXTRA_CA_CERTS would", async () => {
    // Prepare: any PEM file stands in for /var/runtime/ca-cert.pem.
    const path = usePostgres().caCertPath;

    // Act
    const ca = await loadCaCertificates({ kind: 'lambda-runtime', path });

    // Assess
    expect({ last: ca?.at(-1), includesNodeRoots: rootCertificates.every((c) => ca?.includes(c)) }).toEqual({
      last: await readFile(path, 'utf8'),
      includesNodeRoots: true,
    });
  });
});
