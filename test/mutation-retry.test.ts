/**
 * withRetry, retryDelayMs and RetryBudget, decision by decision: the budget's defaults and bounds,
 * which profile a failure retries on, what the limiter and the budget are told, the events, and
 * the options that are checked. Profiles here are small and without jitter, so delays are exact.
 */
import { APIConnectionError, InternalServerError, RateLimitError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { sharedLimiter } from '../src/limiter.ts';
import { classifyError } from '../src/index.ts';
import { createRetry, RetryBudget, sharedRetryBudget, type GiveUpEvent, type RetryEvent } from '../src/retry.ts';
import type { FailureFacts } from '../src/classify.ts';
import type { BackoffProfile } from '../src/spec.ts';
import { recordingLimiter } from './helpers.ts';

const rateLimit = (message: string, headers: Record<string, string> = {}) =>
  new RateLimitError(429, { message, code: 'rate_limit_exceeded', type: 'requests' }, message, new Headers(headers));
const serverError = (headers: Record<string, string> = {}) =>
  new InternalServerError(500, { message: 'boom', code: 'server_error', type: 'server_error' }, 'boom', new Headers(headers));
const noSleep = async () => {};

/** A constant profile without jitter: every delay is initialMs, or the hint. */
const profile = (over: Partial<BackoffProfile> = {}): BackoffProfile => ({
  name: 'test',
  strategy: 'constant',
  initialMs: 100,
  maxMs: 1_000,
  multiplier: 1,
  jitter: 'none',
  maxAttempts: 3,
  honourServerHints: true,
  ...over,
});

/** classifyError's facts, with the backoff (and retryable) replaced. */
const factsWith = (error: unknown, backoff: BackoffProfile, retryable = true): FailureFacts => ({ ...(classifyError(error) ?? classifyError(rateLimit('x'))!), backoff, retryable });


describe('RetryBudget', () => {
  it('defaults: 500 tokens, 5 per retry, 14 per connection retry, 1 back per first-attempt success', () => {
    const budget = new RetryBudget();
    expect([budget.capacity, budget.retryCost, budget.connectionCost, budget.successRefund, budget.tokens]).toEqual([500, 5, 14, 1, 500]);
  });

  it('takes its options', () => {
    const budget = new RetryBudget({ capacity: 20, retryCost: 3, connectionCost: 7, successRefund: 2 });
    expect([budget.capacity, budget.retryCost, budget.connectionCost, budget.successRefund, budget.tokens]).toEqual([20, 3, 7, 2, 20]);
  });

  it('tryAcquire spends retryCost by default, down to exactly zero, and then refuses', () => {
    const budget = new RetryBudget({ capacity: 10, retryCost: 5 });
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tokens).toBe(5);
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tokens).toBe(0);
    expect(budget.tryAcquire()).toBe(false);
    expect(budget.tokens).toBe(0);
  });

  it('tryAcquire refuses a cost it cannot afford without spending, and refuses negative or NaN costs', () => {
    const budget = new RetryBudget({ capacity: 10 });
    expect(budget.tryAcquire(11)).toBe(false);
    expect(budget.tryAcquire(-1)).toBe(false);
    expect(budget.tryAcquire(Number.NaN)).toBe(false);
    expect(budget.tokens).toBe(10);
    expect(budget.tryAcquire(0)).toBe(true);
    expect(budget.tryAcquire(10)).toBe(true);
    expect(budget.tokens).toBe(0);
  });

  it('recordSuccess refunds successRefund by default, up to the capacity, and ignores negative refunds', () => {
    const budget = new RetryBudget({ capacity: 10, successRefund: 2 });
    budget.tryAcquire(7);
    budget.recordSuccess();
    expect(budget.tokens).toBe(5);
    budget.recordSuccess(4);
    expect(budget.tokens).toBe(9);
    budget.recordSuccess(-3);
    expect(budget.tokens).toBe(9);
    budget.recordSuccess(0);
    expect(budget.tokens).toBe(9);
    budget.recordSuccess(5);
    expect(budget.tokens).toBe(10);
  });

  it('sharedRetryBudget: one fresh default budget per key, "default" without a key', () => {
    const key = `mutation-${Math.random()}`;
    const budget = sharedRetryBudget(key);
    expect(budget).toBeInstanceOf(RetryBudget);
    expect(budget.tokens).toBe(500);
    expect(sharedRetryBudget(key)).toBe(budget);
    expect(sharedRetryBudget()).toBe(sharedRetryBudget('default'));
    expect(sharedRetryBudget()).not.toBe(budget);
  });
});

