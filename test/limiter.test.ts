import { RateLimitError } from 'openai/core/error';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimServer } from '../bench/simulation.ts';
import { VirtualTime } from '../bench/virtual-time.ts';
import { AdaptiveLimiter, abortableSleep, sharedLimiter, limiterSnapshots } from '../src/limiter.ts';
import { defaultLimiterKey, isPacedHeaders, pacedFetch } from '../src/pacing.ts';
import { RetryBudget, withRetry } from '../src/index.ts';

/** `callers` loops sending through the limiter to the server until `untilMs`. */
async function drive(time: VirtualTime, limiter: AdaptiveLimiter, server: SimServer, callers: number, untilMs: number) {
  const loop = async () => {
    while (time.now() < untilMs) {
      await limiter.acquire();
      try {
        await server.request();
        limiter.recordSuccess();
      } catch (e) {
        limiter.recordThrottle(Number((e as RateLimitError).headers?.get('retry-after-ms')));
      }
    }
  };
  const all = Promise.all(Array.from({ length: callers }, loop));
  await time.run();
  await all;
}

describe('AdaptiveLimiter learning', () => {
  it('does not pace before it has learned anything', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    for (let i = 0; i < 1000; i++) await limiter.acquire();
    expect(limiter.rate).toBe(Number.POSITIVE_INFINITY);
    expect(time.pendingTimers).toBe(0);
  });

  it('learns the granted rate from 429s: few 429s once learned, the server kept busy', async () => {
    const time = new VirtualTime();
    const server = new SimServer(time, { rate: 10, burst: 10, latencyMs: 100 });
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    await drive(time, limiter, server, 50, 5_000);
    const warmed = { attempts: server.attempts, throttles: server.throttles, successes: server.successes };
    await drive(time, limiter, server, 50, 35_000);
    const throttles = server.throttles - warmed.throttles;
    const successes = server.successes - warmed.successes;
    expect(limiter.rate).toBeGreaterThan(8);
    expect(limiter.rate).toBeLessThan(12);
    expect(successes / 30).toBeGreaterThan(9); // >= 90% of the granted 10/s
    // About one 429 per probe past the granted rate (every second or two): at 10/s, under 10%.
    expect(throttles / successes).toBeLessThan(0.1);
  });

  it('recovers when the server grants more again: from 5/s to 20/s', async () => {
    const time = new VirtualTime();
    const server = new SimServer(time, { rate: 5, burst: 5, latencyMs: 50 });
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    await drive(time, limiter, server, 40, 20_000);
    expect(limiter.rate).toBeLessThan(6.5);
    server.setRate(20);
    const before = server.successes;
    await drive(time, limiter, server, 40, 60_000);
    expect(limiter.rate).toBeGreaterThan(16);
    const lastTen = server.successes;
    await drive(time, limiter, server, 40, 70_000);
    expect((server.successes - lastTen) / 10).toBeGreaterThan(16);
    expect(server.successes - before).toBeGreaterThan(0);
  });

  it('learns the rate at once from x-ratelimit headers (limit per minute / 60), and never hands out more than remaining', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '590', 'x-ratelimit-reset-requests': '1s' }));
    expect(limiter.rate).toBe(10);
    expect(limiter.snapshot().tokens).toBe(590);
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' }));
    expect(limiter.rate).toBe(10); // the reset says how full the bucket is, not the rate
    expect(limiter.snapshot().tokens).toBe(0);
    // malformed or missing headers teach nothing
    for (const bad of [{}, { 'x-ratelimit-limit-requests': 'NaN', 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '1s' }, { 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '-1', 'x-ratelimit-reset-requests': '1s' }]) {
      limiter.learnFromHeaders(new Headers(bad));
      expect(limiter.rate).toBe(10);
    }
  });

  it('measures what the server grants from the end of the pause the first wave\'s 429s imposed, not across it', () => {
    let t = 0;
    const limiter = new AdaptiveLimiter({ now: () => t });
    const headers = new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '100ms' });
    // The unpaced first wave goes out at 0; its first answer (a success) sets the rate at 50.
    t = 50;
    limiter.learnFromHeaders(headers);
    limiter.recordSuccess(0);
    expect(limiter.rate).toBe(10);
    // The rest of the wave is answered 429 with a 200 ms hint: stale (sent before the rate), a pause to 255.
    t = 55;
    limiter.recordThrottle(200, 0);
    expect(limiter.rate).toBe(10);
    // Paced again from 255: one success, then a near miss of an attempt sent under the rate.
    t = 260;
    limiter.recordSuccess(255);
    t = 360;
    limiter.recordThrottle(1, 355);
    // One success in the 100 ms since the pause: 10/s granted, 9/s paced. Across the pause it
    // would read 2 successes in 310 ms, 6.5/s, and pace at 5.8/s.
    expect(limiter.rate).toBeCloseTo(9, 6);
    expect(limiter.snapshot().source).toBe('429s');
  });

  it('a 429 hint pauses the key until it has passed, then paces; a pause is capped at maxPauseMs', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep, maxPauseMs: 5000 });
    const granted: number[] = [];
    limiter.recordThrottle(86_400_000);
    expect(limiter.snapshot().pausedForMs).toBe(5000);
    const all = Promise.all([0, 1, 2].map(() => limiter.acquire().then(() => granted.push(time.now()))));
    await time.run();
    await all;
    expect(granted[0]).toBe(5000);
    expect(Math.max(...granted)).toBeLessThanOrEqual(5000 + 2 * (1000 / limiter.minRate));
  });

  it('no token left pauses the key until the tokens reset (capped at maxPauseMs), learned rate or not', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep, maxPauseMs: 5000 });
    const tokens = (remaining: string, reset: string) => new Headers({ 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-remaining-tokens': remaining, 'x-ratelimit-reset-tokens': reset });
    // tokens left, a malformed or zero reset: nothing to act on
    for (const [remaining, reset] of [['1', '2s'], ['120', '0s'], ['0', 'soon'], ['0', '0s'], ['', '2s']] as const) limiter.learnFromHeaders(tokens(remaining, reset));
    expect(limiter.snapshot().pausedForMs).toBe(0);
    limiter.learnFromHeaders(tokens('0', '1.5s'));
    expect(limiter.snapshot().pausedForMs).toBe(1500);
    expect(limiter.rate).toBe(Number.POSITIVE_INFINITY); // a token count teaches no request rate
    const granted: number[] = [];
    const all = Promise.all([0, 1, 2].map(() => limiter.acquire().then(() => granted.push(time.now()))));
    await time.run();
    await all;
    expect(granted).toEqual([1500, 1500, 1500]); // nothing learned about requests: all go once the tokens reset
    limiter.learnFromHeaders(tokens('0', '6m0s'));
    expect(limiter.snapshot().pausedForMs).toBe(5000);
  });

  it('no token left pauses a learned rate too, and the request headers of the same answer still teach it', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '590', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '800ms' }));
    expect(limiter.rate).toBe(10);
    expect(limiter.snapshot().pausedForMs).toBe(800);
    const granted: number[] = [];
    const all = Promise.all([0, 1].map(() => limiter.acquire().then(() => granted.push(time.now()))));
    await time.run();
    await all;
    expect(granted).toEqual([800, 900]); // one slot at the end of the pause, then one per 1 / rate
  });

  it('never goes negative and never waits longer than a pause plus one slot at minRate, for any sequence of events', async () => {
    const { default: fc } = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constant('s'), fc.constant('a'), fc.double({ min: -1e9, max: 1e9, noNaN: false })), { maxLength: 40 }), async (events) => {
        const time = new VirtualTime();
        const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
        const waits: Promise<number>[] = [];
        for (const e of events) {
          if (e === 's') limiter.recordSuccess();
          else if (e === 'a') {
            const t0 = time.now();
            waits.push(limiter.acquire().then(() => time.now() - t0));
          } else limiter.recordThrottle(e);
          const snap = limiter.snapshot();
          expect(snap.tokens).toBeGreaterThanOrEqual(0);
          expect(snap.rate).toBeGreaterThanOrEqual(limiter.minRate);
        }
        await time.run();
        const done = await Promise.all(waits);
        for (const [i, w] of done.entries()) expect(w).toBeLessThanOrEqual(limiter.maxPauseMs + (i + 1) * (1000 / limiter.minRate) + 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('AdaptiveLimiter abort and bad options', () => {
  afterEach(() => void vi.useRealTimers());

  it('an AbortSignal takes a queued attempt out at once, and leaves no timer behind (virtual clock)', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep, minRate: 0.5 });
    limiter.recordThrottle(); // learned: 0.5/s, nothing free
    const controller = new AbortController();
    const queued = limiter.acquire(controller.signal);
    await time.settle();
    expect(limiter.queued).toBe(1);
    expect(time.pendingTimers).toBe(1);
    controller.abort(new Error('gone'));
    await expect(queued).rejects.toThrow('gone');
    await time.settle();
    expect(limiter.queued).toBe(0);
    expect(time.pendingTimers).toBe(0);
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('gone'); // already aborted: never queued
    expect(limiter.queued).toBe(0);
  });

  it('with real timers too: no timer is left after the last queued attempt aborts', async () => {
    vi.useFakeTimers();
    const limiter = new AdaptiveLimiter({ now: () => Date.now() });
    limiter.recordThrottle(30_000);
    const controller = new AbortController();
    const queued = limiter.acquire(controller.signal);
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error('stop'));
    await expect(queued).rejects.toThrow('stop');
    await Promise.resolve();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a sleep that fails on its own fails the queued attempts instead of spinning', async () => {
    const limiter = new AdaptiveLimiter({ sleep: () => Promise.reject(new Error('no timers here')) });
    limiter.recordThrottle(1000);
    await expect(limiter.acquire()).rejects.toThrow('no timers here');
  });

  it.each([
    ['minRate', { minRate: 0 }],
    ['minRate', { minRate: Number.NaN }],
    ['minRate', { minRate: Number.POSITIVE_INFINITY }],
    ['growthSeconds', { growthSeconds: -1 }],
    ['ttlSeconds', { ttlSeconds: 0 }],
    ['throttleFactor', { throttleFactor: 2 }],
    ['burstSeconds', { burstSeconds: Number.NaN }],
    ['maxPauseMs', { maxPauseMs: Number.POSITIVE_INFINITY }],
    ['windowSeconds', { windowSeconds: -1 }],
    ['now', { now: 5 }],
    ['sleep', { sleep: 'x' }],
  ])('rejects a bad %s with a TypeError naming it', (name, options) => {
    expect(() => new AdaptiveLimiter(options as never)).toThrow(TypeError);
    expect(() => new AdaptiveLimiter(options as never)).toThrow(new RegExp(`^${name} must`));
  });
});

