/**
 * A client-side adaptive rate limiter: it learns the rate the server grants and paces attempts
 * before they are sent, so that a crowd of callers queues here instead of at the server (where
 * each excess attempt is a 429). It controls a rate, not a concurrency: OpenAI's limits are
 * per-minute request and token buckets, and a 429 says the bucket is empty, not that the server
 * is slow; a rate is also what its headers state.
 *
 * Every rule is relative, so the same scenario at 10 or 500 requests/s gives the same ratios:
 * - x-ratelimit-limit-requests (per minute) gives a ceiling, limit / 60 requests/s, on successes
 *   and errors alike; the key paces at it (source "header") unless a throttle taught it less.
 *   Remaining and reset give the server's burst (remaining + reset x ceiling), and free slots
 *   never exceed remaining. No token left (x-ratelimit-remaining-tokens 0) pauses the key
 *   until the tokens' reset.
 * - A 429 pauses the key for its hint (never longer, capped at maxPauseMs) and, when the attempt
 *   was sent under the current rate, sets the rate to throttleFactor x the successes per second
 *   since the server's bucket ran dry (the first 429 after a quiet window; eight successes at
 *   least), else over the last window, else (none) half the rate it sent at (source "429s"):
 *   with many processes on one quota, that is this process's share. A 429 of an attempt
 *   sent before the rate last changed teaches nothing more: a crowd of simultaneous 429s lowers
 *   the rate once, not once each. Nor does the pause it imposes: successes are measured from
 *   the end of such a pause (the unpaced first wave's 429s), not across it.
 * - While callers queue and the server says it has room (remaining > 0, or no headers at all),
 *   the rate grows (source "ramp"), up to the ceiling, in three zones around G, the rate the
 *   server granted at the last 429: below throttleFactor x G it doubles every growthSeconds (a
 *   low estimate recovers in a few tenths of a second at any scale); up to G it climbs linearly
 *   over one window; past G it probes, doubling slowly at first after a 429 (16 growthSeconds)
 *   and faster the longer none comes, so a capacity that rose again is found within seconds.
 *   Headers that show the server's bucket half full or more skip the zones: the rate doubles
 *   every growthSeconds / 2, since the server grants more than this process sends.
 * Until it learns anything it does not pace. A limiter idle for ttlSeconds forgets what it
 * learned (the shared table drops it), and no timer runs unless an attempt waits.
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
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const arm = (left: number): void => {
      timer = setTimeout(() => {
        if (left > MAX_TIMER_MS) return arm(left - MAX_TIMER_MS);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.min(left, MAX_TIMER_MS));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    arm(ms);
  });
}

/** Options of an AdaptiveLimiter. */
export interface LimiterOptions {
  /** The lowest rate it learns, requests/s (default 0.5): it never stops sending altogether. */
  readonly minRate?: number;
  /**
   * On a 429 of an attempt sent under the current rate, the rate becomes this fraction of the
   * successes per second measured over the window (default 0.9): pacing a little under what the
   * server granted lets its bucket refill, and growth takes it back up while there is room.
   */
  readonly throttleFactor?: number;
  /** Seconds in which the rate doubles while callers queue and the server has room (default 0.5). */
  readonly growthSeconds?: number;
  /** Seconds of the rate that may go out at once when no header says the server's burst (default 0.1). */
  readonly burstSeconds?: number;
  /** The longest a 429's hint, or a token reset, pauses the key, ms (default 10,000: longer hints are usually per-request token limits or daily quotas, which withRetry gives up on anyway). */
  readonly maxPauseMs?: number;
  /** Seconds of successes the rate is measured over on a 429 (default 1). */
  readonly windowSeconds?: number;
  /** Seconds without an attempt after which the limiter forgets what it learned (default 60; Infinity for never). */
  readonly ttlSeconds?: number;
  /** Monotonic milliseconds (default performance.now). */
  readonly now?: () => number;
  /** Waits while queued (default: a timer; must honour its AbortSignal). */
  readonly sleep?: Sleep;
}

/** Where the rate a limiter paces to comes from. */
export type RateSource = 'none' | 'header' | '429s' | 'ramp';