describe('createRetry: which profile a failure retries on', () => {
  it('a connection error retries on the connection backoff it is given', async () => {
    const { withRetry } = createRetry(() => undefined, { connectionBackoff: profile({ maxAttempts: 2, initialMs: 7 }) });
    const delays: number[] = [];
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw new APIConnectionError({ message: 'reset' }); }, { budget: false, limiter: false, sleep: async (ms) => void delays.push(ms) })).rejects.toBeInstanceOf(APIConnectionError);
    expect(calls).toBe(2);
    expect(delays).toEqual([7]);
  });

  it("a connection error the registry calls retryable retries on the registry's profile", async () => {
    const error = new APIConnectionError({ message: 'reset' });
    const { withRetry, retryDelayMs } = createRetry(() => factsWith(error, profile({ maxAttempts: 4, initialMs: 11 })), { connectionBackoff: profile({ maxAttempts: 2 }) });
    expect(retryDelayMs(error, 1)).toBe(11);
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw error; }, { budget: false, limiter: false, sleep: noSleep })).rejects.toBe(error);
    expect(calls).toBe(4);
  });

  it('a connection error whose facts say not retryable still retries on the connection backoff', () => {
    const error = new APIConnectionError({ message: 'reset' });
    const { retryDelayMs } = createRetry(() => factsWith(error, profile({ initialMs: 11 }), false), { connectionBackoff: profile({ initialMs: 22 }) });
    expect(retryDelayMs(error, 1)).toBe(22);
  });

  it('an error without facts, or with facts that are not retryable, is not retried', async () => {
    const { retryDelayMs } = createRetry((e) => (e instanceof RateLimitError ? factsWith(e, profile(), false) : undefined));
    expect(retryDelayMs(rateLimit('x'), 1)).toBeUndefined();
    expect(retryDelayMs(new Error('x'), 1)).toBeUndefined();
  });

  it('retryDelayMs: the hint when the profile honours hints, the profile otherwise', () => {
    const error = rateLimit('x', { 'retry-after-ms': '300' });
    const honours = createRetry(() => factsWith(error, profile({ initialMs: 50 })));
    const ignores = createRetry(() => factsWith(error, profile({ initialMs: 50, honourServerHints: false })));
    expect(honours.retryDelayMs(error, 1, { random: () => 0 })).toBe(300);
    expect(honours.retryDelayMs(error, 1, { random: () => 1 })).toBe(400); // 300 + max(60, 100)
    expect(ignores.retryDelayMs(error, 1, { random: () => 1 })).toBe(50);
  });

  it('reads hints only from the hint sources it is given', () => {
    const error = rateLimit('x', { 'x-wait': '2' });
    const facts = () => factsWith(error, profile());
    const mine = createRetry(facts, { hintSources: { delayHeaders: [{ name: 'x-wait', format: 'seconds' }], bodyFields: [], messagePhrases: [], rateLimitHeaders: [] } as never });
    expect(mine.serverHintMs(error)).toBe(2_000);
    expect(createRetry(facts).serverHintMs(error)).toBeUndefined();
  });
});

describe('createRetry: serverHintMs', () => {
  const { serverHintMs } = createRetry(classifyError);

  it('is undefined for anything that is not an object', () => {
    expect(serverHintMs(undefined)).toBeUndefined();
    expect(serverHintMs(null)).toBeUndefined();
    expect(serverHintMs('Please try again in 20s')).toBeUndefined();
  });

  it('headers first, then the body, then the message', () => {
    const error = { message: 'Please try again in 3s', error: { resets_in_seconds: 2 }, headers: new Headers({ 'retry-after-ms': '1000' }) };
    expect(serverHintMs(error)).toBe(1_000);
    expect(serverHintMs({ ...error, headers: new Headers() })).toBe(2_000);
    expect(serverHintMs({ message: error.message, headers: new Headers() })).toBe(3_000);
  });

  it('an error whose fields throw gives no hint', () => {
    const error = {};
    Object.defineProperty(error, 'message', { get() { throw new Error('unreadable'); } });
    expect(serverHintMs(error)).toBeUndefined();
  });
});

