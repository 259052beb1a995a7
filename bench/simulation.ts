/**
 * Virtual-time load scenarios for the retry rows of the benchmark: a token-bucket server that
 * answers 429s with an exact "try again in Xs" and retry-after-ms, driven by the real withRetry
 * and the real AdaptiveLimiter (or by a baseline policy), on a VirtualTime clock.
 * Deterministic for a seed.
 */
import { InternalServerError, RateLimitError } from 'openai/core/error';
import { createRetry, RetryBudget, type RetryOptions } from '../src/retry.ts';
import { AdaptiveLimiter } from '../src/limiter.ts';
import { classifyError } from '../src/index.ts';
import { seededRandom, VirtualTime } from './virtual-time.ts';

/** The server of the overload scenarios: a token bucket of `rate` req/s with `burst` slots. */
export interface ServerParams {
  readonly rate: number;
  readonly burst: number;
  /** Time from a request's arrival to its answer, ms (the decision is taken on arrival). */
  readonly latencyMs: number;
}

/** A simulated rate-limited server in virtual time. */
export class SimServer {
  #tokens: number;
  #at = 0;
  #rate: number;
  attempts = 0;
  successes = 0;
  throttles = 0;

  constructor(
    readonly time: VirtualTime,
    readonly params: ServerParams,
  ) {
    this.#tokens = params.burst;
    this.#rate = params.rate;
  }

  /** Changes the granted rate from now on (for recovery tests). */
  setRate(rate: number): void {
    this.#refill();
    this.#rate = rate;
  }

