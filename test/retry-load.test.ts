import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APIConnectionError, APIConnectionTimeoutError, InternalServerError, RateLimitError } from 'openai/core/error';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom, VirtualTime } from '../bench/virtual-time.ts';
import { bodyHintMs, headerHintMs, messageHintMs, parseDelay, profileDelayMs } from '../src/backoff.ts';
import { DEFAULT_HINT_SOURCES } from '../src/hint-defaults.ts';
import { classifyError } from '../src/index.ts';
import { AdaptiveLimiter, sharedLimiter } from '../src/limiter.ts';
import { isConnectionError } from '../src/classify.ts';
import { createRetry, RetryBudget, sharedRetryBudget, type GiveUpEvent } from '../src/retry.ts';
import { BACKOFF } from '../generated/registry.ts';

const { withRetry, retryDelayMs } = createRetry(classifyError);
const rateLimit = (message: string, headers: Record<string, string> = {}) =>
  new RateLimitError(429, { message, code: 'rate_limit_exceeded', type: 'requests' }, message, new Headers(headers));
const serverError = () => new InternalServerError(500, { message: 'boom', code: 'server_error', type: 'server_error' }, 'boom', new Headers());
const noSleep = async () => {};

describe('jitter on hinted waits', () => {
  it('a hint is a floor: a herd given the same exact hint is spread over [hint, 1.2 x hint]', async () => {
    const random = seededRandom(7);
    const delays: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        let calls = 0;
        await withRetry(
          async () => {
            if (calls++ === 0) throw rateLimit('Please try again in 2s.', { 'retry-after-ms': '2000' });
          },
          { limiter: false, budget: false, sleep: noSleep, random, onRetry: (e) => delays.push(e.delayMs) },
        );
      }),
    );
    expect(delays).toHaveLength(100);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2400);
    expect(new Set(delays.map((d) => Math.floor(d / 10))).size).toBeGreaterThan(30); // spread, not one instant
  });

  it('even a zero hint gets at least 100 ms of spread', () => {
    expect(profileDelayMs(BACKOFF.rate_limit, 1, { hintMs: 0, random: () => 1 })).toBe(100);
    expect(profileDelayMs(BACKOFF.rate_limit, 1, { hintMs: 0, random: () => 0 })).toBe(0);
  });
});

describe('hint readers (issue 11 defects 10-12)', () => {
  it.each([
    ['Please try again in 5constructor', undefined],
    ['Please try again in 5toString', undefined],
    ['Please try again in 5__proto__', undefined],
    ['Please try again in 1.2.3s', undefined],
    ['Please try again in 20s.', 20_000],
    ['Please try again in 250us', 0.25],
  ])('message %j asks for %s ms (own units only; unparseable is no hint)', (message, ms) => {
    expect(messageHintMs(message)).toBe(ms);
  });

  it('a negative or malformed retry-after is no hint; the next header is tried', () => {
    expect(headerHintMs(new Headers({ 'retry-after': '-5' }))).toBeUndefined();
    expect(headerHintMs(new Headers({ 'retry-after-ms': '-5' }))).toBeUndefined();
    expect(headerHintMs(new Headers({ 'retry-after-ms': '150abc', 'retry-after': '2' }))).toBe(2000);
    expect(headerHintMs(new Headers({ 'x-ms-retry-after-ms': '75' }))).toBe(75);
    expect(parseDelay('Infinity', 'seconds')).toBeUndefined();
    expect(parseDelay(-1, 'milliseconds')).toBeUndefined();
  });

  it('a Headers object whose getter throws is no hint, not a foreign error', () => {
    const hostile = { get: () => { throw new Error('hostile'); } };
    expect(headerHintMs(hostile)).toBeUndefined();
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('hostile'); } });
    expect(headerHintMs(proxy)).toBeUndefined();
    const error = rateLimit('x');
    Object.defineProperty(error, 'headers', { get: () => { throw new Error('hostile'); } });
    expect(retryDelayMs(error, 1, { random: () => 0 })).toBeGreaterThanOrEqual(0);
  });

  it('reads hints only from the sources it is given', () => {
    const sources = { ...DEFAULT_HINT_SOURCES, delayHeaders: [{ name: 'x-wait', format: 'duration' as const }], messagePhrases: ['wait'] };
    expect(headerHintMs(new Headers({ 'x-wait': '1m30s', 'retry-after': '1' }), {}, sources)).toBe(90_000);
    expect(messageHintMs('Please try again in 20s', sources)).toBeUndefined();
    expect(messageHintMs('wait 3s', sources)).toBe(3000);
    expect(bodyHintMs({ error: { resets_in_seconds: 4 } })).toBe(4000);
    expect(bodyHintMs({ error: Object.create({ resets_in_seconds: 4 }) })).toBeUndefined(); // inherited is not a field
  });
});