describe('withRetry: what the limiter and the budget are told', () => {
  it('paces every attempt, records a 429 with its hint, and a success', async () => {
    const { withRetry } = createRetry(classifyError);
    const { limiter, calls } = recordingLimiter();
    let n = 0;
    const result = await withRetry(async () => { if (n++ === 0) throw rateLimit('x', { 'retry-after-ms': '40' }); return 'ok'; }, { limiter, budget: false, sleep: noSleep, random: () => 0 });
    expect(result).toBe('ok');
    expect(calls).toEqual(['acquire', 'throttle 40', 'acquire', 'success']);
  });

  it('does not record a throttle for a failure that is not a 429', async () => {
    const { withRetry } = createRetry(classifyError);
    const { limiter, calls } = recordingLimiter();
    await expect(withRetry(async () => { throw serverError(); }, { limiter, budget: false, sleep: noSleep, maxAttempts: 2 })).rejects.toBeInstanceOf(InternalServerError);
    expect(calls).toEqual(['acquire', 'acquire']);
  });

  it('does not record a throttle for a connection error, even one whose status reads 429', async () => {
    const error = new APIConnectionError({ message: 'reset' });
    const { withRetry } = createRetry(() => undefined, { connectionBackoff: profile({ maxAttempts: 2 }) });
    const { limiter, calls } = recordingLimiter();
    await expect(withRetry(async () => { throw error; }, { limiter, budget: false, sleep: noSleep })).rejects.toBe(error);
    expect(calls).toEqual(['acquire', 'acquire']);
  });

  it('a retry costs retryCost; a success after it gives that cost back', async () => {
    const { withRetry } = createRetry(classifyError);
    const budget = new RetryBudget({ capacity: 100, retryCost: 7, connectionCost: 30, successRefund: 2 });
    let n = 0;
    const seen: number[] = [];
    await withRetry(async () => { seen.push(budget.tokens); if (n++ === 0) throw serverError(); return 'ok'; }, { limiter: false, budget, sleep: noSleep });
    expect(seen).toEqual([100, 93]);
    expect(budget.tokens).toBe(100);
  });

  it('a first-attempt success gives back successRefund', async () => {
    const { withRetry } = createRetry(classifyError);
    const budget = new RetryBudget({ capacity: 100, successRefund: 2 });
    budget.tryAcquire(10);
    await withRetry(async () => 'ok', { limiter: false, budget });
    expect(budget.tokens).toBe(92);
  });

  it('a connection retry costs connectionCost', async () => {
    const { withRetry } = createRetry(() => undefined, { connectionBackoff: profile({ maxAttempts: 2 }) });
    const budget = new RetryBudget({ capacity: 100, retryCost: 7, connectionCost: 30 });
    await expect(withRetry(async () => { throw new APIConnectionError({ message: 'reset' }); }, { limiter: false, budget, sleep: noSleep })).rejects.toBeInstanceOf(APIConnectionError);
    expect(budget.tokens).toBe(70);
  });

  it('limiterKey picks the process-wide budget and limiter of that key', async () => {
    const key = `mutation-key-${Math.random()}`;
    const { withRetry } = createRetry(classifyError);
    let n = 0;
    const last = rateLimit('x');
    // A 429 on the last attempt teaches the limiter without making it pace a later attempt here.
    await expect(withRetry(async () => { if (n++ === 0) throw serverError(); throw last; }, { limiterKey: key, sleep: noSleep, maxAttempts: 2 })).rejects.toBe(last);
    expect(sharedRetryBudget(key).tokens).toBe(495);
    expect(sharedLimiter(key).snapshot().throttles).toBe(1);
    expect(sharedLimiter().snapshot().throttles).toBe(0);
  });

  it('an error whose headers or status cannot be read is still retried', async () => {
    const { withRetry } = createRetry(() => factsWith(rateLimit('x'), profile({ maxAttempts: 2 })));
    const error = new Error('odd');
    Object.defineProperty(error, 'headers', { get() { throw new Error('unreadable headers'); } });
    Object.defineProperty(error, 'status', { get() { throw new Error('unreadable status'); } });
    const { limiter, calls } = recordingLimiter();
    let n = 0;
    await expect(withRetry(async () => { n++; throw error; }, { limiter, budget: false, sleep: noSleep })).rejects.toBe(error);
    expect(n).toBe(2);
    // Its facts (a 429) make it a throttle, whatever its own fields say.
    expect(calls).toEqual(['acquire', 'throttle undefined', 'acquire', 'throttle undefined']);
  });
});

