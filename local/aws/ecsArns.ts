/**
 * ECS resource ARNs in the long format AWS has used for every account since 2021:
 * `arn:aws:ecs:<region>:<account>:cluster/<cluster>`, `…:service/<cluster>/<service>` and
 * `…:task-definition/<family>:<revision>`.
 */
export interface EcsArns {
  cluster(name: string): string;
  service(cluster: string, name: string): string;
  taskDefinition(family: string, revision: number): string;
  /** The cluster a name or cluster ARN refers to (a name is returned as given). */
  clusterName(ref: string): string;
  /** A service name or ARN; the cluster is present only in a long-format ARN. */
  serviceRef(ref: string): { cluster?: string; name: string };
  /** `family`, `family:revision` or a task definition ARN; undefined when it is none of them. */
  taskDefinitionRef(ref: string): { family: string; revision?: number } | undefined;
}

/** A partition follows from the region, as in AWS's own ARNs. */
function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Builds and parses the ARNs of one region and account; ARNs of others are not ours and match nothing. */
export function createEcsArns(region: string, accountId: string): EcsArns {
  const prefix = `arn:${partitionOf(region)}:ecs:${region}:${accountId}:`;
  const ours = new RegExp(`^${escape(prefix)}(cluster|service|task-definition)/(.+)$`);
  const parse = (ref: string) => {
    const m = ours.exec(ref);
    return m ? { kind: m[1]!, rest: m[2]! } : undefined;
  };
  const revisionOf = (s: string) => (/^[1-9]\d{0,9}$/.test(s) ? Number(s) : undefined);

  return {
    cluster: (name) => `${prefix}cluster/${name}`,
    service: (cluster, name) => `${prefix}service/${cluster}/${name}`,
    taskDefinition: (family, revision) => `${prefix}task-definition/${family}:${revision}`,
    clusterName(ref) {
      const p = parse(ref);
      return p?.kind === 'cluster' ? p.rest : ref;
    },
    serviceRef(ref) {
      const p = parse(ref);
      if (p?.kind !== 'service') return { name: ref };
      const slash = p.rest.indexOf('/');
      return slash < 0 ? { name: p.rest } : { cluster: p.rest.slice(0, slash), name: p.rest.slice(slash + 1) };
    },
    taskDefinitionRef(ref) {
      const p = parse(ref);
      if (p && p.kind !== 'task-definition') return undefined;
      const body = p ? p.rest : ref;
      const colon = body.lastIndexOf(':');
      if (colon < 0) return p ? undefined : { family: body };
      const revision = revisionOf(body.slice(colon + 1));
      return revision === undefined ? undefined : { family: body.slice(0, colon), revision };
    },
  };
}