  #refill(): void {
    const now = this.time.now();
    this.#tokens = Math.min(this.params.burst, this.#tokens + ((now - this.#at) * this.#rate) / 1000);
    this.#at = now;
  }

  /** One request: resolves after the latency, or rejects with a 429 carrying the exact wait. */
  async request(): Promise<void> {
    this.attempts++;
    this.#refill();
    const granted = this.#tokens >= 1;
    const hintMs = granted ? 0 : ((1 - this.#tokens) * 1000) / this.#rate;
    if (granted) this.#tokens -= 1;
    await this.time.sleep(this.params.latencyMs);
    if (granted) {
      this.successes++;
      return;
    }
    this.throttles++;
    const message = `Rate limit reached for requests. Limit: ${this.#rate} / 1s. Please try again in ${(hintMs / 1000).toFixed(3)}s.`;
    throw new RateLimitError(429, { message, type: 'requests', code: 'rate_limit_exceeded' }, message, new Headers({ 'retry-after-ms': String(Math.ceil(hintMs)) }));
  }
}

/** How one simulated process retries a request. */
export type Policy = (request: () => Promise<void>) => Promise<void>;
/** Builds one process's policy (its own limiter and budget, where it has them). */
export type PolicyFactory = (time: VirtualTime, random: () => number) => Policy;

const withRetry = createRetry(classifyError).withRetry;

/** This package: the real withRetry with a limiter and a budget of its own per process. */
export const ourPolicy =
  (extra: Partial<RetryOptions> = {}): PolicyFactory =>
  (time, random) => {
    const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
    const budget = new RetryBudget();
    return (request) => withRetry(request, { limiter, budget, sleep: time.sleep, random, now: time.now, ...extra });
  };

function hintOf(e: unknown): number | undefined {
  const v = e instanceof RateLimitError ? Number(e.headers?.get('retry-after-ms')) : Number.NaN;
  return Number.isFinite(v) ? v : undefined;
}

/**
 * openai-node's client policy, from its documented behaviour: 2 retries; retry-after-ms honoured
 * exactly when within 0-60 s; else min(0.5 s x 2^n, 8 s) x (1 - 0.25 x random).
 */
export const openaiPolicy: PolicyFactory = (time, random) => async (request) => {
  for (let retriesLeft = 2; ; retriesLeft--) {
    try {
      return await request();
    } catch (e) {
      if (retriesLeft === 0 || !(e instanceof RateLimitError)) throw e;
      const hint = hintOf(e);
      const n = 2 - retriesLeft;
      const delay = hint !== undefined && hint >= 0 && hint < 60_000 ? hint : Math.min(500 * 2 ** n, 8000) * (1 - 0.25 * random());
      await time.sleep(delay);
    }
  }
};

/** Retry every second, forever. */
export const fixedPolicy: PolicyFactory = (time) => async (request) => {
  for (;;) {
    try {
      return await request();
    } catch (e) {
      if (!(e instanceof RateLimitError)) throw e;
      await time.sleep(1000);
    }
  }
};

/** The hint plus full jitter (U[0, min(0.5 s x 2^(n-1), 8 s)]), forever. */
export const hintFullJitterPolicy: PolicyFactory = (time, random) => async (request) => {
  for (let n = 1; ; n++) {
    try {
      return await request();
    } catch (e) {
      if (!(e instanceof RateLimitError)) throw e;
      await time.sleep((hintOf(e) ?? 0) + random() * Math.min(500 * 2 ** (n - 1), 8000));
    }
  }
};

/** The overload scenario's shape. */
export interface OverloadParams {
  readonly tasks: number;
  readonly requestsPerTask: number;
  readonly processes: number;
  readonly server: ServerParams;
  readonly seed: number;
}

/** What a scenario run measured. */
export interface OverloadResult {
  readonly requests: number;
  readonly succeeded: number;
  readonly successRate: number;
  readonly attempts: number;
  readonly attemptsPerSuccess: number;
  readonly makespanMs: number;
  /** Makespan over the capacity bound (requests / rate). */
  readonly makespanRatio: number;
}

/**
 * `tasks` tasks split evenly over `processes`, each sending `requestsPerTask` requests in
 * sequence (a request that fails for good is counted and the task moves on), all at t = 0.
 */
export async function runOverload(policy: PolicyFactory, p: OverloadParams): Promise<OverloadResult> {
  const time = new VirtualTime();
  const server = new SimServer(time, p.server);
  const random = seededRandom(p.seed);
  const perProcess = Array.from({ length: p.processes }, () => policy(time, random));
  let succeeded = 0;
  let lastDone = 0;
  const task = async (i: number) => {
    const retry = perProcess[i % p.processes] as Policy;
    for (let r = 0; r < p.requestsPerTask; r++) {
      try {
        await retry(() => server.request());
        succeeded++;
      } catch {
        // failed for good: counted as a failure
      }
      lastDone = time.now();
    }
  };
  const all = Promise.all(Array.from({ length: p.tasks }, (_, i) => task(i)));
  await time.run();
  await all;
  const requests = p.tasks * p.requestsPerTask;
  const bound = (requests / p.server.rate) * 1000;
  return {
    requests,
    succeeded,
    successRate: succeeded / requests,
    attempts: server.attempts,
    attemptsPerSuccess: succeeded === 0 ? Number.POSITIVE_INFINITY : server.attempts / succeeded,
    makespanMs: lastDone,
    makespanRatio: lastDone / bound,
  };
}

/** The outage scenario's shape. */
export interface OutageParams {
  readonly clients: number;
  /** Each client sends one request per this many ms. */
  readonly intervalMs: number;
  readonly durationMs: number;
  readonly outage: readonly [number, number];
  readonly seed: number;
}

/** What the outage run measured. */
export interface OutageResult {
  readonly firstAttempts: number;
  readonly extraAttempts: number;
  /** When the budget first refused a retry (ms), if it did. */
  readonly budgetSpentAtMs: number | undefined;
  /** The largest extra/first ratio over every 10 s window from budget exhaustion to the outage's end. */
  readonly worstWindowRatio: number;
}

/**
 * Clients each sending one request per interval through withRetry; during the outage every
 * attempt fails with a 500 server_error. `setup`: "shared" (one runtime, one limiter, the key's
 * process-wide budget), "per-client" (each client its own createRetry runtime and limiter, budget
 * left at its default), or "unbudgeted" (budget: false, for contrast).
 */
export async function runOutage(setup: 'shared' | 'per-client' | 'unbudgeted', p: OutageParams): Promise<OutageResult> {
  const time = new VirtualTime();
  const random = seededRandom(p.seed);
  const limiterKey = `bench-outage-${setup}-${p.seed}-${Math.random()}`; // a fresh process-wide budget per run
  const seconds = Math.ceil(p.durationMs / 1000);
  const first = new Array<number>(seconds + 1).fill(0);
  const extra = new Array<number>(seconds + 1).fill(0);
  let budgetSpentAtMs: number | undefined;
  const sharedLimiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
  const sharedRetry = createRetry(classifyError).withRetry;
  const client = async (i: number) => {
    const retry = setup === 'per-client' ? createRetry(classifyError).withRetry : sharedRetry;
    const limiter = setup === 'per-client' ? new AdaptiveLimiter({ now: time.now, sleep: time.sleep }) : sharedLimiter;
    await time.sleep(random() * p.intervalMs + i * 0);
    while (time.now() < p.durationMs) {
      const started = time.now();
      await retry(
        async (attempt) => {
          const s = Math.floor(time.now() / 1000);
          (attempt === 1 ? first : extra)[s] = ((attempt === 1 ? first : extra)[s] ?? 0) + 1;
          await time.sleep(50);
          if (time.now() >= p.outage[0] && time.now() < p.outage[1]) {
            throw new InternalServerError(500, { message: 'The server had an error', type: 'server_error', code: 'server_error' }, 'The server had an error', new Headers());
          }
        },
        {
          limiter,
          limiterKey,
          ...(setup === 'unbudgeted' ? { budget: false as const } : {}),
          sleep: time.sleep,
          random,
          now: time.now,
          onGiveUp: (e) => {
            if (e.reason === 'budget') budgetSpentAtMs ??= time.now();
          },
        },
      ).catch(() => undefined);
      await time.sleep(Math.max(0, p.intervalMs - (time.now() - started)));
    }
  };
  const all = Promise.all(Array.from({ length: p.clients }, (_, i) => client(i)));
  await time.run();
  await all;
  let worst = 0;
  const from = Math.ceil((budgetSpentAtMs ?? p.outage[0]) / 1000);
  const to = Math.floor(p.outage[1] / 1000) - 10;
  for (let s = from; s <= to; s++) {
    let f = 0;
    let x = 0;
    for (let k = s; k < s + 10; k++) {
      f += first[k] ?? 0;
      x += extra[k] ?? 0;
    }
    if (f > 0) worst = Math.max(worst, x / f);
  }
  return { firstAttempts: first.reduce((a, b) => a + b, 0), extraAttempts: extra.reduce((a, b) => a + b, 0), budgetSpentAtMs, worstWindowRatio: worst };
}
