/**
 * The adaptive limiter's learning rules, exactly, on a clock the test moves: defaults and option
 * checks, the ceiling and burst that x-ratelimit-* headers teach (and the hostile values that
 * teach nothing), the estimate a 429 teaches (once per rate, not once per simultaneous 429),
 * growth while callers queue and the server has room, the source of the rate, the TTL, the pause,
 * the waits it sleeps, the O(1) queue, and the process-wide table.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualTime } from '../bench/virtual-time.ts';
import { abortableSleep, AdaptiveLimiter, checkNumber, limiterSnapshots, MAX_TIMER_MS, sharedLimiter } from '../src/limiter.ts';

/** A limiter on a clock the test moves, whose sleeps are recorded and never resolve on their own. */
function manual(options: ConstructorParameters<typeof AdaptiveLimiter>[0] = {}) {
  let t = 0;
  const sleeps: number[] = [];
  const limiter = new AdaptiveLimiter({ now: () => t, sleep: (ms, signal) => new Promise((_resolve, reject) => { sleeps.push(ms); signal?.addEventListener('abort', () => reject(signal.reason)); }), ...options });
  return { limiter, sleeps, at: (ms: number) => void (t = ms) };
}
const rateHeaders = (limit: number | string, remaining: number | string, reset: string) =>
  new Headers({ 'x-ratelimit-limit-requests': String(limit), 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-reset-requests': reset });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** `n` successes spread evenly over [from, to). */
function successes(l: ReturnType<typeof manual>, n: number, from: number, to: number) {
  for (let i = 0; i < n; i++) {
    l.at(from + ((to - from) * i) / n);
    l.limiter.recordSuccess();
  }
}

describe('AdaptiveLimiter options', () => {
  it('defaults', () => {
    const l = new AdaptiveLimiter();
    expect([l.minRate, l.throttleFactor, l.growthMs, l.burstSeconds, l.maxPauseMs, l.windowMs, l.ttlMs]).toEqual([0.5, 0.9, 500, 0.1, 10_000, 1_000, 60_000]);
  });

  it('takes its options, seconds as seconds; a TTL may be infinite', () => {
    const l = new AdaptiveLimiter({ minRate: 1, throttleFactor: 1, growthSeconds: 2, burstSeconds: 2, maxPauseMs: 0, windowSeconds: 3, ttlSeconds: Number.POSITIVE_INFINITY });
    expect([l.minRate, l.throttleFactor, l.growthMs, l.burstSeconds, l.maxPauseMs, l.windowMs, l.ttlMs]).toEqual([1, 1, 2_000, 2, 0, 3_000, Number.POSITIVE_INFINITY]);
  });

  it('names the rule and the value', () => {
    expect(() => new AdaptiveLimiter({ minRate: 0 })).toThrow(new TypeError('minRate must be a finite number > 0, got 0'));
    expect(() => new AdaptiveLimiter({ throttleFactor: 1.5 })).toThrow(new TypeError('throttleFactor must be a number in (0, 1], got 1.5'));
    expect(() => new AdaptiveLimiter({ throttleFactor: 0 })).toThrow(new TypeError('throttleFactor must be a finite number > 0, got 0'));
    expect(() => new AdaptiveLimiter({ growthSeconds: 0 })).toThrow(new TypeError('growthSeconds must be a finite number > 0, got 0'));
    expect(() => new AdaptiveLimiter({ burstSeconds: 0 })).toThrow(/^burstSeconds must be a finite number > 0/);
    expect(() => new AdaptiveLimiter({ maxPauseMs: -1 })).toThrow(/^maxPauseMs must be a finite number >= 0/);
    expect(() => new AdaptiveLimiter({ windowSeconds: 0 })).toThrow(/^windowSeconds must be a finite number > 0/);
    expect(() => new AdaptiveLimiter({ ttlSeconds: 0 })).toThrow(new TypeError('ttlSeconds must be a number > 0, got 0'));
    expect(() => new AdaptiveLimiter({ ttlSeconds: Number.NaN })).toThrow(new TypeError('ttlSeconds must be a number > 0, got NaN'));
    expect(() => new AdaptiveLimiter({ now: 1 as never })).toThrow(new TypeError('now must be a function, got number'));
  });

  it('checkNumber: finite by default, infinite when allowed; a string is not a number', () => {
    expect(() => checkNumber('x', Number.POSITIVE_INFINITY)).toThrow(new TypeError('x must be a finite number >= 0, got Infinity'));
    expect(() => checkNumber('x', Number.POSITIVE_INFINITY, { finite: false })).not.toThrow();
    expect(() => checkNumber('x', Number.NaN, { finite: false })).toThrow(new TypeError('x must be a number >= 0, got NaN'));
    expect(() => checkNumber('x', '5')).toThrow(TypeError);
    expect(() => checkNumber('x', 0)).not.toThrow();
    expect(() => checkNumber('x', 0, { above: true })).toThrow(TypeError);
    expect(() => checkNumber('x', undefined, { above: true })).not.toThrow();
  });
});

describe('AdaptiveLimiter before it learns anything', () => {
  it('does not pace, counts successes, and says it has learned nothing', async () => {
    const { limiter, at } = manual();
    at(5);
    await expect(limiter.acquire()).resolves.toBe(5); // the admission time, for recordThrottle
    limiter.recordSuccess();
    expect(limiter.snapshot()).toEqual({
      rate: Number.POSITIVE_INFINITY,
      source: 'none',
      ceiling: Number.POSITIVE_INFINITY,
      queued: 0,
      tokens: Number.POSITIVE_INFINITY,
      pausedForMs: 0,
      successes: 1,
      throttles: 0,
      idleMs: 0,
      expiresInMs: 60_000,
    });
  });

  it('an aborted signal rejects at once with its reason', async () => {
    const { limiter } = manual();
    const c = new AbortController();
    c.abort(new Error('gone'));
    await expect(limiter.acquire(c.signal)).rejects.toThrow('gone');
  });
});

describe('AdaptiveLimiter.learnFromHeaders: the ceiling, the burst, the slots', () => {
  it('limit per minute / 60 is the ceiling, and the rate at once; the burst is remaining + reset x ceiling', () => {
    const { limiter, at } = manual();
    limiter.learnFromHeaders(rateHeaders(6000, 9, '10ms')); // 100/s; 9 + 0.01 s x 100 = a burst of 10
    expect(limiter.snapshot()).toMatchObject({ rate: 100, source: 'header', ceiling: 100 });
    at(20_000);
    expect(limiter.snapshot().tokens).toBe(10);
  });

  it('the burst is at most the limit; a missing reset leaves burstSeconds of the rate', () => {
    const a = manual();
    a.limiter.learnFromHeaders(rateHeaders(120, 100, '10m0s')); // 2/s; 100 + 1200 capped at 120
    a.at(50_000);
    expect(a.limiter.snapshot().tokens).toBe(120);
    const b = manual({ burstSeconds: 2 });
    b.limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '3' })); // 10/s
    b.at(20_000);
    expect(b.limiter.snapshot().tokens).toBe(20);
  });

  it('whole free slots never exceed remaining; the part of a slot refilled here is kept', () => {
    const { limiter, at } = manual();
    limiter.learnFromHeaders(rateHeaders(6000, 50, '0s')); // 100/s, burst 50
    at(1_000);
    expect(limiter.snapshot().tokens).toBe(50);
    limiter.learnFromHeaders(rateHeaders(6000, 7, '430ms'));
    expect(limiter.snapshot().tokens).toBe(7);
    limiter.learnFromHeaders(rateHeaders(6000, 40, '100ms')); // more remaining adds nothing
    expect(limiter.snapshot().tokens).toBe(7);
    limiter.learnFromHeaders(rateHeaders(6000, 0, '500ms'));
    at(1_004); // 0.4 of a slot refilled
    limiter.learnFromHeaders(rateHeaders(6000, 0, '500ms'));
    expect(limiter.snapshot().tokens).toBeCloseTo(0.4, 9);
  });

  it('a ceiling below minRate is minRate', () => {
    const { limiter } = manual();
    limiter.learnFromHeaders(rateHeaders(10, 9, '1h'));
    expect(limiter.rate).toBe(0.5);
  });

  it('the rate follows the ceiling down at once, and up when it was at the old ceiling', () => {
    const { limiter, at } = manual();
    limiter.learnFromHeaders(rateHeaders(6000, 5, '50ms'));
    at(100);
    limiter.learnFromHeaders(rateHeaders(1800, 0, '100ms')); // 30/s
    expect(limiter.snapshot()).toMatchObject({ rate: 30, source: 'header', ceiling: 30 });
    at(200);
    limiter.learnFromHeaders(rateHeaders(6000, 9, '10ms'));
    expect(limiter.snapshot()).toMatchObject({ rate: 100, source: 'header', ceiling: 100 });
  });

  it('a rate a 429 taught stays below a ceiling that rises (growth takes it there)', () => {
    const l = manual();
    l.limiter.learnFromHeaders(rateHeaders(6000, 5, '50ms'));
    successes(l, 40, 0, 1_000);
    l.at(1_000);
    l.limiter.recordThrottle(undefined, 1_000); // 40 per second x 0.9
    expect(l.limiter.snapshot()).toMatchObject({ rate: 36, source: '429s', ceiling: 100 });
    l.limiter.learnFromHeaders(rateHeaders(12_000, 5, '25ms'));
    expect(l.limiter.snapshot()).toMatchObject({ rate: 36, source: '429s', ceiling: 200 });
  });

  it.each([
    ['a zero limit', rateHeaders(0, 0, '1s')],
    ['a negative limit', rateHeaders(-6000, 0, '1s')],
    ['a limit of 1e308', rateHeaders('1e308', 0, '1s')],
    ['a limit of 16 digits', rateHeaders('6000000000000000', 0, '1s')],
    ['a limit that is not a number', rateHeaders('abc', 0, '1s')],
    ['an infinite limit', rateHeaders('Infinity', 1, '1s')],
    ['a hexadecimal limit', rateHeaders('0x10', 1, '1s')],
    ['remaining above the limit', rateHeaders(10, 11, '1s')],
    ['a negative remaining', rateHeaders(10, -1, '1s')],
    ['a missing limit', new Headers({ 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '1s' })],
  ])('%s teaches nothing', (_name, headers) => {
    const { limiter } = manual();
    limiter.learnFromHeaders(headers);
    expect(limiter.snapshot()).toMatchObject({ rate: Number.POSITIVE_INFINITY, source: 'none', ceiling: Number.POSITIVE_INFINITY, pausedForMs: 0 });
  });

  it('a reset that is no duration ("abc", "-5s", "NaNs") teaches no burst, and nothing odd', () => {
    for (const reset of ['abc', '-5s', 'NaNs', '1e308s']) {
      const { limiter, at } = manual();
      limiter.learnFromHeaders(rateHeaders(600, 2, reset));
      at(20_000);
      expect(limiter.snapshot()).toMatchObject({ rate: 10, tokens: 1 }); // burstSeconds (0.1) of 10/s, at least one
    }
  });

  it('no token left (remaining-tokens 0) pauses the key until the tokens reset, capped at maxPauseMs, and stops growth', () => {
    const { limiter } = manual({ maxPauseMs: 3_000 });
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1s' }));
    expect(limiter.snapshot().pausedForMs).toBe(1_000);
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }));
    expect(limiter.snapshot().pausedForMs).toBe(3_000);
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-remaining-tokens': '5', 'x-ratelimit-reset-tokens': '1h' }));
    expect(limiter.snapshot().pausedForMs).toBe(3_000); // tokens left: nothing to act on
  });

  it('reads the header names of the sources it is given', () => {
    const { limiter } = manual();
    const sources = { rateLimitHeaders: { limitRequests: 'l', remainingRequests: 'r', resetRequests: 'd' } } as never;
    limiter.learnFromHeaders(new Headers({ l: '1200', r: '10', d: '1s' }), sources);
    expect(limiter.rate).toBe(20);
  });
});