describe('keying and pacedFetch', () => {
  const answer = (status: number, headers: Record<string, string> = {}) => new Response(status === 200 ? '{}' : '{"error":{}}', { status, headers });

  it('one limiter per key, shared process-wide; the default key for withRetry', () => {
    expect(sharedLimiter('k-a')).toBe(sharedLimiter('k-a'));
    expect(sharedLimiter('k-a')).not.toBe(sharedLimiter('k-b'));
    expect(sharedLimiter()).toBe(sharedLimiter('default'));
    expect(limiterSnapshots().map((s) => s.key)).toEqual(expect.arrayContaining(['k-a', 'k-b', 'default']));
  });

  it('keys requests by origin, organization and project, so unrelated limits do not throttle each other', async () => {
    const url = 'https://keying.test/v1/responses';
    const keyA = defaultLimiterKey(new URL(url), new Headers({ 'openai-organization': 'org-a', 'openai-project': 'p1' }));
    const keyB = defaultLimiterKey(new URL(url), new Headers({ 'openai-organization': 'org-b', 'openai-project': 'p1' }));
    expect(keyA).not.toBe(keyB);
    expect(defaultLimiterKey(new URL('https://other.test/v1/x'), new Headers())).not.toBe(defaultLimiterKey(new URL(url), new Headers()));
    const fetch = pacedFetch(async (_input, init) => (new Headers(init?.headers).get('openai-organization') === 'org-a' ? answer(429, { 'retry-after-ms': '20' }) : answer(200)));
    await fetch(url, { headers: { 'openai-organization': 'org-a', 'openai-project': 'p1' } });
    await fetch(url, { headers: { 'openai-organization': 'org-b', 'openai-project': 'p1' } });
    expect(sharedLimiter(keyA).rate).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(sharedLimiter(keyB).rate).toBe(Number.POSITIVE_INFINITY);
  });

  it('learns from every answer, and marks the answer so withRetry does not pace it twice', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    let last: Response | undefined;
    const fetch = pacedFetch(
      async () => (last = answer(200, { 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '58', 'x-ratelimit-reset-requests': '2s' })),
      { limiter },
    );
    await fetch('https://api.example.test/v1/responses');
    expect(limiter.rate).toBe(1); // 60 per minute; nobody queues, so no growth
    expect(isPacedHeaders(last?.headers)).toBe(true);
    expect(isPacedHeaders(new Headers())).toBe(false);
    expect(limiter.snapshot().successes).toBe(1);
  });

  it('an answer that spent the last token holds the next request until the tokens reset', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    const sentAt: number[] = [];
    const fetch = pacedFetch(async () => (sentAt.push(time.now()), answer(200, { 'x-ratelimit-remaining-tokens': sentAt.length === 1 ? '0' : '5000', 'x-ratelimit-reset-tokens': '3s' })), { limiter });
    const sends = (async () => {
      await fetch('https://api.example.test/v1/responses');
      await fetch('https://api.example.test/v1/responses');
      await fetch('https://api.example.test/v1/responses');
    })();
    await time.run();
    await sends;
    expect(sentAt).toEqual([0, 3000, 3000]);
  });

  it('an aborted request leaves the queue at once and is never sent', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    limiter.recordThrottle(10_000);
    let sent = 0;
    const fetch = pacedFetch(async () => (sent++, answer(200)), { limiter });
    const controller = new AbortController();
    const p = fetch('https://api.example.test/v1/x', { signal: controller.signal });
    await time.settle();
    controller.abort(new Error('user left'));
    await expect(p).rejects.toThrow('user left');
    expect(sent).toBe(0);
    expect(time.pendingTimers).toBe(0);
  });

  it('rejects bad options with a TypeError naming them', () => {
    expect(() => pacedFetch('x' as never)).toThrow(/^fetch must/);
    expect(() => pacedFetch(undefined, { limiterKey: 5 as never })).toThrow(/^limiterKey must/);
    expect(() => sharedLimiter(5 as never)).toThrow(/^limiterKey must/);
  });
});

