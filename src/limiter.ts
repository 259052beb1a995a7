/**
 * A client-side adaptive rate limiter, in the manner of the AWS SDKs' adaptive retry mode: it
 * learns the rate the server grants and paces attempts before they are sent, so that a crowd of
 * callers queues here instead of at the server (where each excess attempt is a 429).
 *
 * It learns from three things: a 429 (the rate becomes what actually succeeded over the last
 * seconds; the key pauses until the 429's hint), successes (the rate creeps up by `increase` per
 * success, about 5% a second, so it recovers when the server's rate rises again), and
 * x-ratelimit-* headers (limit, remaining and reset give the server's refill rate at once; no
 * token left pauses the key until the tokens reset). Until the first 429 or rate-limit header, it
 * does not pace at all.
 *
 * Limiters are keyed (origin, organization, project) and shared process-wide through a
 * `Symbol.for` global, so the ESM and CommonJS copies of this package use the same instances.
 */
import { durationMs, readHeader, type HintSources } from './backoff.js';
import { DEFAULT_HINT_SOURCES } from './hint-defaults.js';

/** Waits `ms`; rejects when `signal` aborts, clearing its timer. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The longest delay a timer holds (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A timer that rejects with the signal's reason when it aborts (and leaves no timer behind). A
 * wait longer than a timer can hold is slept in steps.
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let left = ms;
    let timer: ReturnType<typeof setTimeout>;
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const arm = () => {
      const step = Math.min(left, MAX_TIMER_MS);
      left -= step;
      timer = setTimeout(() => (left > 0 ? arm() : done()), step);
    };
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/** Options of an AdaptiveLimiter. */
export interface LimiterOptions {
  /** The lowest rate it learns, requests/s (default 0.5): it never stops sending altogether. */
  readonly minRate?: number;
  /** Requests/s added per success while pacing (default 0.05: about +5% a second when saturated). */
  readonly increase?: number;
  /**
   * On a 429, the rate becomes this fraction of the success rate measured (default 0.9): pacing a
   * little under the server's rate lets its bucket refill, so the slow climb back (`increase`)
   * costs one 429 every many seconds instead of a few every second.
   */
  readonly throttleFactor?: number;
  /** Seconds of the learned rate that may go out at once after an idle spell (default 1). */
  readonly burstSeconds?: number;
  /** The longest a 429's hint, or a token reset, pauses the key, ms (default 10,000: longer hints are usually per-request token limits or daily quotas, which withRetry gives up on anyway). */
  readonly maxPauseMs?: number;
  /** Seconds of successes the rate is measured over on a 429 (default 2). */
  readonly windowSeconds?: number;
  /** Monotonic milliseconds (default performance.now). */
  readonly now?: () => number;
  /** Waits while queued (default: a timer; must honour its AbortSignal). */
  readonly sleep?: Sleep;
}