describe('AdaptiveLimiter.recordThrottle: what a 429 teaches', () => {
  it('throttleFactor x the successes per second over the window', () => {
    const l = manual();
    successes(l, 10, 0, 1_000);
    l.at(1_000);
    l.limiter.recordThrottle();
    expect(l.limiter.snapshot()).toMatchObject({ rate: 9, source: '429s' });
  });

  it('a burst of successes in a moment is measured over a tenth of the window, not the moment', () => {
    const l = manual();
    l.at(500);
    for (let i = 0; i < 10; i++) l.limiter.recordSuccess();
    l.limiter.recordThrottle();
    expect(l.limiter.rate).toBeCloseTo(90, 9); // 10 in 100 ms x 0.9: an overestimate the next 429s correct
  });

  it('only successes in the window count; the window follows windowSeconds and the rate throttleFactor', () => {
    const l = manual({ windowSeconds: 2, throttleFactor: 0.5 });
    successes(l, 50, 0, 1_000); // out of the window at 3 s
    successes(l, 8, 1_000, 3_000);
    l.at(3_000);
    l.limiter.recordThrottle();
    expect(l.limiter.rate).toBeCloseTo(2, 9); // 8 in 2 s x 0.5
  });

  it('without a success in the window: paced, half the rate; unpaced, the rate the hint implies, else minRate', () => {
    const a = manual();
    a.limiter.recordSuccess();
    a.limiter.recordThrottle(200);
    expect(a.limiter.rate).toBe(5);
    const b = manual({ minRate: 0.1 });
    b.limiter.recordThrottle();
    expect(b.limiter.rate).toBe(0.1);
    const c = manual();
    c.limiter.learnFromHeaders(rateHeaders(600, 0, '100ms')); // 10/s
    c.at(10);
    c.limiter.recordThrottle(undefined, 10);
    expect(c.limiter.rate).toBe(5);
    // Since the bucket ran dry (the 429 at 100 ms), eight successes measure what the server
    // grants; seven are too few, and the whole window's successes, the saved burst with them, say it.
    const since = (n: number) => {
      const l = manual();
      l.limiter.learnFromHeaders(rateHeaders(6000, 5, '50ms')); // 100/s
      successes(l, 30, 0, 100);
      l.at(100);
      l.limiter.recordThrottle(undefined, 100);
      successes(l, n, 150, 600);
      l.at(600);
      l.limiter.recordThrottle(undefined, 600);
      return l.limiter.rate;
    };
    expect(since(8)).toBeCloseTo(0.9 * 16, 9); // 8 in the 0.5 s since
    expect(since(7)).toBeCloseTo(0.9 * (37 / 0.6), 9); // 37 in 0.6 s
  });

  it('a crowd of simultaneous 429s lowers the rate once: attempts sent before the rate changed teach nothing more', () => {
    const l = manual();
    successes(l, 100, 0, 1_000);
    l.at(1_000);
    l.limiter.recordThrottle(undefined, 990);
    expect(l.limiter.rate).toBe(90);
    for (let i = 0; i < 50; i++) l.limiter.recordThrottle(undefined, 995); // sent before 1,000
    expect(l.limiter.rate).toBe(90);
    expect(l.limiter.snapshot().throttles).toBe(51);
    l.at(1_500);
    l.limiter.recordThrottle(undefined, 1_200); // sent under 90/s: a new measure, (50 in the last second) x 0.9
    expect(l.limiter.rate).toBe(45);
  });

  it('the first answer\'s headers set the rate, so the 429s of the unpaced first wave teach only their pause', () => {
    const l = manual();
    l.at(50);
    l.limiter.learnFromHeaders(rateHeaders(6000, 0, '100ms'));
    for (let i = 0; i < 90; i++) l.limiter.recordThrottle(10, 0);
    expect(l.limiter.snapshot()).toMatchObject({ rate: 100, source: 'header', pausedForMs: 10, throttles: 90 });
  });

  it('never raises the rate, never above the ceiling, never below minRate', () => {
    const l = manual();
    l.limiter.learnFromHeaders(rateHeaders(600, 0, '100ms')); // 10/s
    successes(l, 100, 0, 1_000); // 100/s measured: 90 would be above the ceiling
    l.at(1_000);
    l.limiter.recordThrottle(undefined, 1_000);
    expect(l.limiter.rate).toBe(10);
    const low = manual({ minRate: 2 });
    low.limiter.recordThrottle(10_000);
    expect(low.limiter.rate).toBe(2);
  });

  it('the hint pauses the key (a longer pause is kept, capped at maxPauseMs); a zero, negative, NaN or infinite hint pauses nothing', () => {
    const { limiter, at } = manual({ maxPauseMs: 5_000 });
    limiter.recordThrottle(2_000);
    expect(limiter.snapshot().pausedForMs).toBe(2_000);
    at(500);
    limiter.recordThrottle(100);
    expect(limiter.snapshot().pausedForMs).toBe(1_500);
    limiter.recordThrottle(1e308);
    expect(limiter.snapshot().pausedForMs).toBe(5_000);
    for (const hint of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const fresh = manual();
      fresh.limiter.recordThrottle(hint);
      expect(fresh.limiter.snapshot()).toMatchObject({ rate: 0.5, pausedForMs: 0, tokens: 0 });
    }
  });
});