describe('pacedFetch as a real openai client\'s fetch', () => {
  it('paces the client, learns from its answers, and marks the errors it throws', async () => {
    const { default: OpenAI } = await import('openai');
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    const answers = [
      new Response(JSON.stringify({ error: { message: 'Please try again in 0.2s.', type: 'requests', code: 'rate_limit_exceeded' } }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after-ms': '200' } }),
      new Response(JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output: [] }), {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '95', 'x-ratelimit-reset-requests': '1s' },
      }),
    ];
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'https://paced.test/v1', maxRetries: 0, fetch: pacedFetch(async () => answers.shift() as Response, { limiter }) });
    const e = await client.responses.create({ model: 'gpt-test', input: 'hi' }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitError);
    expect(isPacedHeaders((e as RateLimitError).headers)).toBe(true);
    expect(limiter.snapshot().throttles).toBe(1);
    const second = client.responses.create({ model: 'gpt-test', input: 'hi' });
    await time.run();
    expect((await second).id).toBe('resp_1');
    expect(time.now()).toBeGreaterThanOrEqual(200); // waited for the hint's pause
    expect(limiter.rate).toBeCloseTo(100 / 60, 9); // the ceiling, below the 5/s the hint implied
  });
});

describe('limiter, pacedFetch and withRetry edge cases', () => {
  const ok = () => new Response('{}', { status: 200 });

  it.each(['', ' ', '0x0', '1e3', '-1', '12abc'])('a request-count header %j that is not a whole number teaches nothing', (remaining) => {
    const limiter = new AdaptiveLimiter();
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': remaining, 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': remaining, 'x-ratelimit-reset-tokens': '1s' }));
    expect(limiter.rate).toBe(Number.POSITIVE_INFINITY);
    expect(limiter.snapshot().pausedForMs).toBe(0);
  });

  it('a 429 keeps the burst the headers taught (the bucket is that size; it was empty): after an idle spell, it goes out at the rate the 429 taught', async () => {
    let t = 0;
    const limiter = new AdaptiveLimiter({ now: () => t });
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '10s' })); // 10/s, burst 100
    limiter.recordThrottle(); // no success in the window: half the rate, 5/s
    t = 30_000;
    expect(limiter.snapshot()).toMatchObject({ rate: 5, tokens: 100 });
  });

  it('a wait longer than a timer can hold is slept in steps, not re-armed every millisecond', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const limiter = new AdaptiveLimiter({ maxPauseMs: 3e9 });
      limiter.recordThrottle(3e9);
      const controller = new AbortController();
      const queued = limiter.acquire(controller.signal).catch(() => 'left');
      const sleeping = abortableSleep(3e9, controller.signal).catch(() => 'left');
      await new Promise((r) => setTimeout(r, 50));
      const armed = spy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > 1000).map(([, ms]) => ms);
      expect(armed).toEqual([2 ** 31 - 1, 2 ** 31 - 1]);
      controller.abort();
      expect(await Promise.all([queued, sleeping])).toEqual(['left', 'left']);
    } finally {
      spy.mockRestore();
    }
  });

  it('a clock that throws fails the queued attempts instead of stranding them', async () => {
    let broken = false;
    // the clock breaks while the queue sleeps
    const limiter = new AdaptiveLimiter({ now: () => { if (broken) throw new Error('clock gone'); return 0; }, sleep: async () => void (broken = true) });
    limiter.recordThrottle(1000);
    await expect(limiter.acquire()).rejects.toThrow('clock gone');
    expect(limiter.queued).toBe(0);
  });

  it('an abort is honoured at once while queued, even for a request pacedFetch cannot parse (a relative URL)', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    limiter.recordThrottle(10_000);
    let sent = 0;
    const fetch = pacedFetch(async () => (sent++, ok()), { limiter });
    const controller = new AbortController();
    const p = fetch('/v1/x', { signal: controller.signal });
    await time.settle();
    controller.abort(new Error('user left'));
    await expect(p).rejects.toThrow('user left');
    expect(limiter.queued).toBe(0);
    expect(sent).toBe(0);
  });

  it('pacedFetch rejects hint sources that are not a registry\'s hints', () => {
    expect(() => pacedFetch(undefined, { hintSources: {} as never })).toThrow(/^hintSources must/);
  });

  it('withRetry with limiter: false over a paced client: one slot per request, from pacedFetch', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '60s' })); // 1/s, no slot free
    const sentAt: number[] = [];
    const fetch = pacedFetch(async () => (sentAt.push(time.now()), ok()), { limiter });
    const done = withRetry(() => fetch('https://api.example.test/v1/x'), { limiter: false, budget: false, sleep: time.sleep, now: time.now });
    await time.run();
    await done;
    expect(sentAt).toEqual([1000]);
    expect(limiter.snapshot().successes).toBe(1);
  });

  it('a limiter a pacedFetch also uses keeps pacing and learning for the callers that do not go through it', async () => {
    const shared = new AdaptiveLimiter();
    const paced = pacedFetch(async () => ok(), { limiter: shared });
    await paced('/v1/responses');
    const acquire = vi.spyOn(shared, 'acquire');
    const plain = new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x', type: 'requests' }, 'x', new Headers({ 'retry-after-ms': '1' }));
    let calls = 0;
    await withRetry(async () => { if (calls++ === 0) throw plain; return 'ok'; }, { limiter: shared, budget: false, sleep: async () => {} });
    expect(acquire).toHaveBeenCalledTimes(2);
    expect(shared.snapshot().throttles).toBe(1);
  });

  it('withRetry: an attempt that succeeded stays a success, and a limiter or budget without recordSuccess is refused up front', async () => {
    const half = { acquire: async () => {}, recordThrottle: () => {} };
    await expect(withRetry(async () => 'ok', { limiter: half as never })).rejects.toThrow(/^limiter must/);
    await expect(withRetry(async () => 'ok', { budget: { tryAcquire: () => true } as never })).rejects.toThrow(/^budget must/);
    const throwing = { acquire: async () => {}, recordThrottle: () => {}, recordSuccess: () => { throw new Error('bookkeeping'); } };
    let calls = 0;
    await expect(withRetry(async () => (calls++, 'ok'), { limiter: throwing as never, budget: false })).resolves.toBe('ok');
    expect(calls).toBe(1); // never resubmitted
  });
});

