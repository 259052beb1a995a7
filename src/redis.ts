/**
 * redisStore: a LimiterStore whose limiters and retry budgets live in Redis, so that every
 * process on a key paces to one learned rate, shares its pauses and spends from one budget.
 *
 *   import { createClient } from 'redis';
 *   import { redisStore } from 'openai-error-registry/redis';
 *   const store = redisStore(await createClient().connect());
 *   await withRetry(() => client.responses.create(body), { store });
 *
 * It takes the client you already have, from either of the two well-kept Node clients: `redis`
 * (node-redis 4 or later) or `ioredis`, told apart by shape (`sendCommand` / `call`), so neither
 * is a dependency. Each key's state is one hash changed by one script (src/redis-script.ts) on the
 * server's clock: an attempt costs one round trip, reserving its slot.
 *
 * Faults never hang or fail a request. A call is sent only while the client says it is ready (so
 * nothing waits in its offline queue) and is given up after `timeoutMs`; the key then falls back
 * to a local AdaptiveLimiter and RetryBudget (kept warm with what the process sees), says so once
 * through onFallback, and, every `retryMs` while in use, asks Redis again; onRecover says when it
 * answers. A script missing after a restart is loaded again; a key holding another type keeps
 * the key local.
 */
import { RetryBudget, type RetryBudgetOptions } from './budget.js';
import { abortableSleep, AdaptiveLimiter, checkFunction, checkNumber, MAX_TIMER_MS, readRateHeaders, type LimiterOptions } from './limiter.js';
import { DEFAULT_HINT_SOURCES } from './hint-defaults.js';
import { LIMITER_SCRIPT } from './redis-script.js';
import type { Budget, Limiter, LimiterStore } from './store.js';
import type { HintSources } from './spec.js';

/** A node-redis client (`createClient()` of the `redis` package, 4 or later), as far as this store uses it. */
export interface NodeRedisClient {
  /** Sends one command (its arguments as strings), giving up after `timeout` ms. */
  sendCommand(args: string[], options?: { readonly timeout?: number }): Promise<unknown>;
  /** Whether the client is connected: calls are sent only then. */
  readonly isReady?: boolean;
}

/** An ioredis client (`new Redis()`), as far as this store uses it. */
export interface IORedisClient {
  /** Sends one command. */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** The connection's state: calls are sent only while it is "ready". */
  readonly status?: string;
}

/** What redisStore tells onFallback and onRecover. */
export interface RedisStoreEvent {
  /** The store's key (without the prefix). */
  readonly key: string;
  /** With onFallback: why Redis was left (a timeout, a refused connection, a bad reply). */
  readonly error?: unknown;
  /** With onRecover: milliseconds spent on the local limiter. */
  readonly downMs?: number;
}

/** Options of redisStore. */
export interface RedisStoreOptions {
  /** Prefix of every Redis key (default "oer:"). */
  readonly prefix?: string;
  /** How long a call may take before the key falls back to its local limiter, ms (default 100). */
  readonly timeoutMs?: number;
  /** While a key is local, how often (at most, and only when it is used) Redis is asked again, ms (default 250). */
  readonly retryMs?: number;
  /** The limiter's rules, shared by the fleet (ttlSeconds is the keys' expiry; `now` and `sleep` are not taken). */
  readonly limiter?: Omit<LimiterOptions, 'now' | 'sleep'>;
  /** The budget's sizes, shared by the fleet. */
  readonly budget?: RetryBudgetOptions;
  /** Called once when a key falls back to its local limiter (hooks that throw are ignored). */
  readonly onFallback?: (event: RedisStoreEvent) => void;
  /** Called once when a key that fell back is on Redis again. */
  readonly onRecover?: (event: RedisStoreEvent) => void;
}