describe('AdaptiveLimiter growth', () => {
  /** A limiter at 36/s (a 429's estimate under a ceiling of 100/s) with one caller queued. */
  async function throttledWithQueue(headers = true) {
    const l = manual();
    if (headers) l.limiter.learnFromHeaders(rateHeaders(6000, 5, '50ms'));
    successes(l, 40, 0, 1_000);
    l.at(1_000);
    l.limiter.recordThrottle(undefined, 1_000); // no slot now
    const queued = l.limiter.acquire();
    await tick();
    return { ...l, queued };
  }

  it('from throttleFactor x G back to G (what the server granted at the 429) linearly over one window, then probing, slowly at first', async () => {
    const l = await throttledWithQueue(); // 36/s; G = 40/s, the successes of the last second
    expect(l.limiter.queued).toBe(1);
    const seen: number[] = [];
    for (let t = 1_250; t <= 2_000; t += 250) {
      l.at(t);
      l.limiter.recordSuccess();
      seen.push(l.limiter.rate);
    }
    expect(seen.map((r) => Number(r.toFixed(9)))).toEqual([37, 38, 39, 40]);
    expect(l.limiter.snapshot().source).toBe('ramp');
    l.at(2_250);
    l.limiter.recordSuccess(); // past G: doubling every 16 x 0.5 s less the 1.25 s since the 429
    expect(l.limiter.rate).toBeCloseTo(40 * 2 ** (250 / 6_750), 9);
  });

  it('far below throttleFactor x G (the rate of a hint, under the burst the server had saved), doubling every growthSeconds up to it', async () => {
    const l = manual();
    successes(l, 20, 0, 100); // the server's saved burst: 20 in a tenth of the window, G = 200/s
    l.at(100);
    l.limiter.recordThrottle(100, 100); // unpaced: one slot per 100 ms, 10/s
    expect(l.limiter.rate).toBe(10);
    void l.limiter.acquire();
    await tick();
    l.at(350);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBeCloseTo(10 * Math.SQRT2, 9);
    l.at(600);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBeCloseTo(20, 9);
  });

  it('headers showing the bucket half full or more double the rate every growthSeconds / 2, past G too; a 429 ends that', async () => {
    const l = await throttledWithQueue(); // 36/s; G = 40/s
    l.limiter.learnFromHeaders(rateHeaders(6000, 6, '40ms')); // burst 10, 6 left
    l.at(1_250);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBeCloseTo(72, 9);
    l.limiter.learnFromHeaders(rateHeaders(6000, 4, '60ms')); // 4 of 10: no longer roomy
    l.at(1_500);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBeCloseTo(72 * 2 ** (250 / 7_500), 9);
    l.limiter.learnFromHeaders(rateHeaders(6000, 9, '10ms'));
    l.limiter.recordThrottle(undefined, 1_000); // sent before the rate changed: teaches no rate, but says the bucket is empty
    l.at(1_750);
    l.limiter.recordSuccess();
    expect(l.limiter.snapshot().source).toBe('ramp');
    expect(l.limiter.rate).toBeLessThan(72 * 2 ** (250 / 7_500) * 1.1);
  });

  it('a success after a long gap grows the rate by one step of at most 250 ms', async () => {
    const l = await throttledWithQueue(false);
    l.at(20_000);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBeCloseTo(37, 9);
  });

  it('the probe speeds up the longer no 429 comes; without headers there is no ceiling', async () => {
    const l = await throttledWithQueue(false);
    for (let t = 1_250; t <= 9_000; t += 250) {
      l.at(t);
      l.limiter.recordSuccess();
    }
    const at9 = l.limiter.rate;
    l.at(9_250);
    l.limiter.recordSuccess();
    expect(l.limiter.rate / at9).toBeCloseTo(Math.SQRT2, 9); // 8 s on: doubling every 0.5 s again
    expect(at9).toBeGreaterThan(80);
  });

  it('no growth while nobody queues, nor while the headers say no request is left (with a burst of two or more)', async () => {
    const idle = manual();
    idle.limiter.learnFromHeaders(rateHeaders(6000, 5, '50ms'));
    idle.limiter.recordThrottle();
    const before = idle.limiter.rate;
    idle.at(500);
    idle.limiter.recordSuccess();
    expect(idle.limiter.rate).toBe(before);

    const l = await throttledWithQueue();
    l.limiter.learnFromHeaders(rateHeaders(6000, 0, '100ms')); // burst 10, none left
    l.at(1_500);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBe(36);
    l.limiter.learnFromHeaders(rateHeaders(6000, 1, '90ms')); // room again
    l.at(1_750);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBeCloseTo(37, 9);
  });

  it('with a burst of one, remaining is 0 after every request and says nothing about room', async () => {
    const l = manual();
    l.limiter.learnFromHeaders(rateHeaders(600, 0, '100ms')); // 10/s, burst 1
    successes(l, 10, 0, 1_000);
    l.at(1_000);
    l.limiter.recordThrottle(undefined, 1_000);
    expect(l.limiter.rate).toBe(9);
    void l.limiter.acquire();
    void l.limiter.acquire();
    await tick();
    l.limiter.learnFromHeaders(rateHeaders(600, 0, '100ms'));
    l.at(1_250);
    l.limiter.recordSuccess();
    expect(l.limiter.rate).toBeCloseTo(9.25, 9); // 9 + 10 x 0.1 over a quarter of the window
  });
});

