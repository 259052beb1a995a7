/**
 * Resubmitting failed requests: retryDelayMs (how long to wait) and withRetry (the loop). Three
 * things keep retries from making an overload or an outage worse:
 * - jitter on every wait, hinted waits included (a server hint is a floor, not an appointment);
 * - an adaptive rate limiter (src/limiter.ts) that paces every attempt of a key before it is sent;
 * - a retry budget shared by the whole process per key, so that many clients cannot multiply it.
 */
import { drawRandom, errorHintMs, headersOf, isHint, profileDelayMs, type Clock, type HintSources } from './backoff.js';
import { backoffProfile, isConnectionError, type FailureFacts } from './classify.js';
import { connectionBackoff as defaultConnectionBackoff, DEFAULT_HINT_SOURCES } from './hint-defaults.js';
import { abortableSleep, checkFunction, DEFAULT_LIMITER_KEY, DEFAULT_MAX_PAUSE_MS, type Sleep } from './limiter.js';
import { isPacedError } from './pacing.js';
import { budgetOf, limiterOf, type Budget, type Limiter, type LimiterStore } from './store.js';
import { retryObservers, tell } from './observe.js';
import type { BackoffProfile, RegistryTables } from './spec.js';

export { abortableSleep };
export { RetryBudget, sharedRetryBudget, type RetryBudgetOptions } from './budget.js';

/** What onRetry is told before each wait. */
export interface RetryEvent {
  readonly error: unknown;
  /** The registry's facts; undefined for a connection error the registry does not classify. */
  readonly facts: FailureFacts | undefined;
  /** The attempt that failed (1 for the first call). */
  readonly attempt: number;
  /**
   * The backoff withRetry sleeps before the next attempt. 0 for a 429 that a limiter paces (this
   * call's, or pacedFetch's): the key's pause for the hint and its turn in the queue are the wait.
   */
  readonly delayMs: number;
}

/** Why withRetry stopped and rethrew. */
export type GiveUpReason = 'not_retryable' | 'output_delivered' | 'attempts' | 'budget' | 'hint_exceeds_cap';

/** What onGiveUp is told before withRetry rethrows the last error (unchanged). */
export interface GiveUpEvent {
  readonly error: unknown;
  readonly facts: FailureFacts | undefined;
  readonly attempt: number;
  readonly reason: GiveUpReason;
  /**
   * With `hint_exceeds_cap`, `attempts` and `budget`, when the server gave a hint: the hint, in ms
   * (with `hint_exceeds_cap`, longer than the profile's maxMs). withRetry does not wait that long
   * (nor retries early): resubmit yourself after it.
   */
  readonly retryAfterMs?: number;
  /** With `retryAfterMs`: when resubmitting makes sense, in the clock's `now()` milliseconds. */
  readonly retryAt?: number;
}

/** Options of withRetry. */
export interface RetryOptions extends Clock {
  /** Attempts in all, including the first (a positive integer); the smaller of this and the code's profile wins. */
  readonly maxAttempts?: number;
  readonly signal?: AbortSignal;
  /**
   * The retry budget to spend from; `false` for none. Default: the store's budget of
   * `limiterKey`. A 429 that a limiter paces costs nothing: the limiter already holds retries to
   * the rate the server grants.
   */
  readonly budget?: Budget | false;
  /**
   * The rate limiter that paces each attempt; `false` for none. Default: the store's limiter of
   * `limiterKey`. Once an attempt's error shows that pacedFetch paced it, the call's later
   * attempts are paced there alone; pass `false` when `fn` sends through a client whose fetch is
   * pacedFetch, which paces every request it sends, first attempts included.
   */
  readonly limiter?: Limiter | false;
  /** Which limiter and budget of the store to use (default "default"): one per distinct rate limit. */
  readonly limiterKey?: string;
  /**
   * Where the key's limiter and budget live (default memoryStore: this process). A shared store
   * (`redisStore` from `openai-error-registry/redis`) paces every process on the key together.
   */
  readonly store?: LimiterStore;
  /** Called before each wait, with the error, its facts, the attempt that failed and the delay. */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * Resubmit even when the failure says output was already returned or streamed to the caller
   * (`facts.replay.outputDelivered`): a resubmission would deliver it again. Default false.
   */
  readonly resubmitAfterOutput?: boolean;
  /** Called once when withRetry stops retrying, with the reason (and, for a long hint, when to retry). */
  readonly onGiveUp?: (event: GiveUpEvent) => void;
  /** Waits `ms`; rejects when `signal` aborts. Default: a timer. */
  readonly sleep?: Sleep;
}