describe('withRetry under load', () => {
  it('retries connection errors and timeouts from any copy of openai, at the higher budget cost', async () => {
    expect(isConnectionError(new APIConnectionError({ message: 'x' }))).toBe(true);
    expect(isConnectionError(new APIConnectionTimeoutError())).toBe(true);
    // a copy whose classes were renamed (a minifier, another bundle): recognised by shape
    const Renamed = class extends Error { status = undefined; error = undefined; headers = undefined; };
    expect(isConnectionError(new Renamed('Connection error.'))).toBe(true);
    expect(isConnectionError(serverError())).toBe(false);
    expect(isConnectionError(new TypeError('bug'))).toBe(false);
    const budget = new RetryBudget();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new APIConnectionTimeoutError();
        if (calls === 2) throw new APIConnectionError({ message: 'reset' });
        return 'ok';
      },
      { budget, limiter: false, sleep: noSleep },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(budget.tokens).toBe(500 - 14 - 14 + 14); // two retries at 14; the success refunds the last one
  });

  it('a hint longer than the profile allows: no retry now, and onGiveUp says when', async () => {
    const time = new VirtualTime();
    const events: GiveUpEvent[] = [];
    let calls = 0;
    const error = rateLimit('Please try again in 7m12s.');
    await expect(withRetry(async () => { calls++; throw error; }, { limiter: false, budget: false, sleep: time.sleep, now: () => 1_000, onGiveUp: (e) => events.push(e) })).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(events).toMatchObject([{ reason: 'hint_exceeds_cap', retryAfterMs: 432_000, retryAt: 433_000, attempt: 1 }]);
  });

  it('onGiveUp names every other reason', async () => {
    const reasons: string[] = [];
    const onGiveUp = (e: GiveUpEvent) => reasons.push(e.reason);
    await withRetry(async () => { throw new TypeError('bug'); }, { limiter: false, budget: false, onGiveUp }).catch(() => {});
    await withRetry(async () => { throw serverError(); }, { limiter: false, budget: false, sleep: noSleep, maxAttempts: 1, onGiveUp }).catch(() => {});
    await withRetry(async () => { throw serverError(); }, { limiter: false, budget: new RetryBudget({ capacity: 0 }), sleep: noSleep, onGiveUp }).catch(() => {});
    expect(reasons).toEqual(['not_retryable', 'attempts', 'budget']);
  });

  it('paces through the limiter and teaches it from 429s', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    let calls = 0;
    const p = withRetry(async () => { if (calls++ < 2) throw rateLimit('Please try again in 0.5s.', { 'retry-after-ms': '500' }); return 'ok'; }, { limiter, budget: false, sleep: time.sleep, now: time.now, random: () => 0 });
    await time.run();
    expect(await p).toBe('ok');
    expect(limiter.snapshot().throttles).toBe(2);
    expect(limiter.rate).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(time.now()).toBeGreaterThanOrEqual(1000);
  });

  it('does not pace an attempt twice when pacedFetch already paced it (its answer headers are marked)', async () => {
    const { pacedFetch } = await import('../src/pacing.ts');
    const time = new VirtualTime();
    const upstream = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    const mine = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    const fetch = pacedFetch(async () => new Response('{}', { status: 429, headers: { 'retry-after-ms': '10' } }), { limiter: upstream });
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        const res = await fetch('https://api.example.test/v1/x');
        if (calls < 3) throw new RateLimitError(429, { code: 'rate_limit_exceeded' }, 'slow down', res.headers);
        return 'ok';
      },
      { limiter: mine, budget: false, sleep: time.sleep, now: time.now, random: () => 0 },
    );
    await time.run();
    expect(await p).toBe('ok');
    expect(upstream.snapshot().throttles).toBe(3);
    expect(mine.snapshot().throttles).toBe(0);
  });

  it('an abort while queued in the limiter stops withRetry at once', async () => {
    const time = new VirtualTime();
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    limiter.recordThrottle(10_000);
    const controller = new AbortController();
    let calls = 0;
    const p = withRetry(async () => void calls++, { limiter, budget: false, signal: controller.signal, sleep: time.sleep });
    await time.settle();
    controller.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
    expect(calls).toBe(0);
    expect(time.pendingTimers).toBe(0);
  });
});

