import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as tls from 'node:tls';

/**
 * The file of every Amazon CA certificate (Amazon RDS's included) that Lambda's Node.js
 * runtimes ship. Since Node.js 20, Lambda no longer loads it by default; AWS's advice is
 * to set NODE_EXTRA_CA_CERTS to it (or to a smaller bundle packaged with the function).
 */
export const LAMBDA_RUNTIME_CA_PATH = '/var/runtime/ca-cert.pem';

/**
 * Where the certificate authorities for `verify-ca` / `verify-full` come from:
 * - `configured`: a bundle given by the operator (path or PEM text); trusted alone, as
 *   libpq's `sslrootcert` is;
 * - `lambda-runtime`: Node's default CAs plus {@link LAMBDA_RUNTIME_CA_PATH}, exactly what
 *   NODE_EXTRA_CA_CERTS would give (an RDS instance's certificate chains to an RDS CA in
 *   the file, an RDS Proxy's to an Amazon Root CA in Node's list, so both are needed);
 * - `node-default`: Node's default store (its bundled roots plus NODE_EXTRA_CA_CERTS, if
 *   set when the process started).
 */
export type CaBundleSource =
  | { kind: 'configured'; bundle: string }
  | { kind: 'lambda-runtime'; path: string }
  | { kind: 'node-default' };

/**
 * Picks the CA source for a process: the configured bundle (`DB_CA_BUNDLE`) if there is
 * one; else, on Lambda, the runtime's Amazon CA file when it exists (so RDS verifies with
 * no setting at all, and without paying its load at cold start: it is read only when a
 * verifying connection is made); else Node's default store.
 */
export function resolveCaBundle(
  input: { configured?: string | undefined; onLambda?: boolean | undefined },
  exists: (path: string) => boolean = existsSync,
): CaBundleSource {
  if (input.configured !== undefined && input.configured.trim() !== '') return { kind: 'configured', bundle: input.configured };
  if (input.onLambda && exists(LAMBDA_RUNTIME_CA_PATH)) return { kind: 'lambda-runtime', path: LAMBDA_RUNTIME_CA_PATH };
  return { kind: 'node-default' };
}

/** Short text for messages: which CAs were trusted. */
export function describeCaBundle(source: CaBundleSource): string {
  switch (source.kind) {
    case 'configured':
      return isPem(source.bundle) ? 'the configured CA bundle (PEM)' : `the CA bundle ${source.bundle}`;
    case 'lambda-runtime':
      return `Node's CAs and ${source.path}`;
    case 'node-default':
      return "Node's default CAs";
  }
}

/**
 * The PEM certificates to hand to TLS as `ca`, or undefined to keep Node's default store.
 * @throws Error (with the path, from fs) when a bundle file cannot be read.
 */
export async function loadCaCertificates(source: CaBundleSource): Promise<string[] | undefined> {
  switch (source.kind) {
    case 'configured':
      return [isPem(source.bundle) ? source.bundle : await readFile(source.bundle, 'utf8')];
    case 'lambda-runtime':
      return [...defaultCertificates(), await readFile(source.path, 'utf8')];
    case 'node-default':
      return undefined;
  }
}

const isPem = (bundle: string) => bundle.includes('-----BEGIN CERTIFICATE-----');

// `getCACertificates('default')` includes NODE_EXTRA_CA_CERTS; Node 22 before 22.15 lacks it
// (hence the namespace import: a named import of a missing builtin export fails at load).
const defaultCertificates = (): readonly string[] =>
  typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : tls.rootCertificates;