/** Rejects options that make no sense with a TypeError naming the option. */
function checkRetryOptions(options: RetryOptions): void {
  if (options.maxAttempts !== undefined && !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) {
    throw new TypeError(`maxAttempts must be a positive integer, got ${String(options.maxAttempts)}`);
  }
  for (const name of ['random', 'now', 'sleep', 'onRetry', 'onGiveUp'] as const) checkFunction(name, options[name]);
  if (options.resubmitAfterOutput !== undefined && typeof options.resubmitAfterOutput !== 'boolean') throw new TypeError(`resubmitAfterOutput must be a boolean, got ${typeof options.resubmitAfterOutput}`);
}

type Classify = (e: unknown) => FailureFacts | undefined;

/** openai's APIPromise (and anything shaped like it): `withResponse()` gives the parsed data and the Response. */
interface WithResponse<T> {
  withResponse(): Promise<{ data: T; response: { headers: unknown } }>;
}

function hasWithResponse<T>(x: Promise<T>): x is Promise<T> & WithResponse<T> {
  return x instanceof Promise && typeof (x as Partial<WithResponse<T>>).withResponse === 'function';
}

/** Options of createRetry. */
export interface CreateRetryOptions {
  /** Where hints are read (default: the embedded registry's `hints`). */
  readonly hintSources?: HintSources;
  /** The backoff for connection errors and timeouts (default: the embedded registry's `defaults.connectionBackoff`). */
  readonly connectionBackoff?: BackoffProfile;
}

