import { randomBytes, randomUUID } from 'node:crypto';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import type { MirrorRules } from '../../src/mirrorPath.js';
import type { SyncDeps, SyncSettings } from '../../src/sync/deps.js';
import type { TestAws } from './endpoint.js';

/** The default binding: a secret named n mirrors under "/n". */
export const DEFAULT_MIRROR_RULES: MirrorRules = { prefix: '/', bindings: new Map() };

const quiet = new Logger({ serviceName: 'keyroll-test', logLevel: 'SILENT' });

/** Sync deps on the test endpoint: unpaced writes, the default mirror rule, a silent logger unless given. */
export function syncDepsFor(t: TestAws, options: { logger?: SyncDeps['logger']; clock?: () => Date; settings?: Partial<SyncSettings> } = {}): SyncDeps {
  return {
    secretsManager: t.sm,
    ssm: t.ssm,
    eventBridge: t.events,
    logger: options.logger ?? quiet,
    ...(options.clock ? { clock: options.clock } : {}),
    settings: { putTps: 1000, eventBusName: 'default', mirrorRules: DEFAULT_MIRROR_RULES, ...options.settings },
  };
}

export interface ManagedSecret {
  arn: string;
  name: string;
  path: string;
  password: string;
}

export const uniqueId = () => randomUUID().slice(0, 8);
/** A password with characters a URL must encode. */
export const urlHostilePassword = () => `Pw@:/%${randomBytes(12).toString('base64url')}`;

/**
 * A secret tagged for mirroring: by default named `kr/<prefix>-<id>/db` and mirrored under
 * `/kr/<prefix>-<id>/db`, the path the default rule binds to it. `path` alone derives the name
 * from it (without its leading slash); give `name` too for a path its name does not bind.
 */
export async function createManagedSecret(
  t: TestAws,
  options: { prefix?: string; tags?: Record<string, string>; value?: string; path?: string; name?: string } = {},
): Promise<ManagedSecret> {
  const password = urlHostilePassword();
  const name = options.name ?? (options.path ? options.path.replace(/^\//, '') : `kr/${options.prefix ?? 'sync'}-${uniqueId()}/db`);
  const path = options.path ?? `/${name}`;
  const value = options.value ?? JSON.stringify({ engine: 'postgres', host: 'db.internal', port: 5432, username: 'email_worker', password, dbname: 'mail' });
  const tags = { 'keyroll:ssm-path': path, ...options.tags };
  const out = await t.sm.send(
    new CreateSecretCommand({ Name: name, SecretString: value, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
  );
  return { arn: out.ARN!, name, path, password };
}