/** What a limiter is doing now. */
export interface LimiterSnapshot {
  /** Requests/s it paces to; Infinity while it has learned nothing (no pacing). */
  readonly rate: number;
  /**
   * Where the rate comes from: "none" (nothing learned), "header" (x-ratelimit-limit-requests / 60),
   * "429s" (throttleFactor x the success rate measured at a 429), "ramp" (growing back while
   * callers queue and the server has room).
   */
  readonly source: RateSource;
  /** The rate the headers allow, requests/s; Infinity when no header said. */
  readonly ceiling: number;
  /** Attempts waiting for a slot. */
  readonly queued: number;
  /** Slots available now (0 to the burst). */
  readonly tokens: number;
  /** Milliseconds until a pause (a 429's hint, or no token left) ends (0 when none). */
  readonly pausedForMs: number;
  readonly successes: number;
  readonly throttles: number;
  /** Milliseconds since its last attempt. */
  readonly idleMs: number;
  /** Milliseconds until, staying idle, it forgets what it learned (and the shared table drops it). */
  readonly expiresInMs: number;
}

interface Waiter {
  resolve(sentAt: number): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort?: () => void;
  /** Left the queue (its signal aborted); skipped when its turn comes. */
  gone?: boolean;
}

/**
 * Rejects an option that is given but is not a number >= 0 (> 0 with `above`), finite unless
 * `finite` is false, naming it. Every number option of the runtime has 0 as its bound.
 */
export function checkNumber(name: string, value: unknown, { above = false, finite = true } = {}): void {
  if (value === undefined) return;
  // NaN fails the comparison.
  const ok = typeof value === 'number' && (!finite || Number.isFinite(value)) && (above ? value > 0 : value >= 0);
  if (!ok) throw new TypeError(`${name} must be a ${finite ? 'finite ' : ''}number ${above ? '>' : '>='} 0, got ${String(value)}`);
}