/** Builds retryDelayMs and withRetry over a runtime's classifyError. */
export function createRetry(classifyError: Classify, createOptions: CreateRetryOptions = {}) {
  const sources = createOptions.hintSources ?? DEFAULT_HINT_SOURCES;
  const connectionBackoff = createOptions.connectionBackoff ?? defaultConnectionBackoff();

  /** The server's requested delay for an error: headers first, then the error body, then the message. */
  const serverHintMs = (error: unknown, clock: Clock = {}): number | undefined => errorHintMs(error, clock, sources);

  function learn(limiter: Limiter, headers: unknown): void {
    try {
      if (headers !== undefined) limiter.learnFromHeaders(headers, sources);
    } catch {
      // a limiter that fails to learn does not fail the call
    }
  }

  /**
   * The value of an attempt. When `fn` returns openai's APIPromise (`() => client.x.create(...)`,
   * not awaited inside), its response headers teach the limiter on success too.
   */
  async function settle<T>(out: Promise<T>, limiter: Limiter | undefined): Promise<T> {
    if (limiter === undefined || !hasWithResponse(out)) return out;
    const { data, response } = await out.withResponse();
    learn(limiter, response.headers);
    return data;
  }

  /** Whether to retry, and on which profile: the registry's, or the connection profile for connection errors. */
  function retryProfile(error: unknown, facts: FailureFacts | undefined): { profile: BackoffProfile; connection: boolean } | undefined {
    if (isConnectionError(error)) return { profile: facts?.retryable ? facts.backoff : connectionBackoff, connection: true };
    if (facts === undefined || !facts.retryable) return undefined;
    return { profile: facts.backoff, connection: false };
  }

  /**
   * Milliseconds to wait before resubmitting after `attempt` failed attempts: the server's hint
   * plus jitter when the code's profile honours hints (not clamped: a hint beyond the profile's
   * maxMs is returned as it is, and withRetry gives up on it), else the profile's backoff with
   * jitter within [0, maxMs]. Undefined when the error is not retryable.
   */
  function retryDelayMs(error: unknown, attempt: number, clock: Clock = {}): number | undefined {
    const how = retryProfile(error, classifyError(error));
    if (how === undefined) return undefined;
    const hint = how.profile.honourServerHints ? serverHintMs(error, clock) : undefined;
    return profileDelayMs(how.profile, attempt, { ...clock, hintMs: hint });
  }

  /**
   * Calls `fn` and, when it throws an error the registry calls retryable (or a connection error or
   * timeout), waits and calls it again: a new submission, never a re-poll of a terminal object.
   * Each attempt first takes a slot from the rate limiter; 429s and successes teach it the rate.
   * Stops, rethrowing the last error unchanged and telling onGiveUp why, checked in this order:
   * the error is not retryable, output was already delivered, the profile's (or the caller's)
   * maxAttempts are spent, the server's hint is longer than the profile's maxMs, the budget cannot
   * pay for the retry. With the last three, when the server gave a hint, onGiveUp also gets
   * `retryAfterMs` and `retryAt`. When `signal` aborts, the signal's reason is thrown.
   */
  async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
    checkRetryOptions(options);
    if (options.random !== undefined) drawRandom(options); // a broken random source fails before any attempt
    const key = options.limiterKey ?? DEFAULT_LIMITER_KEY;
    const budget = budgetOf(options);
    const limiter = limiterOf(options);
    const sleep = options.sleep ?? abortableSleep;
    const now = options.now ?? Date.now;
    const callerLimit = options.maxAttempts ?? Infinity;
    let lastCost: number | undefined;
    // Once an attempt's error shows that pacedFetch paced it, pacing its retries here would take a
    // second slot and count them twice.
    let pacedUpstream = false;
    // Observers (addRetryObserver: the OpenTelemetry integration) are told each attempt, retry and give-up.
    const observers = retryObservers();
    const watched = observers.length > 0;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw options.signal.reason;
      const paceHere = limiter !== false && !pacedUpstream;
      const asked = watched && paceHere ? globalThis.performance.now() : 0;
      const sentAt = paceHere ? await limiter.acquire(options.signal) : undefined;
      const pacedMs = watched && paceHere ? globalThis.performance.now() - asked : 0;
      let failed = false;
      let error: unknown;
      let result!: T;
      try {
        result = await settle(fn(attempt), paceHere ? limiter : undefined);
      } catch (e) {
        failed = true;
        error = e;
      }
      if (!failed) {
        try {
          if (paceHere) limiter.recordSuccess(typeof sentAt === 'number' ? sentAt : undefined);
          if (budget) budget.recordSuccess(lastCost);
        } catch {
          // a limiter or budget that fails to count a success does not undo it (nor resubmit it)
        }
        if (watched) tell(observers, 'attempt', { limiterKey: key, attempt, pacedMs, error: undefined, facts: undefined });
        return result;
      }
      if (options.signal?.aborted) throw options.signal.reason;
      pacedUpstream ||= isPacedError(error);
      const facts = classifyError(error);
      const how = retryProfile(error, facts);
      if (watched) tell(observers, 'attempt', { limiterKey: key, attempt, pacedMs, error, facts });
      const giveUp = (reason: GiveUpReason, hint?: number): never => {
        const event: GiveUpEvent = { error, facts, attempt, reason, ...(isHint(hint) ? { retryAfterMs: hint, retryAt: now() + hint } : {}) };
        if (watched) tell(observers, 'giveUp', { ...event, limiterKey: key });
        options.onGiveUp?.(event);
        throw error;
      };
      // Every answer teaches the limiter that paced it, a refusal's headers included.
      if (limiter !== false && !pacedUpstream) learn(limiter, headersOf(error));
      if (how === undefined) return giveUp('not_retryable');
      // Output the caller already has would be delivered twice; "may have been billed" is only reported.
      if (facts?.replay.outputDelivered === true && options.resubmitAfterOutput !== true) return giveUp('output_delivered');
      const hint = how.profile.honourServerHints ? serverHintMs(error, options) : undefined;
      // A throttle paced by a limiter (here or in pacedFetch) waits there once: the key's pause
      // for the hint, then its turn in the queue, which spreads a crowd without jitter. It spends
      // no budget, since the limiter already holds retries to the rate the server grants.
      const throttle = !how.connection && facts?.status === 429;
      const pauseCap = pacedUpstream ? DEFAULT_MAX_PAUSE_MS : limiter !== false ? (limiter.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS) : 0;
      const limiterWaits = throttle && (limiter !== false || pacedUpstream) && (!isHint(hint) || hint <= pauseCap);
      if (limiter !== false && !pacedUpstream && throttle) limiter.recordThrottle(hint, typeof sentAt === 'number' ? sentAt : undefined);
      if (attempt >= Math.min(callerLimit, how.profile.maxAttempts)) return giveUp('attempts', hint);
      if (isHint(hint) && hint > how.profile.maxMs) return giveUp('hint_exceeds_cap', hint);
      const cost = limiterWaits ? 0 : how.connection ? (budget ? budget.connectionCost : 0) : budget ? budget.retryCost : 0;
      if (budget && cost > 0 && !(await budget.tryAcquire(cost))) return giveUp('budget', hint);
      lastCost = cost;
      const delayMs = limiterWaits ? 0 : profileDelayMs(how.profile, attempt, { ...options, hintMs: hint });
      if (watched) tell(observers, 'retry', { error, facts, attempt, delayMs, limiterKey: key });
      options.onRetry?.({ error, facts, attempt, delayMs });
      if (delayMs > 0) await sleep(delayMs, options.signal);
    }
  }

  return { retryDelayMs, withRetry, serverHintMs };
}

/** createRetry over a registry's tables: its hint sources and its connection-error profile. */
export function createRegistryRetry(tables: RegistryTables, classifyError: Classify) {
  return createRetry(classifyError, { hintSources: tables.hints, connectionBackoff: backoffProfile(tables, tables.defaults.connectionBackoff) });
}