describe('pacedFetch marks, as seen by withRetry and waitForResponse', () => {
  const ok = () => new Response('{}', { status: 200 });

  it('a failed poll whose answer came through pacedFetch is not counted again on the poll\'s own limiter', async () => {
    const { default: OpenAI } = await import('openai');
    const { waitForResponse } = await import('../src/index.ts');
    const time = new VirtualTime();
    const pollLimiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    const paced = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    const answers = [
      new Response(JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after-ms': '50' } }),
      new Response(JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output: [] }), { status: 200, headers: { 'content-type': 'application/json' } }),
    ];
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'https://polls.example.test/v1', maxRetries: 0, fetch: pacedFetch(async () => answers.shift() as Response, { limiter: paced }) });
    const done = waitForResponse(client, 'resp_1', { limiter: pollLimiter, now: time.now, sleep: time.sleep });
    await time.run();
    expect(await done).toMatchObject({ status: 'completed' });
    expect(paced.snapshot().throttles).toBe(1);
    expect(pollLimiter.snapshot().throttles).toBe(0);
    expect(pollLimiter.snapshot().successes).toBe(0); // the first poll failed through pacedFetch: later polls are paced there alone
  });

  it('giving up at maxAttempts still tells onGiveUp when the server said to retry', async () => {
    const e = new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x', type: 'requests' }, 'x', new Headers({ 'retry-after-ms': '3000' }));
    const events: unknown[] = [];
    await expect(withRetry(async () => { throw e; }, { maxAttempts: 1, limiter: false, budget: false, now: () => 1_000, onGiveUp: (ev) => void events.push(ev) })).rejects.toBe(e);
    expect(events).toMatchObject([{ reason: 'attempts', retryAfterMs: 3000, retryAt: 4000 }]);
    const empty = new RetryBudget({ capacity: 0 });
    await expect(withRetry(async () => { throw e; }, { budget: empty, limiter: false, now: () => 1_000, onGiveUp: (ev) => void events.push(ev) })).rejects.toBe(e);
    expect(events[1]).toMatchObject({ reason: 'budget', retryAfterMs: 3000, retryAt: 4000 });
  });
});