describe('AdaptiveLimiter TTL', () => {
  it('idle past its TTL, it forgets what it learned; the snapshot counts down to it', () => {
    const { limiter, at } = manual({ ttlSeconds: 10 });
    limiter.learnFromHeaders(rateHeaders(6000, 5, '50ms'));
    limiter.recordThrottle(20_000);
    at(4_000);
    expect(limiter.snapshot()).toMatchObject({ rate: 50, source: '429s', idleMs: 4_000, expiresInMs: 6_000 });
    expect(limiter.expired()).toBe(false);
    at(10_000);
    expect(limiter.expired()).toBe(true);
    expect(limiter.snapshot()).toMatchObject({ rate: Number.POSITIVE_INFINITY, source: 'none', ceiling: Number.POSITIVE_INFINITY, pausedForMs: 0, idleMs: 10_000, expiresInMs: 0 });
  });

  it('activity (an attempt, an answer) restarts the count', async () => {
    const { limiter, at } = manual({ ttlSeconds: 10 });
    limiter.learnFromHeaders(rateHeaders(6000, 5, '50ms'));
    at(9_000);
    await limiter.acquire();
    at(18_000);
    expect(limiter.snapshot()).toMatchObject({ rate: 100, idleMs: 9_000, expiresInMs: 1_000 });
  });

  it('a limiter with callers queued never expires', async () => {
    const { limiter, at } = manual({ ttlSeconds: 1 });
    limiter.recordThrottle(500);
    void limiter.acquire();
    await tick();
    at(100_000);
    expect(limiter.expired()).toBe(false);
    expect(limiter.snapshot()).toMatchObject({ queued: 1, idleMs: 0 });
  });
});