describe('withRetry: when it stops, and what it tells', () => {
  it('retries while the hint equals maxMs, and gives up when it is longer', async () => {
    const error = (ms: string) => rateLimit('x', { 'retry-after-ms': ms });
    const at = createRetry((e) => factsWith(e, profile({ maxMs: 500, maxAttempts: 2 })));
    const delays: number[] = [];
    let n = 0;
    await expect(at.withRetry(async () => { n++; throw error('500'); }, { limiter: false, budget: false, sleep: async (ms) => void delays.push(ms), random: () => 0 })).rejects.toBeInstanceOf(RateLimitError);
    expect([n, delays]).toEqual([2, [500]]);
    n = 0;
    await expect(at.withRetry(async () => { n++; throw error('501'); }, { limiter: false, budget: false, sleep: noSleep })).rejects.toBeInstanceOf(RateLimitError);
    expect(n).toBe(1);
  });

  it("stops at the smaller of the caller's and the profile's maxAttempts", async () => {
    const { withRetry } = createRetry((e) => factsWith(e, profile({ maxAttempts: 3 })));
    const count = async (maxAttempts?: number) => {
      let n = 0;
      await withRetry(async () => { n++; throw rateLimit('x'); }, { limiter: false, budget: false, sleep: noSleep, ...(maxAttempts === undefined ? {} : { maxAttempts }) }).catch(() => {});
      return n;
    };
    expect([await count(), await count(1), await count(2), await count(5)]).toEqual([3, 1, 2, 3]);
  });

  it('onRetry gets the error, its facts, the attempt and the delay; sleep gets the delay and the signal', async () => {
    const error = rateLimit('x');
    const facts = factsWith(error, profile({ initialMs: 123 }));
    const { withRetry } = createRetry(() => facts);
    const signal = new AbortController().signal;
    const events: RetryEvent[] = [];
    const sleeps: [number, AbortSignal | undefined][] = [];
    let n = 0;
    await withRetry(async () => { if (n++ < 2) throw error; return 'ok'; }, { limiter: false, budget: false, signal, onRetry: (e) => events.push(e), sleep: async (ms, s) => void sleeps.push([ms, s]) });
    expect(events).toEqual([{ error, facts, attempt: 1, delayMs: 123 }, { error, facts, attempt: 2, delayMs: 123 }]);
    expect(sleeps).toEqual([[123, signal], [123, signal]]);
  });

  it('onGiveUp gets the error, its facts and the attempt, and no retryAfterMs unless the hint exceeds the cap', async () => {
    const error = rateLimit('x');
    const facts = factsWith(error, profile({ maxAttempts: 2 }));
    const { withRetry } = createRetry(() => facts);
    const events: GiveUpEvent[] = [];
    await expect(withRetry(async () => { throw error; }, { limiter: false, budget: false, sleep: noSleep, onGiveUp: (e) => events.push(e) })).rejects.toBe(error);
    expect(events).toEqual([{ error, facts, attempt: 2, reason: 'attempts' }]);
    expect('retryAfterMs' in events[0]! || 'retryAt' in events[0]!).toBe(false);
  });

  it('retryAt is the hint after Date.now() when no clock is given', async () => {
    const { withRetry } = createRetry((e) => factsWith(e, profile({ maxMs: 1_000 })));
    const events: GiveUpEvent[] = [];
    const before = Date.now();
    await withRetry(async () => { throw rateLimit('x', { 'retry-after-ms': '5000' }); }, { limiter: false, budget: false, sleep: noSleep, onGiveUp: (e) => events.push(e) }).catch(() => {});
    const after = Date.now();
    expect(events[0]).toMatchObject({ reason: 'hint_exceeds_cap', retryAfterMs: 5_000 });
    expect(events[0]!.retryAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(events[0]!.retryAt).toBeLessThanOrEqual(after + 5_000);
  });

  it('an aborted signal stops it before the first attempt', async () => {
    const { withRetry } = createRetry(classifyError);
    const controller = new AbortController();
    controller.abort(new Error('early'));
    let n = 0;
    await expect(withRetry(async () => void n++, { limiter: false, budget: false, signal: controller.signal })).rejects.toThrow('early');
    expect(n).toBe(0);
  });

  it('an abort during an attempt throws the signal reason, not the failure, and does not retry', async () => {
    const { withRetry } = createRetry(classifyError);
    const controller = new AbortController();
    let n = 0;
    const p = withRetry(async () => { n++; controller.abort(new Error('stopped')); throw serverError(); }, { limiter: false, budget: false, signal: controller.signal, sleep: noSleep });
    await expect(p).rejects.toThrow('stopped');
    expect(n).toBe(1);
  });

  it('waits with a real timer when no sleep is given', async () => {
    const { withRetry } = createRetry((e) => factsWith(e, profile({ initialMs: 30 })));
    let n = 0;
    const start = performance.now();
    await withRetry(async () => { if (n++ === 0) throw rateLimit('x'); return 'ok'; }, { limiter: false, budget: false });
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
  });
});

describe('withRetry: options that are checked', () => {
  const { withRetry } = createRetry(classifyError);
  const rejects = async (options: object) => {
    let n = 0;
    const e = await withRetry(async () => void n++, { limiter: false, budget: false, ...options }).then(() => undefined, (x: unknown) => x);
    expect(n).toBe(0);
    return e as Error;
  };

  it.each(['now', 'sleep', 'onRetry', 'onGiveUp', 'random'])('%s must be a function', async (name) => {
    const e = await rejects({ [name]: 42 });
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe(`${name} must be a function, got number`);
  });

  it('names the bad value of maxAttempts, budget, limiter and limiterKey', async () => {
    expect((await rejects({ maxAttempts: 2.5 })).message).toBe('maxAttempts must be a positive integer, got 2.5');
    expect((await rejects({ budget: null })).message).toBe('budget must be a RetryBudget or false');
    expect((await rejects({ budget: { tryAcquire: 1 } })).message).toBe('budget must be a RetryBudget or false');
    expect((await rejects({ limiter: null })).message).toBe('limiter must be an AdaptiveLimiter or false');
    expect((await rejects({ limiter: { acquire: async () => {} } })).message).toBe('limiter must be an AdaptiveLimiter or false');
    expect((await rejects({ limiter: { recordThrottle: () => {} } })).message).toBe('limiter must be an AdaptiveLimiter or false');
    expect((await rejects({ limiterKey: 1 })).message).toBe('limiterKey must be a string, got number');
  });

  it('accepts a duck-typed budget and limiter, a limiterKey, and maxAttempts 1', async () => {
    const { limiter, calls } = recordingLimiter();
    let spent = 0;
    const budget = { tryAcquire: () => { spent++; return true; }, recordSuccess: () => {}, retryCost: 5, connectionCost: 14 } as unknown as RetryBudget;
    let n = 0;
    const result = await withRetry(async () => { if (n++ === 0) throw serverError(); return 'ok'; }, { limiter, budget, limiterKey: 'k', sleep: noSleep });
    expect([result, spent, calls.length]).toEqual(['ok', 1, 3]);
    expect(await withRetry(async () => 'one', { limiter: false, budget: false, maxAttempts: 1 })).toBe('one');
  });
});
