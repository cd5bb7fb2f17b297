import { describe, expect, it } from 'vitest';
import { createDiscoveryCache } from '../../src/redeploy/discoveryCache.js';

describe('createDiscoveryCache', () => {
  it('lists a cluster once within the TTL and again after it', async () => {
    // Prepare
    let now = 0;
    const cache = createDiscoveryCache({ ttlMs: 1_000, now: () => now });
    let loads = 0;
    const load = async () => [`svc-${++loads}`];

    // Act
    const first = await cache.services('prod', load);
    now = 999;
    const cached = await cache.services('prod', load);
    now = 1_000;
    const reloaded = await cache.services('prod', load);

    // Assess
    expect([first, cached, reloaded]).toEqual([['svc-1'], ['svc-1'], ['svc-2']]);
  });

  it('lists again when the active service count no longer matches the remembered list', async () => {
    // Prepare
    const cache = createDiscoveryCache({ ttlMs: 60_000, now: () => 0 });
    const lists = [['a'], ['a', 'b']];
    const load = async () => lists.shift()!;
    await cache.services('prod', load);

    // Act: a service was created since.
    const same = await cache.services('prod', load, 1);
    const grown = await cache.services('prod', load, 2);

    // Assess
    expect([same, grown]).toEqual([['a'], ['a', 'b']]);
  });

  it('says whether a fresh list is remembered', async () => {
    // Prepare
    let now = 0;
    const cache = createDiscoveryCache({ ttlMs: 10, now: () => now });

    // Act
    const before = cache.hasServices('prod');
    await cache.services('prod', async () => []);
    const after = cache.hasServices('prod');
    now = 10;
    const expired = cache.hasServices('prod');

    // Assess
    expect([before, after, expired]).toEqual([false, true, false]);
  });

  it('keeps the cluster list for the TTL', async () => {
    // Prepare
    let now = 0;
    const cache = createDiscoveryCache({ ttlMs: 100, now: () => now });
    let loads = 0;

    // Act
    await cache.clusters(async () => [`c${++loads}`]);
    const cached = await cache.clusters(async () => [`c${++loads}`]);
    now = 100;
    const reloaded = await cache.clusters(async () => [`c${++loads}`]);

    // Assess
    expect([cached, reloaded]).toEqual([['c1'], ['c2']]);
  });
});