describe('AdaptiveLimiter slots and waits', () => {
  it('one slot at the end of a pause, then one per 1 / rate', async () => {
    const time = new VirtualTime();
    const sleeps: number[] = [];
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: (ms, signal) => { sleeps.push(ms); return time.sleep(ms, signal); } });
    limiter.recordThrottle(400); // 2.5/s, one slot at 400
    const granted: number[] = [];
    const all = Promise.all([1, 2, 3].map(() => limiter.acquire().then((at) => granted.push(at))));
    expect(limiter.queued).toBe(3);
    await time.run();
    await all;
    expect(granted).toEqual([400, 800, 1_200]);
    expect(sleeps).toEqual([400, 400, 400]);
    expect(limiter.queued).toBe(0);
  });

  it('without a pause, the wait is what is missing of one slot', async () => {
    const time = new VirtualTime();
    const sleeps: number[] = [];
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: (ms, signal) => { sleeps.push(ms); return time.sleep(ms, signal); } });
    limiter.recordThrottle(); // 0.5/s, no slot
    const p = limiter.acquire();
    await time.run();
    await p;
    expect(sleeps).toEqual([2_000]);
    expect(time.now()).toBe(2_000);
  });

  it('10,000 queued callers: aborting every other one leaves the rest in order, and each leaves in O(1) (marked gone, skipped at its turn)', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep, minRate: 1_000 });
    limiter.recordThrottle(); // 1000/s
    const order: number[] = [];
    const controllers: AbortController[] = [];
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) {
      const c = new AbortController();
      controllers.push(c);
      all.push(limiter.acquire(c.signal).then(() => order.push(i), () => undefined));
    }
    expect(limiter.queued).toBe(10_000);
    for (let i = 1; i < 10_000; i += 2) controllers[i]?.abort(new Error('left'));
    expect(limiter.queued).toBe(5_000);
    controllers[1]?.abort(new Error('again')); // a second abort of one gone is nothing
    expect(limiter.queued).toBe(5_000);
    await time.run();
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 5_000 }, (_, k) => 2 * k));
    expect(time.now()).toBeCloseTo(5_000, 0); // 5,000 slots at 1000/s
  });

  it('when every queued caller has left, the next one is served first, in order with those after it', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep, minRate: 1_000 });
    limiter.recordThrottle(); // 1000/s
    const left = Array.from({ length: 3 }, () => new AbortController());
    const gone = left.map((c) => limiter.acquire(c.signal).then(() => 'served', (e: unknown) => (e as Error).message));
    for (const c of left) c.abort(new Error('left'));
    expect(limiter.queued).toBe(0);
    const order: string[] = [];
    const next = ['a', 'b'].map((name) => limiter.acquire().then(() => order.push(name)));
    expect(limiter.queued).toBe(2);
    await time.run();
    await Promise.all(next);
    expect(await Promise.all(gone)).toEqual(['left', 'left', 'left']);
    expect(order).toEqual(['a', 'b']);
    expect(limiter.queued).toBe(0);
  });
});

