import { AWSCURRENT } from '../secret.js';
import { parseSecretArn, secretNameOfArn, type Change } from './change.js';

/** How one `valueFrom` relates to a change. */
export type ReferenceMatch =
  | { kind: 'unrelated' }
  | { kind: 'affected'; target: 'secret' | 'parameter' }
  | { kind: 'pinned'; reason: string };

const UNRELATED: ReferenceMatch = { kind: 'unrelated' };
const pinned = (reason: string): ReferenceMatch => ({ kind: 'pinned', reason });

// ECS's secret reference: the secret ARN (full, or partial without the 6-character suffix),
// optionally followed by `:json-key:version-stage:version-id`, each part possibly empty.
const SECRET_REF = /^arn:([a-z-]+):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
// A parameter ARN keeps the name's leading slash as the separator: name `/a/b` → `parameter/a/b`,
// name `foo` → `parameter/foo`. A `:version` or `:label` selector may follow.
const PARAMETER_REF = /^arn:([a-z-]+):ssm:([a-z0-9-]+):(\d{12}):parameter(\/.+)$/;

/**
 * A parameter name in the form its ARN shows it: with exactly one leading slash. `foo` and
 * `/foo` share an ARN in SSM, so they are treated as one name; the cost is, at worst, one
 * restart too many, never one too few.
 */
export function canonicalParameterName(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}

function splitSelector(nameWithSelector: string): { name: string; selector: string | undefined } {
  const colon = nameWithSelector.indexOf(':');
  return colon < 0
    ? { name: nameWithSelector, selector: undefined }
    : { name: nameWithSelector.slice(0, colon), selector: nameWithSelector.slice(colon + 1) };
}

function pinOfParameter(selector: string | undefined): ReferenceMatch {
  if (selector === undefined) return { kind: 'affected', target: 'parameter' };
  // ECS resolves exactly that version (or the version the label sits on): a restart changes nothing.
  return pinned(/^\d+$/.test(selector) ? `pinned to parameter version ${selector}` : `pinned to parameter label ${selector}`);
}

function pinOfSecret(stage: string, versionId: string, change: Change): ReferenceMatch {
  if (versionId !== '') {
    return versionId === change.versionId ? { kind: 'affected', target: 'secret' } : pinned(`pinned to secret version ${versionId}`);
  }
  if (stage !== '' && stage !== AWSCURRENT) return pinned(`pinned to secret stage ${stage}`);
  return { kind: 'affected', target: 'secret' };
}

function matchSecretArn(m: RegExpExecArray, change: Change): ReferenceMatch {
  if (!change.secretArn && !change.secretName) return UNRELATED;
  const fields = m[4]!.split(':');
  if (fields.length > 4) return UNRELATED;
  const [resourceName = '', , stage = '', versionId = ''] = fields;
  const target = change.secretArn ? parseSecretArn(change.secretArn) : undefined;
  if (target && (target.partition !== m[1] || target.region !== m[2] || target.accountId !== m[3])) return UNRELATED;
  const name = change.secretName ?? (change.secretArn ? secretNameOfArn(change.secretArn) : undefined);
  const sameSecret = resourceName === target?.resourceName || resourceName === name;
  return sameSecret ? pinOfSecret(stage, versionId, change) : UNRELATED;
}

function matchParameterArn(m: RegExpExecArray, change: Change, parameters: ReadonlySet<string>): ReferenceMatch {
  if ((change.region && change.region !== m[2]) || (change.accountId && change.accountId !== m[3])) return UNRELATED;
  const { name, selector } = splitSelector(m[4]!);
  return parameters.has(canonicalParameterName(name)) ? pinOfParameter(selector) : UNRELATED;
}

function matchName(valueFrom: string, change: Change, parameters: ReadonlySet<string>): ReferenceMatch {
  const secretName = change.secretName ?? (change.secretArn ? secretNameOfArn(change.secretArn) : undefined);
  if (secretName !== undefined && valueFrom === secretName) return { kind: 'affected', target: 'secret' };
  const { name, selector } = splitSelector(valueFrom);
  return name !== '' && parameters.has(canonicalParameterName(name)) ? pinOfParameter(selector) : UNRELATED;
}

/**
 * Whether a container's `valueFrom` (or `credentialsParameter`) names the changed secret or
 * one of the changed parameters, and whether it is pinned to a version the change did not touch.
 *
 * Secret forms: full ARN, ARN with `:json-key:version-stage:version-id`, partial ARN (no
 * 6-character suffix), bare name. A version id other than the change's, or a stage other than
 * AWSCURRENT, is pinned. Parameter forms: name or ARN (same region and account as the change
 * when it says), with an optional `:version` or `:label`, which pins it. Pure; never throws.
 */
export function matchReference(valueFrom: string, change: Change, parameters?: ReadonlySet<string>): ReferenceMatch {
  const params = parameters ?? parameterSetOf(change);
  const secret = SECRET_REF.exec(valueFrom);
  if (secret) return matchSecretArn(secret, change);
  const parameter = PARAMETER_REF.exec(valueFrom);
  if (parameter) return matchParameterArn(parameter, change, params);
  if (valueFrom.startsWith('arn:')) return UNRELATED;
  return matchName(valueFrom, change, params);
}

/** The change's parameter names in canonical form, built once per change for `matchReference`. */
export function parameterSetOf(change: Change): ReadonlySet<string> {
  return new Set(change.parameterNames.map(canonicalParameterName));
}
