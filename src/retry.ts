/**
 * Resubmitting failed requests: retryDelayMs (how long to wait) and withRetry (the loop), with a
 * process-wide retry budget so that during an outage retries cannot multiply the load.
 */
import { headerHintMs, messageHintMs, profileDelayMs, type Clock } from './backoff.js';
import type { FailureFacts } from './classify.js';

/**
 * A token bucket in the manner of AWS's standard retry quota: each retry spends `retryCost`
 * tokens, each success returns `successRefund`; with too few tokens, failures are not retried.
 */
export class RetryBudget {
  readonly capacity: number;
  readonly retryCost: number;
  readonly successRefund: number;
  #tokens: number;

  constructor(options: { capacity?: number; retryCost?: number; successRefund?: number } = {}) {
    this.capacity = options.capacity ?? 500;
    this.retryCost = options.retryCost ?? 5;
    this.successRefund = options.successRefund ?? 1;
    this.#tokens = this.capacity;
  }

  /** Tokens left. */
  get tokens(): number {
    return this.#tokens;
  }

  /** Spends the cost of one retry; false (and nothing spent) when the budget cannot afford it. */
  tryAcquire(): boolean {
    if (this.#tokens < this.retryCost) return false;
    this.#tokens -= this.retryCost;
    return true;
  }

  /** Returns tokens after a success, up to the capacity. */
  recordSuccess(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + this.successRefund);
  }
}

const SHARED = Symbol.for('openai-error-registry.retryBudget');

/** The budget every withRetry call shares by default, also across ESM and CommonJS copies. */
export function sharedRetryBudget(): RetryBudget {
  const g = globalThis as { [SHARED]?: RetryBudget };
  g[SHARED] ??= new RetryBudget();
  return g[SHARED];
}

/** What onRetry is told before each wait. */
export interface RetryEvent {
  readonly error: unknown;
  readonly facts: FailureFacts;
  /** The attempt that failed (1 for the first call). */
  readonly attempt: number;
  readonly delayMs: number;
}

/** Options of withRetry. */
export interface RetryOptions extends Clock {
  /** Attempts in all, including the first; the smaller of this and the code's profile wins. */
  readonly maxAttempts?: number;
  readonly signal?: AbortSignal;
  /** The retry budget to spend from; `false` for none. Default: the process-wide budget. */
  readonly budget?: RetryBudget | false;
  /** Called before each wait, with the error, its facts, the attempt that failed and the delay. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Waits `ms`; rejects when `signal` aborts. Default: a timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A timer that rejects with the signal's reason when it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type Classify = (e: unknown) => FailureFacts | undefined;

/** Builds retryDelayMs and withRetry over a runtime's classifyError. */
export function createRetry(classifyError: Classify) {
  /** The server's requested delay for an error (headers first, then the message), if any. */
  function serverHintMs(error: unknown, clock: Clock = {}): number | undefined {
    if (error === null || typeof error !== 'object') return undefined;
    try {
      const e = error as { headers?: unknown; message?: unknown };
      return headerHintMs(e.headers, clock) ?? messageHintMs(e.message);
    } catch {
      return undefined; // an error whose fields throw gives no hint
    }
  }

  /**
   * Milliseconds to wait before resubmitting after `attempt` failed attempts: the server's hint
   * when the code's profile honours hints, else the profile's backoff with jitter; within
   * [0, maxMs]. Undefined when the registry says the error is not retryable.
   */
  function retryDelayMs(error: unknown, attempt: number, clock: Clock = {}): number | undefined {
    const facts = classifyError(error);
    if (facts === undefined || !facts.retryable) return undefined;
    return profileDelayMs(facts.backoff, attempt, serverHintMs(error, clock), clock);
  }

  /**
   * Calls `fn` and, when it throws an error the registry calls retryable, waits retryDelayMs and
   * calls it again: a new submission, never a re-poll of a terminal object. Stops at the
   * profile's (or the caller's) maxAttempts, when the budget is spent, when the server asks for
   * a longer wait than the profile allows, or when `signal` aborts; then rethrows the last error.
   */
  async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
    const budget = options.budget === undefined ? sharedRetryBudget() : options.budget;
    const sleep = options.sleep ?? abortableSleep;
    // A maxAttempts that is not a positive number (NaN, 0, -1) leaves the profile's limit.
    const callerLimit = Number.isFinite(options.maxAttempts) && (options.maxAttempts ?? 0) >= 1 ? Math.floor(options.maxAttempts ?? 1) : Number.POSITIVE_INFINITY;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw options.signal.reason;
      try {
        const result = await fn(attempt);
        if (budget) budget.recordSuccess();
        return result;
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const facts = classifyError(error);
        if (facts === undefined || !facts.retryable) throw error;
        const limit = Math.min(callerLimit, facts.backoff.maxAttempts);
        if (attempt >= limit) throw error;
        const hint = facts.backoff.honourServerHints ? serverHintMs(error, options) : undefined;
        if (hint !== undefined && hint > facts.backoff.maxMs) throw error;
        if (budget && !budget.tryAcquire()) throw error;
        const delayMs = profileDelayMs(facts.backoff, attempt, hint, options);
        options.onRetry?.({ error, facts, attempt, delayMs });
        await sleep(delayMs, options.signal);
      }
    }
  }

  return { retryDelayMs, withRetry, serverHintMs };
}
