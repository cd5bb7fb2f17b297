/**
 * The cluster list and each cluster's service ARNs, kept for a short time across the invocations a
 * warm Lambda container serves, so a burst of changes lists each cluster once. Services' state
 * (deployments, task definition) is never cached: every decision describes them afresh. A
 * remembered list is checked against the cluster's active service count (one DescribeClusters for
 * up to 100 clusters) before it is used, so a service created since is listed.
 */
export interface DiscoveryCache {
  /** The cluster list, loaded through `load` when absent or older than the TTL. */
  clusters(load: () => Promise<string[]>): Promise<string[]>;
  /**
   * A cluster's service ARNs, likewise; also reloaded when `activeCount` (DescribeClusters'
   * activeServicesCount) differs from the remembered list's length, so a service created since is
   * not missed.
   */
  services(cluster: string, load: () => Promise<string[]>, activeCount?: number): Promise<string[]>;
  /** Whether a fresh list of the cluster's services is remembered (worth validating instead of listing). */
  hasServices(cluster: string): boolean;
}

export const DEFAULT_DISCOVERY_TTL_MS = 60_000;
// A bound on clusters remembered (ECS allows 10 000 per Region by default).
const MAX_CLUSTERS = 10_000;

/** Creates the cache (module scope in the handler). `now` is injectable for tests. */
export function createDiscoveryCache(options: { ttlMs?: number; now?: () => number } = {}): DiscoveryCache {
  const ttl = options.ttlMs ?? DEFAULT_DISCOVERY_TTL_MS;
  const now = options.now ?? Date.now;
  let clusterList: { at: number; value: string[] } | undefined;
  const services = new Map<string, { at: number; value: string[] }>();
  const fresh = (entry: { at: number } | undefined) => entry !== undefined && now() - entry.at < ttl;
  return {
    async clusters(load) {
      if (!fresh(clusterList)) clusterList = { at: now(), value: await load() };
      return clusterList!.value;
    },
    async services(cluster, load, activeCount) {
      const hit = services.get(cluster);
      if (fresh(hit) && (activeCount === undefined || activeCount === hit!.value.length)) return hit!.value;
      const value = await load();
      services.delete(cluster);
      services.set(cluster, { at: now(), value });
      if (services.size > MAX_CLUSTERS) services.delete(services.keys().next().value!);
      return value;
    },
    hasServices: (cluster) => fresh(services.get(cluster)),
  };
}