/** A key's shared state, as Redis holds it. */
export interface RedisLimiterState {
  /** Requests/s the fleet paces to; Infinity while nothing is learned. */
  readonly rate: number;
  readonly source: string;
  readonly ceiling: number;
  /** Slots free now (negative: slots promised to waiting callers). */
  readonly tokens: number;
  readonly pausedForMs: number;
  readonly successes: number;
  readonly throttles: number;
  readonly budgetTokens: number;
  /** Milliseconds until Redis drops the key (-2: it holds none). */
  readonly expiresInMs: number;
}

/** A LimiterStore in Redis (see the module comment). */
export interface RedisStore extends LimiterStore {
  /** Whether `key` is served by Redis now, or by its local fallback. */
  status(key: string): 'redis' | 'local';
  /** The key's shared state, read from Redis. */
  state(key: string): Promise<RedisLimiterState>;
}

const toNumber = (s: unknown): number => (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : typeof s === 'string' || typeof s === 'number' ? Number(s) : Number.NaN);
/** How long a slot taken ahead stays good, ms. */
const HOLD_MS = 250;

const NO_HEADERS = ['-1', '-1', '-1', '-1'];
const epochNow = () => globalThis.performance.timeOrigin + globalThis.performance.now();

class TimeoutError extends Error {
  override readonly name = 'RedisStoreTimeout';
}

class BadReplyError extends Error {
  override readonly name = 'RedisStoreBadReply';
}

/** Sends one command through either client, refusing when it is not ready, giving up after `ms`. */
function sender(client: NodeRedisClient | IORedisClient, ms: number): (args: string[]) => Promise<unknown> {
  const io = typeof (client as IORedisClient).call === 'function';
  const ready = () => (io ? ((client as IORedisClient).status ?? 'ready') === 'ready' : (client as NodeRedisClient).isReady !== false);
  return (args) => {
    if (!ready()) return Promise.reject(new Error('the Redis client is not connected'));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sent = io ? (client as IORedisClient).call(args[0] as string, ...args.slice(1)) : (client as NodeRedisClient).sendCommand(args, { timeout: ms });
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`Redis did not answer within ${ms} ms`)), ms);
    });
    sent.catch(() => undefined); // a reply that comes after the timeout is dropped
    return Promise.race([sent, late]).finally(() => clearTimeout(timer));
  };
}

interface Shared {
  readonly send: (args: string[]) => Promise<unknown>;
  readonly options: RedisStoreOptions;
  readonly retryMs: number;
  /** The script's configuration arguments (after the op). */
  config: string[];
  sha: Promise<string> | undefined;
}

/** One key: its Redis hash, its local fallback, and which of the two serves it. */
class KeyState {
  readonly local: AdaptiveLimiter;
  readonly localBudget: RetryBudget;
  #down: number | undefined;
  #probedAt = 0;
  #probing = false;

  constructor(
    readonly shared: Shared,
    readonly key: string,
  ) {
    this.local = new AdaptiveLimiter({ ...shared.options.limiter, now: epochNow });
    this.localBudget = new RetryBudget(shared.options.budget);
  }

  get isLocal(): boolean {
    return this.#down !== undefined;
  }

  /** Runs the script's `op`; undefined when the key is (or just became) local. */
  async run(op: string, args: readonly string[] = []): Promise<string[] | undefined> {
    if (this.#down !== undefined) {
      this.#probe();
      return undefined;
    }
    try {
      return await this.#call(op, args);
    } catch (e) {
      this.#fallBack(e);
      return undefined;
    }
  }

  /** Fire and forget: a learning call whose failure only makes the key local. */
  tell(op: string, args: readonly string[]): void {
    void this.run(op, args);
  }