describe('options that make no sense (issue 11 defect 15)', () => {
  it.each([
    ['random', { random: () => undefined }],
    ['random', { random: () => 1.5 }],
    ['random', { random: () => Number.NaN }],
    ['random', { random: 'x' }],
    ['maxAttempts', { maxAttempts: -1 }],
    ['budget', { budget: {} }],
    ['limiter', { limiter: {} }],
    ['limiterKey', { limiterKey: 3 }],
    ['sleep', { sleep: 1 }],
  ])('withRetry rejects a bad %s with a TypeError naming it', async (name, options) => {
    let calls = 0;
    const e = await withRetry(async () => void calls++, { limiter: false, budget: false, ...(options as object) }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(new RegExp(`^${name} must`));
    expect(calls).toBe(0);
  });

  it.each([
    ['capacity', { capacity: Number.NaN }],
    ['capacity', { capacity: -1 }],
    ['capacity', { capacity: Number.POSITIVE_INFINITY }],
    ['retryCost', { retryCost: Number.NaN }],
    ['connectionCost', { connectionCost: -14 }],
    ['successRefund', { successRefund: Number.NaN }],
  ])('RetryBudget rejects a bad %s with a TypeError naming it', (name, options) => {
    expect(() => new RetryBudget(options)).toThrow(new RegExp(`^${name} must`));
  });

  it('a random source that goes bad mid-run is a TypeError, not a NaN delay', () => {
    let n = 0;
    const random = () => (n++ === 0 ? 0.5 : (undefined as unknown as number));
    expect(() => profileDelayMs(BACKOFF.default, 1, { random })).not.toThrow();
    expect(() => profileDelayMs(BACKOFF.default, 1, { random })).toThrow(/^random must/);
  });
});

describe('one limiter and one budget per key for the whole process', () => {
  const out = resolve('test/.tmp/dual-limiter');
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('every createRetry runtime shares the key budget (per-client runtimes cannot multiply it)', () => {
    expect(sharedRetryBudget('k1')).toBe(sharedRetryBudget('k1'));
    expect(sharedRetryBudget('k1')).not.toBe(sharedRetryBudget('k2'));
  });

  it('the ESM and the CommonJS build share the limiters, the budgets and the paced-answer marks', async () => {
    mkdirSync(out, { recursive: true });
    const entry = join(out, 'entry.ts');
    const fs = await import('node:fs');
    fs.writeFileSync(entry, `export { sharedLimiter } from '../../../src/limiter.ts';\nexport { sharedRetryBudget } from '../../../src/retry.ts';\nexport { isPacedHeaders } from '../../../src/pacing.ts';\n`);
    execFileSync(process.execPath, [resolve('node_modules/tsup/dist/cli-default.js'), entry, '--format', 'esm,cjs', '--out-dir', out, '--no-config', '--silent', '--platform', 'neutral', '--target', 'node20'], { stdio: 'pipe' });
    type Copy = { sharedLimiter: typeof sharedLimiter; sharedRetryBudget: typeof sharedRetryBudget };
    const esm = (await import(pathToFileURL(join(out, 'entry.js')).href)) as Copy;
    const cjs = createRequire(import.meta.url)(join(out, 'entry.cjs')) as Copy;
    expect(esm.sharedLimiter).not.toBe(cjs.sharedLimiter); // two copies of the code...
    expect(esm.sharedLimiter('dual')).toBe(cjs.sharedLimiter('dual')); // ...one limiter
    esm.sharedLimiter('dual').recordThrottle(5);
    expect(cjs.sharedLimiter('dual').snapshot().throttles).toBe(1);
    expect(esm.sharedRetryBudget('dual')).toBe(cjs.sharedRetryBudget('dual'));
  }, 60_000);
});
