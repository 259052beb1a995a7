/**
 * The store seam: where a limiter key's pacing state and retry budget live. withRetry,
 * waitForResponse and pacedFetch ask a store for the key's limiter and budget; the default,
 * memoryStore, keeps them in this process (sharedLimiter, sharedRetryBudget). Another store (the
 * Redis one, `openai-error-registry/redis`) shares them between processes.
 */
import type { HintSources } from './backoff.js';
import { sharedRetryBudget } from './budget.js';
import { DEFAULT_LIMITER_KEY, sharedLimiter } from './limiter.js';

/** What paces the attempts of one key: AdaptiveLimiter, or a store's shared limiter. */
export interface Limiter {
  /** Resolves when an attempt may be sent, with a stamp to pass to recordSuccess and recordThrottle. */
  acquire(signal?: AbortSignal): Promise<number>;
  /** Counts a successful attempt (`sentAt`: what acquire resolved with). */
  recordSuccess(sentAt?: number): void;
  /** Counts a 429 of an attempt sent at `sentAt`, pausing the key for `hintMs`. */
  recordThrottle(hintMs?: number, sentAt?: number): void;
  /** Learns from an answer's x-ratelimit-* headers (names from the registry's hints). */
  learnFromHeaders(headers: unknown, sources?: HintSources): void;
  /** The longest a 429's hint pauses the key, ms. */
  readonly maxPauseMs: number;
}

/** What caps the retries of one key: RetryBudget, or a store's shared budget. */
export interface Budget {
  readonly retryCost: number;
  readonly connectionCost: number;
  /** Spends `cost`; false (and nothing spent) when the budget cannot afford it. */
  tryAcquire(cost?: number): boolean | Promise<boolean>;
  /** Returns `refund` tokens after a success, up to the capacity. */
  recordSuccess(refund?: number): void;
}

/** Gives each limiter key its limiter and its retry budget (the same objects for the same key). */
export interface LimiterStore {
  /** The limiter of `key`. */
  limiter(key: string): Limiter;
  /** The retry budget of `key`. */
  budget(key: string): Budget;
}

/** The default store: the process-wide limiters and budgets (shared by the ESM and CommonJS copies). */
export const memoryStore: LimiterStore = { limiter: sharedLimiter, budget: sharedRetryBudget };

/** The options by which a call picks its limiter and budget (withRetry, waitForResponse, streamBackgroundResponse). */
export interface PacingOptions {
  readonly limiter?: Limiter | false;
  readonly budget?: Budget | false;
  readonly limiterKey?: string;
  readonly store?: LimiterStore;
}

function keyOf(options: PacingOptions): string {
  if (options.limiterKey !== undefined && typeof options.limiterKey !== 'string') throw new TypeError(`limiterKey must be a string, got ${typeof options.limiterKey}`);
  checkStore(options.store);
  return options.limiterKey ?? DEFAULT_LIMITER_KEY;
}

/** The call's limiter: its own (`false` for none), else the store's of its key. Bad options are a TypeError naming them. */
export function limiterOf(options: PacingOptions): Limiter | false {
  const key = keyOf(options);
  const l = options.limiter;
  // The process's own limiter by name, not through memoryStore, so that a bundle that paces but
  // never retries (waitForResponse) keeps no retry budget.
  if (l === undefined) return options.store === undefined ? sharedLimiter(key) : options.store.limiter(key);
  if (l !== false && !(l !== null && typeof l === 'object' && typeof l.acquire === 'function' && typeof l.recordThrottle === 'function' && typeof l.recordSuccess === 'function')) {
    throw new TypeError('limiter must be an AdaptiveLimiter or false');
  }
  return l;
}

/** The call's retry budget: its own (`false` for none), else the store's of its key. */
export function budgetOf(options: PacingOptions): Budget | false {
  const key = keyOf(options);
  const b = options.budget;
  if (b === undefined) return options.store === undefined ? sharedRetryBudget(key) : options.store.budget(key);
  if (b !== false && !(b !== null && typeof b === 'object' && typeof b.tryAcquire === 'function' && typeof b.recordSuccess === 'function')) throw new TypeError('budget must be a RetryBudget or false');
  return b;
}

/** Rejects a store option that is not a LimiterStore. */
export function checkStore(store: unknown): asserts store is LimiterStore | undefined {
  if (store === undefined) return;
  const s = store as Partial<LimiterStore> | null;
  if (s === null || typeof s !== 'object' || typeof s.limiter !== 'function' || typeof s.budget !== 'function') throw new TypeError('store must be a LimiterStore (memoryStore, or redisStore(client))');
}