/** What a limiter is doing now. */
export interface LimiterSnapshot {
  /** Requests/s it paces to; Infinity while it has learned nothing (no pacing). */
  readonly rate: number;
  /** Attempts waiting for a slot. */
  readonly queued: number;
  /** Slots available now (0 to the burst). */
  readonly tokens: number;
  /** Milliseconds until a pause (a 429's hint, or no token left) ends (0 when none). */
  readonly pausedForMs: number;
  readonly successes: number;
  readonly throttles: number;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Rejects an option that is not a finite number within its range, naming it. */
export function checkNumber(name: string, value: unknown, min: number, { above = false, finite = true } = {}): void {
  if (value === undefined) return;
  const ok = typeof value === 'number' && !Number.isNaN(value) && (!finite || Number.isFinite(value)) && (above ? value > min : value >= min);
  if (!ok) throw new TypeError(`${name} must be a ${finite ? 'finite ' : ''}number ${above ? '>' : '>='} ${min}, got ${String(value)}`);
}

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${typeof value}`);
}

const defaultNow = () => globalThis.performance.now();

/** A header's whole-number value; NaN when it is absent or anything else ("", "0x10", "1e3", "-1"). */
function headerCount(headers: unknown, name: string): number {
  const text = readHeader(headers, name)?.trim();
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
}

/** Paces attempts to the rate it learns; see the module comment. */
export class AdaptiveLimiter {
  readonly minRate: number;
  readonly increase: number;
  readonly throttleFactor: number;
  readonly burstSeconds: number;
  readonly maxPauseMs: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  #rate = Number.POSITIVE_INFINITY;
  #tokens = 0;
  #refilledAt = 0;
  #pausedUntil = 0;
  #successTimes: number[] = [];
  #successHead = 0;
  #firstSuccessAt: number | undefined;
  #successes = 0;
  #throttles = 0;
  readonly #queue: Waiter[] = [];
  #pumping = false;
  #pumpWake: AbortController | undefined;

  constructor(options: LimiterOptions = {}) {
    checkNumber('minRate', options.minRate, 0, { above: true });
    checkNumber('increase', options.increase, 0);
    checkNumber('throttleFactor', options.throttleFactor, 0, { above: true });
    if (options.throttleFactor !== undefined && options.throttleFactor > 1) throw new TypeError(`throttleFactor must be a number in (0, 1], got ${options.throttleFactor}`);
    checkNumber('burstSeconds', options.burstSeconds, 0, { above: true });
    checkNumber('maxPauseMs', options.maxPauseMs, 0);
    checkNumber('windowSeconds', options.windowSeconds, 0, { above: true });
    checkFunction('now', options.now);
    checkFunction('sleep', options.sleep);
    this.minRate = options.minRate ?? 0.5;
    this.increase = options.increase ?? 0.05;
    this.throttleFactor = options.throttleFactor ?? 0.9;
    this.burstSeconds = options.burstSeconds ?? 1;
    this.maxPauseMs = options.maxPauseMs ?? 10_000;
    this.windowMs = (options.windowSeconds ?? 2) * 1000;
    this.#now = options.now ?? defaultNow;
    this.#sleep = options.sleep ?? abortableSleep;
  }

  /** Requests/s it paces to; Infinity while it has learned nothing. */
  get rate(): number {
    return this.#rate;
  }

  /** Attempts waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  /** What it is doing now, for logs and dashboards. */
  snapshot(): LimiterSnapshot {
    const now = this.#now();
    this.#refill(now);
    return {
      rate: this.#rate,
      queued: this.#queue.length,
      tokens: now < this.#pausedUntil ? 0 : this.#tokens,
      pausedForMs: Math.max(0, this.#pausedUntil - now),
      successes: this.#successes,
      throttles: this.#throttles,
    };
  }

  /**
   * Resolves when an attempt may be sent. Immediate while nothing is learned or a slot is free;
   * otherwise queued in order. Rejects with the signal's reason as soon as `signal` aborts (the
   * attempt leaves the queue; no timer is left behind).
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length === 0 && this.#tryTake(this.#now())) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          reject(signal.reason);
          this.#wakePump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#startPump();
    });
  }

  /** Records a successful attempt: it counts toward the measured rate and raises the paced rate. */
  recordSuccess(): void {
    const now = this.#now();
    this.#successes++;
    this.#firstSuccessAt ??= now;
    this.#successTimes.push(now);
    this.#dropOldSuccesses(now);
    if (Number.isFinite(this.#rate)) {
      this.#refill(now);
      this.#rate += this.increase; // the queue sees it at its next look; no need to wake it
    }
  }

  /**
   * Records a 429. The rate becomes throttleFactor x the successes per second measured over the window (never
   * more than it was; without successes, the rate the hint implies, or half the rate); no slot is
   * free until the hint (capped at maxPauseMs) has passed, then one is.
   */
  recordThrottle(hintMs?: number): void {
    const now = this.#now();
    this.#throttles++;
    this.#refill(now);
    this.#dropOldSuccesses(now);
    const count = this.#successTimes.length - this.#successHead;
    const spanMs = Math.min(this.windowMs, Math.max(1000, now - (this.#firstSuccessAt ?? now)));
    let measured = ((count * 1000) / spanMs) * this.throttleFactor;
    if (count === 0) {
      const hinted = hintMs !== undefined && hintMs > 0 && Number.isFinite(hintMs) ? 1000 / hintMs : Number.POSITIVE_INFINITY;
      measured = Number.isFinite(this.#rate) ? Math.min(this.#rate / 2, hinted) : hinted;
      if (!Number.isFinite(measured)) measured = this.minRate;
    }
    this.#rate = Math.max(this.minRate, Math.min(this.#rate, measured));
    this.#burst = undefined; // the bucket the headers described was not that full after all
    this.#tokens = 0;
    this.#refilledAt = now;
    // The server says a slot frees at now + hint: one slot then, paced from there.
    if (hintMs !== undefined && Number.isFinite(hintMs) && hintMs > 0) this.#pauseUntil(now + Math.min(hintMs, this.maxPauseMs));
    this.#wakePump();
  }

  /** No slot until `until` (a longer pause is kept), then one, paced from there. */
  #pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    this.#tokens = 1;
    this.#refilledAt = this.#pausedUntil;
  }

  /**
   * Learns from x-ratelimit-* headers: with limit L, remaining R < L and reset D (time until the
   * bucket is full again), the server refills at (L - R) / D requests/s, with a burst of up to L;
   * free slots never exceed R. When the token headers say no token is left, the key pauses until
   * their reset (capped at maxPauseMs), since any request sent before then is a 429: a request's
   * token cost is not known here, so only exhaustion is acted on. Headers that are absent or
   * malformed teach nothing.
   */
  learnFromHeaders(headers: unknown, sources: HintSources = DEFAULT_HINT_SOURCES): void {
    const names = sources.rateLimitHeaders;
    const now = this.#now();
    const limit = headerCount(headers, names.limitRequests);
    const remaining = headerCount(headers, names.remainingRequests);
    const reset = durationMs(readHeader(headers, names.resetRequests) ?? '');
    if (Number.isFinite(limit) && limit > 0 && Number.isFinite(remaining) && remaining >= 0 && remaining <= limit) {
      this.#refill(now);
      if (remaining < limit && reset !== undefined && reset > 0) {
        const learned = Math.max(this.minRate, ((limit - remaining) * 1000) / reset);
        if (!Number.isFinite(this.#rate)) {
          this.#tokens = remaining;
          this.#refilledAt = now;
        }
        this.#rate = learned;
        this.#burst = Math.max(1, Math.min(limit, learned * this.burstSeconds));
      }
      if (Number.isFinite(this.#rate)) this.#tokens = Math.min(this.#tokens, remaining);
    }
    if (headerCount(headers, names.remainingTokens) === 0) {
      const tokensReset = durationMs(readHeader(headers, names.resetTokens) ?? '');
      if (tokensReset !== undefined && tokensReset > 0) this.#pauseUntil(now + Math.min(tokensReset, this.maxPauseMs));
    }
    this.#wakePump();
  }

  #burst: number | undefined;

  #burstSize(): number {
    return this.#burst ?? Math.max(1, this.#rate * this.burstSeconds);
  }

  #dropOldSuccesses(now: number): void {
    const from = now - this.windowMs;
    while (this.#successHead < this.#successTimes.length && (this.#successTimes[this.#successHead] ?? now) < from) this.#successHead++;
    if (this.#successHead > 1024 && this.#successHead * 2 > this.#successTimes.length) {
      this.#successTimes = this.#successTimes.slice(this.#successHead);
      this.#successHead = 0;
    }
  }

  #refill(now: number): void {
    if (!Number.isFinite(this.#rate)) return;
    const from = Math.max(this.#refilledAt, this.#pausedUntil);
    if (now > from) {
      this.#tokens = Math.min(Math.max(this.#burstSize(), this.#tokens), this.#tokens + ((now - from) * this.#rate) / 1000);
      this.#refilledAt = now;
    }
  }

  #tryTake(now: number): boolean {
    if (now < this.#pausedUntil) return false;
    if (!Number.isFinite(this.#rate)) return true;
    this.#refill(now);
    // A hair under one slot counts as one: float error must not leave a waiter spinning.
    if (this.#tokens < 1 - 1e-9) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return true;
  }

  /**
   * Milliseconds until the next slot frees: bounded (rate >= minRate, pause <= maxPauseMs) and at
   * least 1, so that a clock too coarse to see a sub-millisecond step cannot make the queue spin.
   */
  #waitMs(now: number): number {
    if (now < this.#pausedUntil) return Math.max(1, this.#pausedUntil - now);
    return Math.max(1, ((1 - this.#tokens) * 1000) / this.#rate);
  }

  #failAll(reason: unknown): void {
    for (const waiter of this.#queue.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(reason);
    }
  }

  #wakePump(): void {
    this.#pumpWake?.abort();
  }

  #startPump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      await this.#drain();
    } catch (e) {
      // A clock or sleep that throws outright would strand the queue: its waiters get the error.
      this.#failAll(e);
    } finally {
      this.#pumping = false;
    }
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const now = this.#now();
      if (this.#tryTake(now)) {
        const waiter = this.#queue.shift() as Waiter;
        if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.resolve();
        continue;
      }
      const wake = new AbortController();
      this.#pumpWake = wake;
      try {
        await this.#sleep(Math.min(this.#waitMs(now), MAX_TIMER_MS), wake.signal);
      } catch (e) {
        // Woken early (the rate changed or a waiter left): look again. A sleep that fails on
        // its own would spin here, so its failure goes to every waiter instead.
        if (!wake.signal.aborted) this.#failAll(e);
      }
      this.#pumpWake = undefined;
    }
  }
}

/** The key withRetry uses when it is given none: one limiter for the whole process. */
export const DEFAULT_LIMITER_KEY = 'default';

const LIMITERS = Symbol.for('openai-error-registry.limiters.v1');

/** The process-wide limiters by key (shared by the ESM and CommonJS copies of this package). */
function limiterTable(): Map<string, AdaptiveLimiter> {
  const g = globalThis as { [LIMITERS]?: Map<string, AdaptiveLimiter> };
  g[LIMITERS] ??= new Map();
  return g[LIMITERS];
}

/** The process-wide limiter for `key` (created on first use, with real time). */
export function sharedLimiter(key: string = DEFAULT_LIMITER_KEY): AdaptiveLimiter {
  if (typeof key !== 'string') throw new TypeError(`limiterKey must be a string, got ${typeof key}`);
  const table = limiterTable();
  let limiter = table.get(key);
  if (limiter === undefined) {
    limiter = new AdaptiveLimiter();
    table.set(key, limiter);
  }
  return limiter;
}

/** Every process-wide limiter's state, by key: the observability hook (rate, queued attempts). */
export function limiterSnapshots(): { readonly key: string; readonly state: LimiterSnapshot }[] {
  return [...limiterTable()].map(([key, limiter]) => ({ key, state: limiter.snapshot() }));
}