  async #call(op: string, args: readonly string[]): Promise<string[]> {
    const s = this.shared;
    const argv = ['1', (s.options.prefix ?? 'oer:') + this.key, op, ...s.config, ...args];
    s.sha ??= this.#load();
    let reply: unknown;
    try {
      reply = await s.send(['EVALSHA', await s.sha, ...argv]);
    } catch (e) {
      // Redis restarted without its script cache: load it again, once.
      if (!String((e as { message?: unknown } | null)?.message).startsWith('NOSCRIPT')) throw e;
      s.sha = this.#load();
      reply = await s.send(['EVALSHA', await s.sha, ...argv]);
    }
    if (!Array.isArray(reply) || reply.length === 0 || !reply.every((x) => typeof x === 'string')) throw new BadReplyError(`the limiter script answered ${JSON.stringify(reply)?.slice(0, 80)}`);
    return reply as string[];
  }

  #load(): Promise<string> {
    const loading = this.shared.send(['SCRIPT', 'LOAD', LIMITER_SCRIPT]).then((sha) => {
      if (typeof sha !== 'string') throw new BadReplyError('SCRIPT LOAD gave no digest');
      return sha;
    });
    loading.catch(() => {
      if (this.shared.sha === loading) this.shared.sha = undefined;
    });
    return loading;
  }

  #fallBack(error: unknown): void {
    if (this.#down !== undefined) return;
    this.#down = this.#probedAt = epochNow();
    try {
      this.shared.options.onFallback?.({ key: this.key, error });
    } catch {
      // a hook that throws does not fail the request
    }
  }

  /** While local, asks Redis again at most every retryMs (a read that changes nothing). */
  #probe(): void {
    const now = epochNow();
    if (this.#probing || now - this.#probedAt < this.shared.retryMs) return;
    this.#probing = true;
    this.#probedAt = now;
    this.#call('state', [])
      .then(() => {
        const downMs = epochNow() - (this.#down ?? now);
        this.#down = undefined;
        try {
          this.shared.options.onRecover?.({ key: this.key, downMs });
        } catch {
          // ignored, as with onFallback
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this.#probing = false;
      });
  }
}

interface Waiter {
  resolve(stamp: number): void;
  reject(reason: unknown): void;
  readonly signal: AbortSignal | undefined;
  settled: boolean;
}

/** A key's limiter in Redis: waiters queue here and reserve their slots there, one at a time. */
class RedisLimiter implements Limiter {
  readonly maxPauseMs: number;
  #queue: Waiter[] = [];
  #waiting = 0;
  #pumping = false;
  /** A slot taken ahead (its server time), and the call taking one. */
  #held: { readonly slot: number; readonly at: number } | undefined;
  #ahead: Promise<void> | undefined;
  /** Headers learned and not yet sent (they go with the answer's success or 429). */
  #headers: string[] | undefined;
  #flush: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly state: KeyState) {
    this.maxPauseMs = state.local.maxPauseMs;
  }

  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.state.isLocal) {
      void this.state.run('state'); // only probes
      if (this.state.isLocal) return this.state.local.acquire(signal);
    }
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, settled: false };
      const onAbort = () => this.#settle(waiter, () => reject(signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.resolve = (stamp) => {
        signal?.removeEventListener('abort', onAbort);
        this.#settle(waiter, () => resolve(stamp));
      };
      waiter.reject = (reason) => {
        signal?.removeEventListener('abort', onAbort);
        this.#settle(waiter, () => reject(reason));
      };
      this.#queue.push(waiter);
      this.#waiting++;
      if (!this.#pumping) void this.#pump();
    });
  }

  #settle(waiter: Waiter, done: () => void): void {
    if (waiter.settled) return;
    waiter.settled = true;
    this.#waiting--;
    done();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      for (let waiter = this.#queue.shift(); waiter !== undefined; waiter = this.#queue.shift()) {
        if (waiter.settled) continue;
        if (this.#ahead) await this.#ahead;
        const held = this.#held;
        this.#held = undefined;
        if (held !== undefined && epochNow() - held.at < HOLD_MS) {
          waiter.resolve(held.slot);
          continue;
        }
        const reply = await this.state.run('acquire');
        if (waiter.settled) continue; // it left while its slot was being reserved
        if (reply === undefined) {
          // The key is local now: this waiter and every one behind it queue there instead.
          for (const w of [waiter, ...this.#queue.splice(0)]) {
            if (!w.settled) this.state.local.acquire(w.signal).then(w.resolve, w.reject);
          }
          return;
        }
        const [waitMs, slot] = this.#read(reply);
        if (!(waitMs >= 0) || !Number.isFinite(slot)) {
          waiter.resolve(epochNow()); // a reply that says nothing usable does not hold the attempt
          continue;
        }
        if (waitMs > 0) {
          try {
            await abortableSleep(Math.min(waitMs, MAX_TIMER_MS), waiter.signal);
          } catch (e) {
            waiter.reject(e);
            continue;
          }
        }
        waiter.resolve(slot);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** An acquire reply's wait and slot. */
  #read(reply: string[]): [number, number] {
    return [toNumber(reply[0]), toNumber(reply[1])];
  }

  recordSuccess(sentAt?: number): void {
    this.state.local.recordSuccess(sentAt);
    this.#answer('success', '-1', '');
  }

  recordThrottle(hintMs?: number, sentAt?: number): void {
    this.#held = undefined; // a slot taken before the server ran dry would be sent into its pause
    this.state.local.recordThrottle(hintMs, sentAt);
    const hint = hintMs !== undefined && Number.isFinite(hintMs) && hintMs > 0 ? String(hintMs) : '-1';
    this.#answer('throttle', hint, sentAt !== undefined && Number.isFinite(sentAt) ? String(sentAt) : '');
  }

  /**
   * Headers are sent with the success or 429 of the same answer, which callers record right after
   * (pacedFetch and waitForResponse at once, withRetry a few microtasks later); alone, they go
   * out on the next turn of the event loop.
   */
  learnFromHeaders(headers: unknown, sources: HintSources = DEFAULT_HINT_SOURCES): void {
    this.state.local.learnFromHeaders(headers, sources);
    const said = readRateHeaders(headers, sources);
    if (!(said.limit > 0) && said.tokensResetMs === undefined) return;
    const n = (x: number | undefined) => (x !== undefined && x >= 0 ? String(x) : '-1');
    this.#headers = [n(said.limit > 0 ? said.limit : undefined), n(said.remaining), n(said.resetMs), n(said.tokensResetMs)];
    if (this.#flush === undefined) {
      this.#flush = setTimeout(() => {
        this.#flush = undefined;
        if (this.#headers !== undefined) this.#answer('none', '-1', '');
      }, 0);
    }
  }

  /** One call with what an answer taught; after a success with nothing queued, it takes the next slot ahead. */
  #answer(kind: 'success' | 'throttle' | 'none', hint: string, sentAt: string): void {
    const headers = this.#headers ?? NO_HEADERS;
    this.#headers = undefined;
    const ahead = kind === 'success' && this.#waiting === 0 && this.#held === undefined && this.#ahead === undefined && !this.state.isLocal;
    const call = this.state.run('answer', [kind, String(this.#waiting), hint, sentAt, ...headers, ahead ? '1' : '0']).then((reply) => {
      if (reply === undefined) return;
      const waitMs = toNumber(reply[1]);
      const slot = toNumber(reply[2]);
      if (ahead && waitMs === 0 && Number.isFinite(slot)) this.#held = { slot, at: epochNow() };
    });
    if (ahead) {
      const taking = call.finally(() => {
        if (this.#ahead === taking) this.#ahead = undefined;
      });
      this.#ahead = taking;
    }
  }
}

/** A key's retry budget in Redis. */
class RedisBudget implements Budget {
  readonly retryCost: number;
  readonly connectionCost: number;

  constructor(readonly state: KeyState) {
    this.retryCost = state.localBudget.retryCost;
    this.connectionCost = state.localBudget.connectionCost;
  }

  async tryAcquire(cost: number = this.retryCost): Promise<boolean> {
    if (!(cost >= 0)) return false;
    const reply = await this.state.run('take', [String(cost)]);
    return reply === undefined ? this.state.localBudget.tryAcquire(cost) : reply[0] === '1';
  }

  recordSuccess(refund: number = this.state.localBudget.successRefund): void {
    if (!(refund >= 0)) return;
    if (this.state.isLocal) this.state.localBudget.recordSuccess(refund);
    else this.state.tell('refund', [String(refund)]);
  }
}

/**
 * A LimiterStore in Redis over `client` (node-redis or ioredis, connected by you): pass it as
 * `store` to withRetry, waitForResponse and pacedFetch. See the module comment.
 */
export function redisStore(client: NodeRedisClient | IORedisClient, options: RedisStoreOptions = {}): RedisStore {
  const c = client as Partial<NodeRedisClient & IORedisClient> | null;
  if (c === null || typeof c !== 'object' || (typeof c.call !== 'function' && typeof c.sendCommand !== 'function')) {
    throw new TypeError('redisStore needs a node-redis client (createClient() of `redis`) or an ioredis client');
  }
  if (options.prefix !== undefined && typeof options.prefix !== 'string') throw new TypeError(`prefix must be a string, got ${typeof options.prefix}`);
  checkNumber('timeoutMs', options.timeoutMs, { above: true });
  checkNumber('retryMs', options.retryMs);
  checkNumber('limiter.ttlSeconds', options.limiter?.ttlSeconds, { above: true });
  for (const name of ['onFallback', 'onRecover'] as const) checkFunction(name, options[name]);
  // The rules' defaults and checks are AdaptiveLimiter's and RetryBudget's own.
  const rules = new AdaptiveLimiter(options.limiter);
  const sizes = new RetryBudget(options.budget);
  const shared: Shared = {
    send: sender(client, options.timeoutMs ?? 100),
    options,
    retryMs: options.retryMs ?? 250,
    config: [rules.minRate, rules.throttleFactor, rules.growthMs, rules.burstSeconds, rules.maxPauseMs, rules.windowMs, rules.ttlMs, sizes.capacity].map(String),
    sha: undefined,
  };
  const keys = new Map<string, { state: KeyState; limiter: RedisLimiter; budget: RedisBudget }>();
  let sweepAt = 64;
  const entry = (key: string) => {
    if (typeof key !== 'string') throw new TypeError(`limiterKey must be a string, got ${typeof key}`);
    let e = keys.get(key);
    if (e === undefined) {
      if (keys.size >= sweepAt) {
        for (const [k, old] of keys) if (old.state.local.expired()) keys.delete(k);
        sweepAt = Math.max(64, keys.size * 2);
      }
      const state = new KeyState(shared, key);
      e = { state, limiter: new RedisLimiter(state), budget: new RedisBudget(state) };
      keys.set(key, e);
    }
    return e;
  };
  return {
    limiter: (key) => entry(key).limiter,
    budget: (key) => entry(key).budget,
    status: (key) => (entry(key).state.isLocal ? 'local' : 'redis'),
    async state(key) {
      const reply = await entry(key).state.run('state');
      if (reply === undefined) throw new Error(`the Redis store's key ${JSON.stringify(key)} is local: Redis did not answer`);
      const [rate, source, ceiling, tokens, pausedForMs, successes, throttles, budgetTokens, expiresInMs] = reply;
      return {
        rate: toNumber(rate) > 0 ? toNumber(rate) : Infinity,
        source: source ?? 'none',
        ceiling: toNumber(ceiling),
        tokens: toNumber(tokens),
        pausedForMs: toNumber(pausedForMs),
        successes: toNumber(successes),
        throttles: toNumber(throttles),
        budgetTokens: toNumber(budgetTokens),
        expiresInMs: toNumber(expiresInMs),
      };
    },
  };
}
