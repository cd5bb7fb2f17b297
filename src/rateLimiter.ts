export interface RateLimiter {
  /** Resolves when the caller may make its call: callers are spaced 1/tps apart, first come first served. */
  acquire(): Promise<void>;
}

export interface RateLimiterClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const realClock: RateLimiterClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Spaces calls `1000 / tps` ms apart across everyone sharing the limiter, so a bulk run stays
 * under a service quota instead of being throttled. No burst: the quota's own bucket absorbs
 * network jitter between when a call leaves and when it arrives.
 * @throws RangeError for a rate that is not a positive finite number.
 */
export function createRateLimiter(tps: number, clock: RateLimiterClock = realClock): RateLimiter {
  if (!Number.isFinite(tps) || tps <= 0) throw new RangeError(`createRateLimiter: tps must be a positive number, got ${tps}`);
  const interval = 1000 / tps;
  let nextSlot = -Infinity;
  return {
    async acquire() {
      const now = clock.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + interval;
      if (slot > now) await clock.sleep(slot - now);
    },
  };
}