/** Rejects an option that is given but is not a function, naming it. */
export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${typeof value}`);
}

const defaultNow = () => globalThis.performance.now();

/** A header's whole-number value; NaN when it is absent or anything else ("", "0x10", "1e3", "-1", 16 digits or more). */
function headerCount(headers: unknown, name: string): number {
  const text = readHeader(headers, name)?.trim();
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
}

/** What x-ratelimit-* headers say, in the terms learnFromHeaders acts on. */
export interface RateHeaders {
  /** x-ratelimit-limit-requests (per minute); NaN when absent, malformed, or the set is inconsistent (remaining above it, or not a count). */
  readonly limit: number;
  /** x-ratelimit-remaining-requests; NaN when absent. */
  readonly remaining: number;
  /** x-ratelimit-reset-requests, ms; undefined when absent. */
  readonly resetMs: number | undefined;
  /** With no token left (x-ratelimit-remaining-tokens 0), ms until the tokens reset (> 0); else undefined. */
  readonly tokensResetMs: number | undefined;
}

/** Reads the x-ratelimit-* headers a limiter learns from (names from the registry's hints). */
export function readRateHeaders(headers: unknown, sources: HintSources): RateHeaders {
  const names = sources.rateLimitHeaders;
  const limit = headerCount(headers, names.limitRequests);
  const remaining = headerCount(headers, names.remainingRequests);
  // A remaining that is there but no count makes the whole set suspect.
  const remainingBad = Number.isNaN(remaining) && readHeader(headers, names.remainingRequests) !== undefined;
  const consistent = limit > 0 && !(remaining > limit) && !remainingBad;
  let tokensResetMs: number | undefined;
  if (headerCount(headers, names.remainingTokens) === 0) {
    const reset = durationMs(readHeader(headers, names.resetTokens) ?? '');
    if (reset !== undefined && reset > 0) tokensResetMs = reset;
  }
  return { limit: consistent ? limit : Number.NaN, remaining, resetMs: consistent ? durationMs(readHeader(headers, names.resetRequests) ?? '') : undefined, tokensResetMs };
}

/** The default of LimiterOptions.maxPauseMs. */
export const DEFAULT_MAX_PAUSE_MS = 10_000;

/** How much slower the rate grows past what the server last granted than back up to it. */
const PROBE_SLOWDOWN = 16;

/** Successes a measured rate needs (fewer say too little: 3 in 0.4 s at 10/s reads as 7.5/s). */
const MIN_SAMPLES = 8;

/** The longest a doubling step may cover, ms: a success after a long gap does not jump the rate. */
const MAX_GROWTH_STEP_MS = 250;

/** Paces attempts to the rate it learns; see the module comment. */
export class AdaptiveLimiter {
  readonly minRate: number;
  readonly throttleFactor: number;
  readonly growthMs: number;
  readonly burstSeconds: number;
  readonly maxPauseMs: number;
  readonly windowMs: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #sleep: Sleep;
  #rate = Infinity;
  #source: RateSource = 'none';
  #ceiling = Infinity;
  /** The server's burst, from headers; undefined when they did not say. */
  #burst: number | undefined;
  /** Whether the last headers said the server had no request (or token) left: no room to grow. */
  #exhausted = false;
  /** Whether the last headers said the server's bucket was at least half full: the rate is well under what it grants. */
  #roomy = false;
  #tokens = 0;
  #refilledAt = 0;
  #pausedUntil = 0;
  /** Attempts sent before this took a slot under an older rate: their 429s teach nothing more. */
  #rateSince = -Infinity;
  #grownAt = 0;
  /** The success rate measured at the last 429 (what the server granted then); 0 before any. */
  #granted = 0;
  /** When the current run of 429s began, and the last 429. */
  #episodeAt = -Infinity;
  #throttledAt = -Infinity;
  /**
   * When the last pause a stale 429 imposed ends: successes are measured from then on. The
   * attempts sent before the rate last changed (the unpaced first wave) were answered 429 and
   * paused the key; that pause says nothing of what the server grants at the current rate.
   */
  #measureFrom = -Infinity;
  #activeAt: number;
  /** When each success of the last window came, oldest first. */
  #successTimes: number[] = [];
  #successes = 0;
  #throttles = 0;
  /** The waiters in arrival order; one whose signal aborted stays, marked gone, until its turn (O(1) either way). */
  #queue: Waiter[] = [];
  #queued = 0;
  #pumping = false;
  #pumpWake: AbortController | undefined;

  constructor(options: LimiterOptions = {}) {
    checkNumber('minRate', options.minRate, { above: true });
    checkNumber('throttleFactor', options.throttleFactor, { above: true });
    if (options.throttleFactor !== undefined && options.throttleFactor > 1) throw new TypeError(`throttleFactor must be a number in (0, 1], got ${options.throttleFactor}`);
    checkNumber('growthSeconds', options.growthSeconds, { above: true });
    checkNumber('burstSeconds', options.burstSeconds, { above: true });
    checkNumber('maxPauseMs', options.maxPauseMs);
    checkNumber('windowSeconds', options.windowSeconds, { above: true });
    checkNumber('ttlSeconds', options.ttlSeconds, { above: true, finite: false });
    checkFunction('now', options.now);
    checkFunction('sleep', options.sleep);
    this.minRate = options.minRate ?? 0.5;
    this.throttleFactor = options.throttleFactor ?? 0.9;
    this.growthMs = (options.growthSeconds ?? 0.5) * 1000;
    this.burstSeconds = options.burstSeconds ?? 0.1;
    this.maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
    this.windowMs = (options.windowSeconds ?? 1) * 1000;
    this.ttlMs = (options.ttlSeconds ?? 60) * 1000;
    this.#now = options.now ?? defaultNow;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#activeAt = this.#now();
  }

  /** Requests/s it paces to; Infinity while it has learned nothing. */
  get rate(): number {
    return this.#rate;
  }

  /** Attempts waiting for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /** Whether it has been idle (no attempt queued, sent or answered) past its TTL. */
  expired(now: number = this.#now()): boolean {
    return this.#queued === 0 && now - this.#activeAt >= this.ttlMs;
  }

  /** What it is doing now, for logs and dashboards. */
  snapshot(): LimiterSnapshot {
    const now = this.#now();
    this.#touch(now, false);
    this.#refill(now);
    const idleMs = this.#queued > 0 ? 0 : Math.max(0, now - this.#activeAt);
    return {
      rate: this.#rate,
      source: this.#source,
      ceiling: this.#ceiling,
      queued: this.#queued,
      tokens: now < this.#pausedUntil ? 0 : Number.isFinite(this.#rate) ? this.#tokens : Infinity,
      pausedForMs: Math.max(0, this.#pausedUntil - now),
      successes: this.#successes,
      throttles: this.#throttles,
      idleMs,
      expiresInMs: Math.max(0, this.ttlMs - idleMs),
    };
  }

  /**
   * Resolves when an attempt may be sent, with the limiter's `now()` at that moment (pass it to
   * recordSuccess and recordThrottle). Immediate while nothing is learned or a slot is free;
   * otherwise queued in order. Rejects with the signal's reason as soon as `signal` aborts (the
   * attempt leaves the queue; no timer is left behind).
   */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.#now();
    this.#touch(now, true);
    if (this.#queued === 0 && this.#tryTake(now)) return Promise.resolve(now);
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          waiter.gone = true;
          // With none left waiting, every entry is gone: drop them at once.
          if (--this.#queued === 0) this.#queue = [];
          reject(signal.reason);
          this.#wakePump();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#queued++;
      void this.#pump();
    });
  }

  /**
   * Records a successful attempt: it counts toward the measured rate and, while callers queue and
   * the server has room, the rate grows. `sentAt` is what acquire resolved with.
   */
  recordSuccess(sentAt?: number): void {
    void sentAt; // every success counts toward the measured rate, whenever it was sent
    const now = this.#now();
    this.#touch(now, true);
    this.#successes++;
    this.#successTimes.push(now);
    this.#dropOldSuccesses(now);
    this.#grow(now);
  }

  /**
   * Records a 429 of an attempt sent at `sentAt` (what acquire resolved with; default: now). No
   * slot is free until the hint has passed (capped at maxPauseMs), then one is. When the attempt
   * was sent under the current rate, the rate becomes throttleFactor x the successes per second
   * over the window (never more than it was, nor than the ceiling).
   */
  recordThrottle(hintMs?: number, sentAt?: number): void {
    const now = this.#now();
    this.#touch(now, true);
    this.#throttles++;
    this.#refill(now);
    const hinted = hintMs !== undefined && Number.isFinite(hintMs) && hintMs > 0;
    // A 429 after a spell without any starts an episode: the server's bucket is empty from here,
    // so successes since then measure its refill rate, not the burst it had saved.
    if (now - this.#throttledAt > this.windowMs) this.#episodeAt = now;
    this.#throttledAt = now;
    this.#roomy = false;
    const stale = (sentAt ?? now) < this.#rateSince;
    if (stale && hinted) this.#measureFrom = Math.max(this.#measureFrom, now + Math.min(hintMs, this.maxPauseMs));
    if (!stale) {
      this.#dropOldSuccesses(now);
      const measured = this.#measuredRate(now);
      // What the server granted: successes since the bucket ran dry, else those of the last window (0: none).
      const granted = measured > 0 ? measured : this.#roughRate(now);
      const paced = Number.isFinite(this.#rate);
      let next: number;
      if (measured > 0 || (paced && granted > 0)) next = this.throttleFactor * granted;
      else if (paced) next = this.#rate / 2; // paced, and no success at all in the window
      else if (hinted) next = 1000 / hintMs; // unpaced: the time until one slot frees is the rate of an empty bucket
      else next = this.throttleFactor * granted;
      if (granted > 0 || paced) this.#granted = granted > 0 ? granted : this.#rate;
      this.#setRate(Math.max(this.minRate, Math.min(this.#rate, this.#ceiling, next)), '429s', now);
    }
    // The server had no slot: one frees when the hint has passed (or, without one, at the rate).
    if (hinted) this.#pauseUntil(now + Math.min(hintMs, this.maxPauseMs));
    else this.#tokens = 0;
    this.#wakePump();
  }

  /**
   * Learns from x-ratelimit-* headers, of a success or an error alike: limit L per minute sets
   * the ceiling L / 60 requests/s (the rate follows it down at once, and up when it was at the
   * old ceiling); remaining R and reset D (the time until the bucket is full) give the server's
   * burst, R + D x L / 60, and whole free slots never exceed R. R = 0 with a
   * burst of two or more says there is no room to grow. No token left
   * (x-ratelimit-remaining-tokens 0) pauses the key until the tokens' reset, capped at maxPauseMs:
   * a request's token cost is not known here, so only exhaustion is acted on. Headers that are
   * absent or malformed teach nothing.
   */
  learnFromHeaders(headers: unknown, sources: HintSources = DEFAULT_HINT_SOURCES): void {
    const { limit, remaining, resetMs: reset, tokensResetMs } = readRateHeaders(headers, sources);
    // Headers that are absent or malformed teach nothing.
    if (!(limit > 0) && tokensResetMs === undefined) return;
    const now = this.#now();
    this.#touch(now, true);
    if (limit > 0) {
      this.#refill(now);
      const ceiling = Math.max(this.minRate, limit / 60);
      if (reset !== undefined && remaining >= 0) this.#burst = Math.max(1, Math.min(limit, remaining + (reset * ceiling) / 1000));
      if (!Number.isFinite(this.#rate) || this.#rate >= this.#ceiling || this.#rate > ceiling) this.#setRate(ceiling, 'header', now);
      this.#ceiling = ceiling;
      if (remaining >= 0) {
        // With a burst of one, remaining is 0 after every request, so it cannot tell room.
        this.#exhausted = remaining === 0 && (this.#burst ?? 1) >= 2;
        this.#roomy = remaining >= 2 && this.#burst !== undefined && remaining >= this.#burst / 2;
        // Never more whole slots than the server has left; the part of a slot refilled here is
        // kept (the server counts whole slots, so R = 0 says nothing about that part).
        this.#tokens = Math.min(this.#tokens, remaining + (this.#tokens % 1));
      }
    }
    if (tokensResetMs !== undefined) {
      this.#exhausted = true;
      this.#roomy = false;
      this.#pauseUntil(now + Math.min(tokensResetMs, this.maxPauseMs));
    }
    this.#wakePump();
  }

  #setRate(rate: number, source: RateSource, now: number): void {
    if (rate !== this.#rate) this.#rateSince = now;
    const wasUnpaced = !Number.isFinite(this.#rate);
    this.#rate = rate;
    this.#source = source;
    this.#grownAt = now;
    if (wasUnpaced) {
      // Unpaced, it kept no count: it starts with a full bucket, which what the server said trims.
      this.#tokens = this.#burstSize();
      this.#refilledAt = now;
    }
  }

  /**
   * Growth while callers queue and the server has room, up to the ceiling, in three zones around
   * G, the rate the server granted at the last 429: far below throttleFactor x G, doubling every
   * growthSeconds; from there to G, linearly over one window (the pause in growth lets the
   * server's bucket refill, so the probe past G costs few 429s); past G, probing, PROBE_SLOWDOWN
   * times slower at first and faster the longer no 429 comes (a capacity that rose is found in
   * seconds).
   */
  #grow(now: number): void {
    const step = Math.min(MAX_GROWTH_STEP_MS, now - this.#grownAt);
    this.#grownAt = now;
    if (!Number.isFinite(this.#rate) || this.#queued === 0 || this.#exhausted || this.#rate >= this.#ceiling || step <= 0) return;
    this.#refill(now);
    const granted = this.#granted;
    let grown: number;
    // A bucket the headers show half full or more is refilling faster than this process sends:
    // the server grants more than the last 429 measured, so growth does not slow near it.
    if (this.#roomy) grown = this.#rate * 2 ** ((2 * step) / this.growthMs);
    else if (this.#rate < granted * this.throttleFactor) grown = Math.min(granted * this.throttleFactor, this.#rate * 2 ** (step / this.growthMs));
    else if (this.#rate < granted) grown = Math.min(granted, this.#rate + (granted * (1 - this.throttleFactor) * step) / this.windowMs);
    else grown = this.#rate * 2 ** (step / Math.max(this.growthMs, this.growthMs * PROBE_SLOWDOWN - (now - this.#throttledAt)));
    this.#rate = Math.min(this.#ceiling, grown);
    this.#source = this.#rate >= this.#ceiling ? 'header' : 'ramp';
  }

  /** Successes per second since the bucket ran dry (the episode's first 429) or over the window, whichever is later; 0 for fewer than MIN_SAMPLES. */
  #measuredRate(now: number): number {
    const from = Math.max(this.#episodeAt, this.#measureFrom, now - this.windowMs);
    const count = this.#successTimes.filter((t) => t > from).length;
    const spanMs = now - from;
    return count >= MIN_SAMPLES && spanMs >= this.windowMs / 10 ? (count * 1000) / spanMs : 0;
  }

  /**
   * Successes per second over the window, the server's burst included, from the first success
   * after a stale 429's pause if there is one (else the window's first); a moment counts as a
   * tenth of the window.
   */
  #roughRate(now: number): number {
    const times = this.#successTimes;
    const after = (times.at(-1) as number) >= this.#measureFrom ? times.filter((t) => t >= this.#measureFrom) : times;
    return after.length === 0 ? 0 : (after.length * 1000) / Math.max(now - (after[0] as number), this.windowMs / 10);
  }

  /** Notes activity; past the TTL of idleness first forgets everything learned. */
  #touch(now: number, active: boolean): void {
    if (this.expired(now) && (this.#source !== 'none' || this.#pausedUntil > now)) {
      this.#rate = Infinity;
      this.#source = 'none';
      this.#ceiling = Infinity;
      this.#burst = undefined;
      this.#exhausted = this.#roomy = false;
      this.#rateSince = -Infinity;
      this.#granted = 0;
      this.#episodeAt = this.#throttledAt = this.#measureFrom = -Infinity;
      this.#pausedUntil = 0;
      this.#tokens = 0;
      this.#successTimes = [];
    }
    if (active) this.#activeAt = now;
  }

  /** No slot until `until` (a longer pause is kept), then one, paced from there. */
  #pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    this.#tokens = 1;
    this.#refilledAt = this.#pausedUntil;
  }

  #burstSize(): number {
    return this.#burst ?? Math.max(1, this.#rate * this.burstSeconds);
  }

  #dropOldSuccesses(now: number): void {
    const from = now - this.windowMs;
    while ((this.#successTimes[0] ?? from) < from) this.#successTimes.shift();
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

  /** Takes the first waiter still waiting out of the queue (and its abort listener off its signal). */
  #shift(): Waiter | undefined {
    let waiter: Waiter | undefined;
    while ((waiter = this.#queue.shift())?.gone);
    if (waiter === undefined) return undefined;
    this.#queued--;
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    return waiter;
  }

  #failAll(reason: unknown): void {
    for (let waiter = this.#shift(); waiter !== undefined; waiter = this.#shift()) waiter.reject(reason);
  }

  #wakePump(): void {
    this.#pumpWake?.abort();
  }

  /** Serves the queue in order, sleeping until the next slot frees (one pump at a time). */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queued > 0) {
        const now = this.#now();
        if (this.#tryTake(now)) {
          this.#activeAt = now;
          (this.#shift() as Waiter).resolve(now);
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
    } catch (e) {
      // A clock or sleep that throws outright would strand the queue: its waiters get the error.
      this.#failAll(e);
    } finally {
      this.#pumping = false;
    }
  }
}

/** The key withRetry uses when it is given none: one limiter for the whole process. */
export const DEFAULT_LIMITER_KEY = 'default';

const LIMITERS = Symbol.for('openai-error-registry.limiters.v2');

interface LimiterTable {
  readonly map: Map<string, AdaptiveLimiter>;
  /** The size at which the next sweep for expired limiters runs (twice the size after the last). */
  sweepAt: number;
}

/** The process-wide limiters by key (shared by the ESM and CommonJS copies of this package). */
function limiterTable(): LimiterTable {
  const g = globalThis as { [LIMITERS]?: LimiterTable };
  g[LIMITERS] ??= { map: new Map(), sweepAt: 64 };
  return g[LIMITERS];
}

/** Drops the limiters idle past their TTL: amortised O(1) per new key. */
function sweep(table: LimiterTable): void {
  for (const [key, limiter] of table.map) if (limiter.expired()) table.map.delete(key);
  table.sweepAt = Math.max(64, table.map.size * 2);
}

/**
 * The process-wide limiter for `key` (created on first use, with real time). A limiter idle past
 * its TTL (60 s) has forgotten what it learned; the table drops such limiters as keys are added.
 */
export function sharedLimiter(key: string = DEFAULT_LIMITER_KEY): AdaptiveLimiter {
  if (typeof key !== 'string') throw new TypeError(`limiterKey must be a string, got ${typeof key}`);
  const table = limiterTable();
  let limiter = table.map.get(key);
  if (limiter === undefined) {
    if (table.map.size >= table.sweepAt) sweep(table);
    limiter = new AdaptiveLimiter();
    table.map.set(key, limiter);
  }
  return limiter;
}

/**
 * Every live process-wide limiter's state, by key: the observability hook (rate and where it
 * comes from, queued attempts, pauses, when it expires). Expired limiters are dropped first.
 */
export function limiterSnapshots(): { readonly key: string; readonly state: LimiterSnapshot }[] {
  const table = limiterTable();
  sweep(table);
  return [...table.map].map(([key, limiter]) => ({ key, state: limiter.snapshot() }));
}
