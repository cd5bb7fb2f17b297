import { readKeyrollTags, TAG_MASTER, TAG_SSM_PATH, type TagLike } from './tags.js';

/**
 * Which Parameter Store paths a secret may be mirrored to, and the names and provenance of the
 * parameters that mirror it. Shared by sync (which writes them), redeploy (which trusts only these
 * names, never an event's) and the CLI.
 *
 * The rule is the deployer's, not the secret owner's: a secret named `email-worker/prod/db`
 * mirrors under `<SSM_PATH_PREFIX>email-worker/prod/db` (default prefix `/`), or under the root
 * SSM_PATH_BINDINGS names for it. Its `keyroll:ssm-path` tag chooses a path at or below that root;
 * a tag pointing anywhere else mirrors nothing, so tagging a secret is never enough to copy its
 * value into another team's parameters.
 */
export interface MirrorRules {
  /** SSM_PATH_PREFIX, starting and ending with "/". */
  prefix: string;
  /** SSM_PATH_BINDINGS: secret name → the path root it mirrors under instead. */
  bindings: ReadonlyMap<string, string>;
}

/** The leaf names every mirror has, in write order (`url` last: it is built from the others). */
export const BASE_KEYS = ['username', 'password', 'host', 'port', 'dbname'] as const;
export const URL_KEY = 'url';

/** How sync describes the parameters it writes: `keyroll: secret <arn> version <id>` — their provenance. */
export const MIRRORED_DESCRIPTION_PREFIX = 'keyroll: secret ';
const VERSION_SEPARATOR = ' version ';

/** The root a secret's mirror path must lie at or under. */
export function boundRootOf(secretName: string, rules: MirrorRules): string {
  return rules.bindings.get(secretName) ?? `${rules.prefix}${secretName}`;
}

/** Why `path` may not mirror the secret named `secretName` (a sentence naming the rule), or undefined when it may. */
export function mirrorPathProblem(path: string, secretName: string, rules: MirrorRules): string | undefined {
  const root = boundRootOf(secretName, rules);
  if (path === root || path.startsWith(`${root}/`)) return undefined;
  const rule = rules.bindings.has(secretName) ? 'SSM_PATH_BINDINGS binds it to' : `SSM_PATH_PREFIX "${rules.prefix}" binds it to`;
  return `"${TAG_SSM_PATH}" ${JSON.stringify(path.slice(0, 120))} is not bound to secret "${secretName.slice(0, 120)}": ${rule} ${root} (a mirror path must be that path or below it)`;
}

/** Every parameter name of a mirror at `path`: the base keys, the extra keys, then `url`. */
export function mirroredParameterNames(path: string, extraKeys: readonly string[]): string[] {
  const keys = [...BASE_KEYS, ...extraKeys.filter((k) => !(BASE_KEYS as readonly string[]).includes(k) && k !== URL_KEY), URL_KEY];
  return [...new Set(keys)].map((k) => `${path}/${k}`);
}

/** The Description sync gives a parameter: which secret and version it holds (at most ~650 characters, under SSM's 1024). */
export function describeOrigin(secretArn: string, versionId: string): string {
  return `${MIRRORED_DESCRIPTION_PREFIX}${secretArn}${VERSION_SEPARATOR}${versionId}`;
}

/** The secret and version a parameter's Description names, when keyroll wrote it; undefined otherwise. */
export function originOf(description: string | undefined): { secretArn: string; versionId: string } | undefined {
  if (!description?.startsWith(MIRRORED_DESCRIPTION_PREFIX)) return undefined;
  const rest = description.slice(MIRRORED_DESCRIPTION_PREFIX.length);
  const at = rest.lastIndexOf(VERSION_SEPARATOR);
  if (at <= 0) return undefined;
  return { secretArn: rest.slice(0, at), versionId: rest.slice(at + VERSION_SEPARATOR.length) };
}

/** A secret as Secrets Manager describes it (DescribeSecret or ListSecrets), for the mirroring rules. */
export interface SecretFacts {
  secretArn: string;
  name: string;
  tags: readonly TagLike[];
  /** Set when the secret is scheduled for deletion. */
  deleted: boolean;
  /** The service that created and manages the secret (RDS for its managed masters), if any. */
  owningService: string | undefined;
}

/** Whether keyroll mirrors a secret: where to, or why not. */
export type Eligibility =
  | { kind: 'mirror'; path: string }
  /** Not asking to be mirrored (no tag), or going away: not an error. */
  | { kind: 'unmanaged'; reason: string }
  /** Asking, but a boundary forbids it: an error for that secret, before any value is read. */
  | { kind: 'refused'; reason: string };

/**
 * The boundaries of mirroring, decided from Secrets Manager's description alone (no value read):
 * a secret is mirrored when it carries `keyroll:ssm-path`, is not a master (`keyroll:master=true`),
 * is not managed by another service, and its path is bound to it by the deployer's rule.
 */
export function eligibilityOf(secret: SecretFacts, rules: MirrorRules): Eligibility {
  const tags = readKeyrollTags(secret.tags);
  if (tags.ssmPath === undefined) return { kind: 'unmanaged', reason: `no "${TAG_SSM_PATH}" tag` };
  if (secret.deleted) return { kind: 'unmanaged', reason: 'scheduled for deletion' };
  if (tags.master) return { kind: 'refused', reason: `a master secret (${TAG_MASTER}=true) is never mirrored` };
  if (secret.owningService) return { kind: 'refused', reason: `the secret is managed by the ${secret.owningService.slice(0, 40)} service; keyroll never mirrors a service's own secrets` };
  const problem = mirrorPathProblem(tags.ssmPath, secret.name, rules);
  if (problem) return { kind: 'refused', reason: problem };
  return { kind: 'mirror', path: tags.ssmPath };
}
