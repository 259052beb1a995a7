/**
 * The retry budget: a token bucket per limiter key that caps how many retries a process makes
 * (see RetryBudget), shared process-wide by default.
 */
import { checkNumber, DEFAULT_LIMITER_KEY } from './limiter.js';

/** Options of a RetryBudget. */
export interface RetryBudgetOptions {
  /** Tokens when full (default 500). */
  readonly capacity?: number;
  /** Cost of retrying a throttle or a transient server error (default 5). */
  readonly retryCost?: number;
  /** Cost of retrying a connection error or a timeout (default 14): they cost the server most. */
  readonly connectionCost?: number;
  /** Tokens a first-attempt success returns (default 1); a success after retries returns the last retry's cost. */
  readonly successRefund?: number;
}

/**
 * A token bucket in the manner of AWS retry 2.1's quota: each retry spends its cost (a timeout or
 * connection error 14, anything else 5); a success returns the cost of the retry that led to it,
 * or 1 for a first-attempt success; with too few tokens, failures are not retried.
 */
export class RetryBudget {
  readonly capacity: number;
  readonly retryCost: number;
  readonly connectionCost: number;
  readonly successRefund: number;
  #tokens: number;

  constructor(options: RetryBudgetOptions = {}) {
    checkNumber('capacity', options.capacity);
    checkNumber('retryCost', options.retryCost);
    checkNumber('connectionCost', options.connectionCost);
    checkNumber('successRefund', options.successRefund);
    this.capacity = options.capacity ?? 500;
    this.retryCost = options.retryCost ?? 5;
    this.connectionCost = options.connectionCost ?? 14;
    this.successRefund = options.successRefund ?? 1;
    this.#tokens = this.capacity;
  }

  /** Tokens left. */
  get tokens(): number {
    return this.#tokens;
  }

  /** Spends `cost` (default retryCost); false (and nothing spent) when the budget cannot afford it. */
  tryAcquire(cost: number = this.retryCost): boolean {
    if (!(cost >= 0) || this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Returns `refund` tokens (default successRefund) after a success, up to the capacity. */
  recordSuccess(refund: number = this.successRefund): void {
    if (refund >= 0) this.#tokens = Math.min(this.capacity, this.#tokens + refund);
  }
}

const BUDGETS = Symbol.for('openai-error-registry.retryBudgets.v2');

/**
 * The budget every withRetry call with this limiter key shares by default, across every client,
 * every createRetry runtime, and the ESM and CommonJS copies of this package.
 */
export function sharedRetryBudget(key: string = DEFAULT_LIMITER_KEY): RetryBudget {
  const g = globalThis as { [BUDGETS]?: Map<string, RetryBudget> };
  g[BUDGETS] ??= new Map();
  let budget = g[BUDGETS].get(key);
  if (budget === undefined) {
    budget = new RetryBudget();
    g[BUDGETS].set(key, budget);
  }
  return budget;
}
