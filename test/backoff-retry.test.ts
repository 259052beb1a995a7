import fc from 'fast-check';
import { RateLimitError, InternalServerError, BadRequestError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { BACKOFF } from '../generated/registry.ts';
import { headerHintMs, messageHintMs, profileDelayMs } from '../src/backoff.ts';
import { RetryBudget, sharedRetryBudget } from '../src/retry.ts';
import { isOpenAIFailure, raiseForFailedResponse, retryDelayMs, withRetry } from '../src/index.ts';

const rateLimit = (message: string, headers: Record<string, string> = {}, code = 'rate_limit_exceeded') =>
  new RateLimitError(429, { message, code, type: 'requests' }, message, new Headers(headers));
const serverError = () => new InternalServerError(500, { message: 'boom', code: 'server_error', type: 'server_error' }, 'boom', new Headers());

describe('server hints', () => {
  it.each([
    ['Please try again in 20s.', 20_000],
    ['Please try again in 2.363s.', 2_363],
    ['Please try again in 7m12s.', 432_000],
    ['Please try again in 6m0s.', 360_000],
    ['Please try again in 1.5ms.', 1.5],
    ['Please try again in 28ms', 28],
    ['Try again in 35 seconds.', 35_000],
    ['Please retry after 20 seconds.', 20_000],
    ['Rate limit reached. Please try again in 1h2m.', 3_720_000],
    ['no hint here', undefined],
    ['try again in a while', undefined],
  ])('message %j asks for %s ms', (message, ms) => {
    expect(messageHintMs(message)).toBe(ms);
  });

  it('headers: retry-after-ms first, then retry-after in seconds or as an HTTP date', () => {
    expect(headerHintMs(new Headers({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    expect(headerHintMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    const now = Date.parse('2026-11-22T00:00:00Z');
    expect(headerHintMs(new Headers({ 'retry-after': 'Sun, 22 Nov 2026 00:00:05 GMT' }), { now: () => now })).toBe(5000);
    expect(headerHintMs({ 'Retry-After-Ms': '42' })).toBe(42);
    expect(headerHintMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(headerHintMs(undefined)).toBeUndefined();
  });

  it('retryDelayMs takes a hint as a floor (jitter on top, never clamped), and is undefined for terminal errors', () => {
    const low = { random: () => 0 };
    const high = { random: () => 1 };
    expect(retryDelayMs(rateLimit('Please try again in 20s.'), 1, low)).toBe(20_000);
    expect(retryDelayMs(rateLimit('Please try again in 20s.'), 1, high)).toBe(24_000);
    expect(retryDelayMs(rateLimit('x', { 'retry-after-ms': '150' }), 1, low)).toBe(150);
    expect(retryDelayMs(rateLimit('x', { 'retry-after-ms': '150' }), 1, high)).toBe(250);
    expect(retryDelayMs(rateLimit('Please try again in 2h.'), 1, low)).toBe(7_200_000);
    expect(retryDelayMs(rateLimit('You exceeded your current quota', {}, 'insufficient_quota'), 1)).toBeUndefined();
    expect(retryDelayMs(rateLimit('Request too large for gpt-4o'), 1)).toBeUndefined();
    expect(retryDelayMs(new BadRequestError(400, { code: 'context_length_exceeded' }, 'x', new Headers()), 1)).toBeUndefined();
  });
});

describe('backoff properties', () => {
  const profiles = Object.values(BACKOFF);

  it('without a usable hint a delay is within [0, maxMs]; with one it is the hint plus at most 20% (or 100 ms)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...profiles),
        fc.integer({ min: -5, max: 10_000 }),
        fc.option(fc.double({ min: -1e12, max: 1e12, noNaN: false }), { nil: undefined }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (profile, attempt, hint, r) => {
          const d = profileDelayMs(profile, attempt, { hintMs: hint, random: () => r });
          const hinted = profile.honourServerHints && hint !== undefined && Number.isFinite(hint) && hint >= 0;
          expect(d).toBeGreaterThanOrEqual(hinted ? hint : 0);
          expect(d).toBeLessThanOrEqual(hinted ? hint + Math.max(hint * 0.2, 100) : profile.maxMs);
        },
      ),
    );
  });

  it('is deterministic for a given random source, and grows with the attempt until the cap (no jitter)', () => {
    const p = { ...BACKOFF.default, jitter: 'none' as const };
    expect([1, 2, 3, 4, 5, 6].map((n) => profileDelayMs(p, n))).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
    expect(profileDelayMs(BACKOFF.default, 3, { random: () => 0.25 })).toBe(500);
  });

  it('parses any "try again in" hint it is given, in any of the written forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 999 }), (m, s, ms) => {
        expect(messageHintMs(`Please try again in ${m}m${s}s.`)).toBe(m * 60_000 + s * 1000);
        expect(messageHintMs(`Please try again in ${s}.${String(ms).padStart(3, '0')}s`)).toBeCloseTo(s * 1000 + ms, 6);
        expect(messageHintMs(`Please try again in ${ms}ms`)).toBe(ms);
      }),
    );
  });

  it('never throws on arbitrary messages and headers', () => {
    fc.assert(
      fc.property(fc.string(), fc.dictionary(fc.string(), fc.string()), (message, headers) => {
        const m = messageHintMs(message);
        const h = headerHintMs(headers);
        expect(m === undefined || m >= 0).toBe(true);
        expect(h === undefined || h >= 0).toBe(true);
      }),
    );
  });
});

describe('raiseForFailedResponse properties', () => {
  const surfaceShaped = fc.record(
    {
      object: fc.constantFrom('response', 'thread.run', 'batch', 'vector_store.file', 'fine_tuning.job', 'agent.session.turn', 'x'),
      type: fc.constantFrom('error', 'response.failed', 'response.incomplete', 'agent.session.turn.failed', 'other'),
      status: fc.constantFrom('failed', 'expired', 'incomplete', 'completed', 'queued', 'cancelled'),
      error: fc.oneof(fc.constant(null), fc.record({ code: fc.oneof(fc.string(), fc.constant('server_error'), fc.constant('__proto__')), message: fc.string(), type: fc.string() })),
      last_error: fc.anything(),
      response: fc.anything(),
      errors: fc.anything(),
      incomplete_details: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('returns its input or throws a registry error, and never mutates, for arbitrary JSON and surface-shaped input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything(), surfaceShaped), (input) => {
        const before = JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
        try {
          expect(raiseForFailedResponse(input, { raiseOnIncomplete: true })).toBe(input);
        } catch (e) {
          expect(isOpenAIFailure(e)).toBe(true);
        }
        expect(JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(before);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('withRetry', () => {
  const noSleep = async () => {};

  it('stops at the profile maxAttempts, or the caller\'s when smaller', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw serverError(); }, { sleep: noSleep, budget: false, limiter: false })).rejects.toBeInstanceOf(InternalServerError);
    expect(calls).toBe(BACKOFF.default.maxAttempts);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw serverError(); }, { sleep: noSleep, budget: false, limiter: false, maxAttempts: 2 })).rejects.toThrow();
    expect(calls).toBe(2);
  });

  it.each([Number.NaN, 0, -1, 1.5, Number.POSITIVE_INFINITY])('rejects maxAttempts %s with a TypeError naming it, before any attempt', async (maxAttempts) => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw serverError(); }, { sleep: noSleep, budget: false, limiter: false, maxAttempts })).rejects.toThrow(/^maxAttempts must be/);
    expect(calls).toBe(0);
  });

  it('does not retry terminal errors or non-API errors', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw new TypeError('bug'); }, { sleep: noSleep, budget: false, limiter: false })).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('gives up at once when the server asks for longer than the profile allows', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw rateLimit('x', { 'retry-after': '86400' }); }, { sleep: noSleep, budget: false, limiter: false })).rejects.toBeInstanceOf(RateLimitError);
    expect(calls).toBe(1);
  });

  it('stops when the retry budget is spent, and successes refill it', async () => {
    const budget = new RetryBudget({ capacity: 10, retryCost: 5, successRefund: 1 });
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw rateLimit('slow down'); }, { sleep: noSleep, budget, limiter: false })).rejects.toThrow();
    expect(calls).toBe(3); // two retries spent all 10 tokens
    expect(budget.tokens).toBe(0);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw rateLimit('slow down'); }, { sleep: noSleep, budget, limiter: false })).rejects.toThrow();
    expect(calls).toBe(1);
    await withRetry(async () => 'ok', { budget, limiter: false });
    expect(budget.tokens).toBe(1);
  });

  it('honours an AbortSignal while waiting', async () => {
    const controller = new AbortController();
    const p = withRetry(async () => { throw serverError(); }, {
      budget: false, limiter: false,
      sleep: (_ms, signal) => new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
      signal: controller.signal,
    });
    controller.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });

  it('tells onRetry the error, attempt and delay; delays come from the injected random source', async () => {
    const seen: [number, number][] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 3) throw serverError();
        return 'done';
      },
      { sleep: noSleep, budget: false, limiter: false, random: () => 0.5, onRetry: (r) => seen.push([r.attempt, r.delayMs]) },
    );
    expect(result).toBe('done');
    expect(seen).toEqual([[1, 250], [2, 500]]);
  });

  it('shares one process-wide budget by default', () => {
    expect(sharedRetryBudget()).toBe(sharedRetryBudget());
    expect(sharedRetryBudget().capacity).toBe(500);
  });
});
