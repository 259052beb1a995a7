/**
 * The adaptive limiter's arithmetic, exactly: defaults and option checks, the rate a 429 teaches
 * (with and without successes, with and without a hint), the pause, what x-ratelimit-* headers
 * teach, the burst, the waits it sleeps, and the process-wide table. A hand-driven clock.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../bench/virtual-time.ts';
import { abortableSleep, AdaptiveLimiter, checkNumber, limiterSnapshots, sharedLimiter } from '../src/limiter.ts';

/** A limiter on a clock the test moves, whose sleeps are recorded and never resolve on their own. */
function manual(options: ConstructorParameters<typeof AdaptiveLimiter>[0] = {}) {
  let t = 0;
  const sleeps: number[] = [];
  const limiter = new AdaptiveLimiter({ now: () => t, sleep: (ms, signal) => new Promise((_resolve, reject) => { sleeps.push(ms); signal?.addEventListener('abort', () => reject(signal.reason)); }), ...options });
  return { limiter, sleeps, at: (ms: number) => void (t = ms) };
}
const rateHeaders = (limit: number, remaining: number, reset: string) =>
  new Headers({ 'x-ratelimit-limit-requests': String(limit), 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-reset-requests': reset });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AdaptiveLimiter options', () => {
  it('defaults', () => {
    const l = new AdaptiveLimiter();
    expect([l.minRate, l.increase, l.throttleFactor, l.burstSeconds, l.maxPauseMs, l.windowMs]).toEqual([0.5, 0.05, 0.9, 1, 10_000, 2_000]);
  });

  it('takes its options; windowSeconds in seconds', () => {
    const l = new AdaptiveLimiter({ minRate: 1, increase: 0, throttleFactor: 1, burstSeconds: 2, maxPauseMs: 0, windowSeconds: 3 });
    expect([l.minRate, l.increase, l.throttleFactor, l.burstSeconds, l.maxPauseMs, l.windowMs]).toEqual([1, 0, 1, 2, 0, 3_000]);
  });

  it('names the rule and the value', () => {
    expect(() => new AdaptiveLimiter({ minRate: 0 })).toThrow(new TypeError('minRate must be a finite number > 0, got 0'));
    expect(() => new AdaptiveLimiter({ increase: -1 })).toThrow(new TypeError('increase must be a finite number >= 0, got -1'));
    expect(() => new AdaptiveLimiter({ throttleFactor: 1.5 })).toThrow(new TypeError('throttleFactor must be a number in (0, 1], got 1.5'));
    expect(() => new AdaptiveLimiter({ throttleFactor: 0 })).toThrow(new TypeError('throttleFactor must be a finite number > 0, got 0'));
    expect(() => new AdaptiveLimiter({ burstSeconds: 0 })).toThrow(/^burstSeconds must be a finite number > 0/);
    expect(() => new AdaptiveLimiter({ maxPauseMs: -1 })).toThrow(/^maxPauseMs must be a finite number >= 0/);
    expect(() => new AdaptiveLimiter({ windowSeconds: 0 })).toThrow(/^windowSeconds must be a finite number > 0/);
    expect(() => new AdaptiveLimiter({ now: 1 as never })).toThrow(new TypeError('now must be a function, got number'));
  });

  it('checkNumber: finite by default, infinite when allowed; a string is not a number', () => {
    expect(() => checkNumber('x', Number.POSITIVE_INFINITY, 0)).toThrow(new TypeError('x must be a finite number >= 0, got Infinity'));
    expect(() => checkNumber('x', Number.POSITIVE_INFINITY, 0, { finite: false })).not.toThrow();
    expect(() => checkNumber('x', Number.NaN, 0, { finite: false })).toThrow(new TypeError('x must be a number >= 0, got NaN'));
    expect(() => checkNumber('x', '5', 0)).toThrow(TypeError);
    expect(() => checkNumber('x', 0, 0)).not.toThrow();
    expect(() => checkNumber('x', 0, 0, { above: true })).toThrow(TypeError);
    expect(() => checkNumber('x', undefined, 0, { above: true })).not.toThrow();
  });
});

describe('AdaptiveLimiter before it learns anything', () => {
  it('does not pace, counts successes, and keeps an infinite rate', async () => {
    const { limiter } = manual();
    await limiter.acquire();
    limiter.recordSuccess();
    expect(limiter.snapshot()).toEqual({ rate: Number.POSITIVE_INFINITY, queued: 0, tokens: 0, pausedForMs: 0, successes: 1, throttles: 0 });
  });

  it('an aborted signal rejects at once with its reason', async () => {
    const { limiter } = manual();
    const c = new AbortController();
    c.abort(new Error('gone'));
    await expect(limiter.acquire(c.signal)).rejects.toThrow('gone');
  });
});

describe('AdaptiveLimiter.recordThrottle', () => {
  it('without successes or a hint: minRate, then half the rate', () => {
    const { limiter } = manual({ minRate: 0.1 });
    limiter.recordThrottle();
    expect(limiter.rate).toBe(0.1);
    expect(limiter.snapshot()).toMatchObject({ tokens: 0, pausedForMs: 0, throttles: 1 });
  });

  it('without successes, a hint implies a rate (1000 / hint), and halving follows', () => {
    const { limiter, at } = manual();
    limiter.recordThrottle(200);
    expect(limiter.rate).toBe(5);
    expect(limiter.snapshot()).toMatchObject({ tokens: 0, pausedForMs: 200 }); // no slot is free during the pause
    at(200);
    expect(limiter.snapshot()).toMatchObject({ tokens: 1, pausedForMs: 0 }); // then one is
    limiter.recordThrottle();
    expect(limiter.rate).toBe(2.5);
    limiter.recordThrottle(100); // 1000 / 100 = 10 is more than half of 2.5: the half wins
    expect(limiter.rate).toBe(1.25);
    limiter.recordThrottle(2_000); // 0.5 is less than half of 1.25
    expect(limiter.rate).toBe(0.5);
    limiter.recordThrottle(); // never below minRate
    expect(limiter.rate).toBe(0.5);
  });

  it('a zero, negative or infinite hint pauses nothing and implies no rate', () => {
    for (const hint of [0, -5, Number.POSITIVE_INFINITY]) {
      const { limiter } = manual();
      limiter.recordThrottle(hint);
      expect(limiter.rate).toBe(0.5);
      expect(limiter.snapshot()).toMatchObject({ tokens: 0, pausedForMs: 0 });
    }
  });

  it('with successes: throttleFactor x the successes per second over at least one second', () => {
    const { limiter, at } = manual();
    for (let t = 0; t < 1_000; t += 100) {
      at(t);
      limiter.recordSuccess();
    }
    at(1_000);
    limiter.recordThrottle();
    expect(limiter.rate).toBeCloseTo(9, 9); // 10 in 1 s x 0.9
  });

  it('a burst of successes in a moment is measured over one second', () => {
    const { limiter, at } = manual();
    at(500);
    for (let i = 0; i < 4; i++) limiter.recordSuccess();
    limiter.recordThrottle();
    expect(limiter.rate).toBeCloseTo(3.6, 9);
  });

  it('only successes in the window count, measured over the window', () => {
    const { limiter, at } = manual();
    for (let t = 0; t <= 3_000; t += 100) {
      at(t);
      limiter.recordSuccess();
    }
    limiter.recordThrottle(); // at 3000: successes from 1000 to 3000 (21) over 2 s
    expect(limiter.rate).toBeCloseTo(9.45, 9);
    at(6_000); // none left in the window: half the rate
    limiter.recordThrottle();
    expect(limiter.rate).toBeCloseTo(4.725, 9);
  });

  it('the window follows windowSeconds and the rate follows throttleFactor', () => {
    const { limiter, at } = manual({ windowSeconds: 4, throttleFactor: 0.5 });
    for (let t = 0; t <= 4_000; t += 100) {
      at(t);
      limiter.recordSuccess();
    }
    limiter.recordThrottle(); // 41 over 4 s x 0.5
    expect(limiter.rate).toBeCloseTo(5.125, 9);
  });

  it('never raises the rate', () => {
    const { limiter, at } = manual();
    limiter.recordThrottle(1_000); // 1/s
    for (let t = 1_000; t < 2_000; t += 10) {
      at(t);
      limiter.recordSuccess();
    }
    const before = limiter.rate;
    limiter.recordThrottle();
    expect(limiter.rate).toBe(before);
  });

  it('successes raise a learned rate by increase each', () => {
    const { limiter } = manual({ increase: 0.25 });
    limiter.recordThrottle();
    limiter.recordSuccess();
    limiter.recordSuccess();
    expect(limiter.rate).toBe(1);
  });

  it('a longer pause is kept; a shorter hint does not shorten it; the pause is capped', () => {
    const { limiter, at } = manual({ maxPauseMs: 3_000 });
    limiter.recordThrottle(2_000);
    limiter.recordThrottle(500);
    expect(limiter.snapshot().pausedForMs).toBe(2_000);
    limiter.recordThrottle(9_000);
    expect(limiter.snapshot().pausedForMs).toBe(3_000);
    at(1_000);
    expect(limiter.snapshot().pausedForMs).toBe(2_000);
    at(5_000);
    expect(limiter.snapshot().pausedForMs).toBe(0);
  });
});

describe('AdaptiveLimiter slots and waits', () => {
  it('one slot at the end of a pause, then one per 1 / rate', async () => {
    const time = new VirtualTime();
    const sleeps: number[] = [];
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: (ms, signal) => { sleeps.push(ms); return time.sleep(ms, signal); } });
    limiter.recordThrottle(400); // 2.5/s, one slot at 400
    const granted: number[] = [];
    const all = Promise.all([1, 2, 3].map(() => limiter.acquire().then(() => granted.push(time.now()))));
    expect(limiter.queued).toBe(3);
    expect(limiter.snapshot().queued).toBe(3);
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
    expect(limiter.snapshot().tokens).toBe(0);
  });

  it('a learned rate without headers bursts one second of slots (at least one)', () => {
    const slow = manual();
    slow.limiter.recordThrottle(); // 0.5/s
    slow.at(60_000);
    expect(slow.limiter.snapshot().tokens).toBe(1);
    const fast = manual({ burstSeconds: 2 });
    fast.limiter.recordThrottle(100); // 10/s
    fast.at(60_000);
    expect(fast.limiter.snapshot().tokens).toBe(20);
  });
});