describe('the process-wide limiters', () => {
  afterEach(() => vi.restoreAllMocks());

  it('sharedLimiter refuses a key that is not a string', () => {
    expect(() => sharedLimiter(5 as never)).toThrow(new TypeError('limiterKey must be a string, got number'));
  });

  it('limiterSnapshots lists every key with its state and where its rate comes from', () => {
    const key = `mutation-${Math.random()}`;
    sharedLimiter(key).recordThrottle();
    const mine = limiterSnapshots().find((s) => s.key === key);
    expect(mine?.state).toMatchObject({ rate: 0.5, source: '429s', throttles: 1, expiresInMs: expect.any(Number) });
    expect(sharedLimiter(key)).toBe(sharedLimiter(key));
    expect(sharedLimiter()).toBe(sharedLimiter('default'));
  });

  it('the table drops limiters idle past their TTL (60 s): they are gone from limiterSnapshots and new when asked for again', () => {
    const key = `ttl-${Math.random()}`;
    const first = sharedLimiter(key);
    first.recordThrottle();
    const real = performance.now.bind(performance);
    vi.spyOn(performance, 'now').mockImplementation(() => real() + 61_000);
    expect(limiterSnapshots().some((s) => s.key === key)).toBe(false);
    expect(sharedLimiter(key)).not.toBe(first);
  });
});

