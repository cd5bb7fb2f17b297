import type { TaskDefinition } from '@aws-sdk/client-ecs';

/** Where a container takes a value from Secrets Manager or Parameter Store at task start. */
export interface ContainerReference {
  container: string;
  /** A secret or parameter name or ARN, as written in the task definition. Never a value. */
  valueFrom: string;
  source: 'secrets' | 'repositoryCredentials' | 'logConfiguration';
}

/**
 * What redeploy keeps of a task definition: only its references. The rest (environment
 * values, commands) may hold plaintext that has no business living in a cache.
 */
export interface TaskDefinitionReferences {
  taskDefinitionArn: string;
  references: ContainerReference[];
}

/** Task definitions by revision ARN, for the life of the process. */
export interface TaskDefinitionCache {
  get(taskDefinitionArn: string): TaskDefinitionReferences | undefined;
  set(taskDefinitionArn: string, entry: TaskDefinitionReferences): void;
  readonly size: number;
}

/**
 * Creates the cache. Revisions are immutable, so an entry never goes stale; the bound only
 * keeps a container that lives through many deployments from growing without limit (the
 * oldest entry leaves first).
 */
export function createTaskDefinitionCache(maxEntries = 10_000): TaskDefinitionCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('createTaskDefinitionCache: maxEntries must be a positive integer');
  const entries = new Map<string, TaskDefinitionReferences>();
  return {
    get: (arn) => entries.get(arn),
    set(arn, entry) {
      entries.delete(arn);
      entries.set(arn, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * Every place a container of the task definition names a secret or parameter that ECS
 * resolves when a task starts: `secrets[].valueFrom`, `repositoryCredentials.credentialsParameter`
 * and the log driver's `secretOptions[].valueFrom`.
 */
export function referencesOfTaskDefinition(taskDefinition: TaskDefinition, taskDefinitionArn: string): TaskDefinitionReferences {
  const references: ContainerReference[] = [];
  for (const c of taskDefinition.containerDefinitions ?? []) {
    const container = c.name ?? '(unnamed)';
    for (const s of c.secrets ?? []) {
      if (s.valueFrom) references.push({ container, valueFrom: s.valueFrom, source: 'secrets' });
    }
    const credentials = c.repositoryCredentials?.credentialsParameter;
    if (credentials) references.push({ container, valueFrom: credentials, source: 'repositoryCredentials' });
    for (const s of c.logConfiguration?.secretOptions ?? []) {
      if (s.valueFrom) references.push({ container, valueFrom: s.valueFrom, source: 'logConfiguration' });
    }
  }
  return { taskDefinitionArn, references };
}