describe('AdaptiveLimiter.learnFromHeaders', () => {
  it('the refill rate, tokens = remaining on first learning, a burst of at most the limit', () => {
    const { limiter, at } = manual({ burstSeconds: 2 });
    limiter.learnFromHeaders(rateHeaders(600, 0, '60s')); // 10/s
    expect(limiter.rate).toBe(10);
    expect(limiter.snapshot().tokens).toBe(0);
    at(60_000);
    expect(limiter.snapshot().tokens).toBe(20); // 2 s of 10/s
    const small = manual({ burstSeconds: 2 });
    small.limiter.learnFromHeaders(rateHeaders(5, 0, '1s')); // 5/s, burst 10 capped at 5
    small.at(60_000);
    expect(small.limiter.snapshot().tokens).toBe(5);
  });

  it('a rate below minRate is minRate', () => {
    const { limiter } = manual();
    limiter.learnFromHeaders(rateHeaders(10, 9, '1h'));
    expect(limiter.rate).toBe(0.5);
  });

  it('once learned, tokens are not reset to remaining but never exceed it', () => {
    const { limiter, at } = manual();
    limiter.learnFromHeaders(rateHeaders(100, 50, '10s')); // 5/s, 50 tokens
    at(1_000);
    limiter.learnFromHeaders(rateHeaders(100, 90, '2s')); // 5/s again; 50 tokens stay
    expect(limiter.snapshot().tokens).toBe(50);
    limiter.learnFromHeaders(rateHeaders(100, 100, '0s')); // full bucket: nothing to learn, tokens <= 100
    expect(limiter.snapshot().tokens).toBe(50);
    expect(limiter.rate).toBe(5);
    limiter.learnFromHeaders(rateHeaders(100, 7, '0s')); // a zero reset teaches no rate; tokens <= 7
    expect(limiter.snapshot().tokens).toBe(7);
    expect(limiter.rate).toBe(5);
  });

  it('before anything is learned, a full bucket caps nothing', () => {
    const { limiter } = manual();
    limiter.learnFromHeaders(rateHeaders(100, 100, '1s'));
    expect(limiter.rate).toBe(Number.POSITIVE_INFINITY);
    expect(limiter.snapshot().tokens).toBe(0);
  });

  it.each([
    ['a zero limit', rateHeaders(0, 0, '1s')],
    ['remaining above the limit', rateHeaders(10, 11, '1s')],
    ['a negative remaining', rateHeaders(10, -1, '1s')],
    ['a missing limit', new Headers({ 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '1s' })],
    ['a missing remaining', new Headers({ 'x-ratelimit-limit-requests': '10', 'x-ratelimit-reset-requests': '1s' })],
    ['a missing reset', new Headers({ 'x-ratelimit-limit-requests': '10', 'x-ratelimit-remaining-requests': '1' })],
    ['an infinite limit', new Headers({ 'x-ratelimit-limit-requests': 'Infinity', 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '1s' })],
  ])('%s teaches nothing', (_name, headers) => {
    const { limiter } = manual();
    limiter.learnFromHeaders(headers);
    expect(limiter.rate).toBe(Number.POSITIVE_INFINITY);
  });

  it('reads the header names of the sources it is given', () => {
    const { limiter } = manual();
    const sources = { rateLimitHeaders: { limitRequests: 'l', remainingRequests: 'r', resetRequests: 'd' } } as never;
    limiter.learnFromHeaders(new Headers({ l: '20', r: '10', d: '1s' }), sources);
    expect(limiter.rate).toBe(10);
  });
});

describe('the process-wide limiters', () => {
  it('sharedLimiter refuses a key that is not a string', () => {
    expect(() => sharedLimiter(5 as never)).toThrow(new TypeError('limiterKey must be a string, got number'));
  });

  it('limiterSnapshots lists every key with its state', () => {
    const key = `mutation-${Math.random()}`;
    sharedLimiter(key).recordThrottle();
    const mine = limiterSnapshots().find((s) => s.key === key);
    expect(mine?.state).toMatchObject({ rate: 0.5, throttles: 1 });
    expect(sharedLimiter(key)).toBe(sharedLimiter(key));
    expect(sharedLimiter()).toBe(sharedLimiter('default'));
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