describe('abortableSleep', () => {
  it('resolves after the time', async () => {
    const start = performance.now();
    await abortableSleep(20);
    expect(performance.now() - start).toBeGreaterThanOrEqual(15);
  });

  it('rejects at once with the reason of a signal already aborted, or aborted while waiting', async () => {
    const c = new AbortController();
    c.abort(new Error('before'));
    await expect(abortableSleep(10_000, c.signal)).rejects.toThrow('before');
    const d = new AbortController();
    const p = abortableSleep(10_000, d.signal);
    d.abort(new Error('during'));
    await expect(p).rejects.toThrow('during');
  });

  it('a wait longer than a timer can hold is slept in steps, and an abort between steps still rejects', async () => {
    vi.useFakeTimers();
    try {
      let done = false;
      const long = abortableSleep(2 * MAX_TIMER_MS + 5).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(2 * MAX_TIMER_MS);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(5);
      await long;
      expect(done).toBe(true);
      const c = new AbortController();
      const cut = abortableSleep(MAX_TIMER_MS + 5, c.signal);
      await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1);
      c.abort(new Error('between'));
      await expect(cut).rejects.toThrow('between');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a sleep that ends removes its abort listener', async () => {
    const c = new AbortController();
    let removed = 0;
    const signal = c.signal;
    const remove = signal.removeEventListener.bind(signal);
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => { removed++; remove(...args); }) as typeof remove;
    await abortableSleep(1, signal);
    expect(removed).toBe(1);
  });
});
