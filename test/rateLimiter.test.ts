import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/rateLimiter.js';

/** A clock that only moves when someone sleeps: acquisitions are recorded at virtual times. */
function virtualClock() {
  let now = 1_000;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('createRateLimiter', () => {
  it('spaces callers 1/tps apart, the first one at once', async () => {
    // Prepare
    const clock = virtualClock();
    const limiter = createRateLimiter(4, clock);
    const times: number[] = [];

    // Act
    for (let i = 0; i < 5; i += 1) {
      await limiter.acquire();
      times.push(clock.now());
    }

    // Assess
    expect(times).toEqual([1000, 1250, 1500, 1750, 2000]);
  });

  it('lets a caller through at once after an idle gap longer than the interval', async () => {
    // Prepare
    const clock = virtualClock();
    const limiter = createRateLimiter(2, clock);
    await limiter.acquire();
    await clock.sleep(5_000);

    // Act
    const before = clock.now();
    await limiter.acquire();

    // Assess
    expect(clock.now()).toBe(before);
  });

  it('gives concurrent callers distinct slots in arrival order', async () => {
    // Prepare
    const clock = virtualClock();
    const slept: number[] = [];
    const limiter = createRateLimiter(3, { now: clock.now, sleep: async (ms) => void slept.push(ms) });

    // Act
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);

    // Assess
    expect(slept.map((ms) => Math.round(ms))).toEqual([333, 667]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %s', (tps) => {
    // Act
    const act = () => createRateLimiter(tps);

    // Assess
    expect(act).toThrow(RangeError);
  });
});
