/**
 * One process of the real-time load bench (forked by bench/load-rows.ts, so process-wide limiter
 * and budget state starts empty): builds a real openai client against the bench server, says
 * "ready", and on "go" runs `tasks` tasks of `requests` sequential requests each through one
 * policy, then reports what it saw. Every request is bounded by the run's deadline.
 */
import OpenAI, { RateLimitError } from 'openai';
import { createClient } from 'redis';
import { limiterSnapshots, pacedFetch, withRetry } from '../../src/index.ts';
import { redisStore, type RedisStore } from '../../src/redis.ts';

export type PolicyName = 'default' | 'pacedFetch' | 'openai' | 'fixed' | 'pacer' | 'redis';

/** The no-overload probe: open-loop arrivals far below capacity, this package's default vs `limiter: false`, interleaved. */
export interface LatencyConfig {
  readonly port: number;
  readonly latency: { readonly rounds: number; readonly perBatch: number; readonly intervalMs: number };
  /** Measure redisStore (on this port) against the in-memory default instead of the default against `limiter: false`. */
  readonly redisPort?: number;
}

export interface LatencyReport {
  /** Per round, the median latency of the default's requests minus that of `limiter: false`'s, ms. */
  readonly addedMs: number[];
  /** Per round, the p99 latency of the first minus that of the second, ms. */
  readonly addedP99Ms: number[];
  readonly defaultMedianMs: number;
  readonly offMedianMs: number;
}

export interface WorkerConfig {
  readonly port: number;
  readonly policy: PolicyName;
  readonly tasks: number;
  readonly requests: number;
  readonly deadlineMs: number;
  /** With policy "redis": the port of the redis-server on 127.0.0.1 every process shares. */
  readonly redisPort?: number;
  /** With policy "redis": the prefix of this run's keys. */
  readonly redisPrefix?: string;
}

export interface WorkerReport {
  readonly ok: number;
  readonly failed: number;
  /** Per successful request, ms from its first attempt to its answer. */
  readonly latencies: number[];
  /** ms from "go" to the last answer. */
  readonly elapsedMs: number;
  /** With policy "redis": when (epoch ms) the store fell back to the local limiter, and when it was on Redis again. */
  readonly fallbacks?: number[];
  readonly recoveries?: number[];
}

type Call = () => Promise<unknown>;

/** A twenty-line shared pacer: adopts limit-requests / 60 as its rate and waits out hints. */
function plainPacer(): { fetch: typeof fetch; retry: (call: Call) => Promise<unknown> } {
  let rate = Number.POSITIVE_INFINITY;
  let next = 0;
  const slot = async () => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + (Number.isFinite(rate) ? 1000 / rate : 0);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
  const paced: typeof fetch = async (input, init) => {
    await slot();
    const res = await fetch(input, init);
    const limit = Number(res.headers.get('x-ratelimit-limit-requests'));
    if (limit > 0) rate = limit / 60;
    const hint = Number(res.headers.get('retry-after-ms'));
    if (res.status === 429 && hint > 0) next = Math.max(next, performance.now() + hint);
    return res;
  };
  const retry = async (call: Call) => {
    for (;;) {
      try {
        return await call();
      } catch (e) {
        if (!(e instanceof RateLimitError)) throw e;
      }
    }
  };
  return { fetch: paced, retry };
}

let store: RedisStore | undefined;
const fallbacks: number[] = [];
const recoveries: number[] = [];
const epoch = () => performance.timeOrigin + performance.now();

async function setUp(config: WorkerConfig): Promise<Call> {
  const base = { apiKey: 'sk-bench', baseURL: `http://127.0.0.1:${config.port}/v1`, timeout: config.deadlineMs };
  const body = { model: 'gpt-bench', input: 'hi' };
  switch (config.policy) {
    case 'default': {
      const client = new OpenAI({ ...base, maxRetries: 0 });
      return () => withRetry(() => client.responses.create(body));
    }
    case 'pacedFetch': {
      const client = new OpenAI({ ...base, maxRetries: 0, fetch: pacedFetch() });
      return () => withRetry(() => client.responses.create(body), { limiter: false });
    }
    case 'openai': {
      const client = new OpenAI({ ...base, maxRetries: 2 });
      return () => client.responses.create(body);
    }
    case 'fixed': {
      const client = new OpenAI({ ...base, maxRetries: 0 });
      return async () => {
        for (;;) {
          try {
            return await client.responses.create(body);
          } catch (e) {
            if (!(e instanceof RateLimitError)) throw e;
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      };
    }
    case 'redis': {
      // A reconnect delay of at most 500 ms (node-redis' default grows to 2 s), so the client is back soon after Redis.
      const redis = createClient({ socket: { host: '127.0.0.1', port: config.redisPort ?? 6379, reconnectStrategy: (retries) => Math.min(50 * (retries + 1), 500) } });
      redis.on('error', () => undefined);
      await redis.connect();
      const shared = redisStore(redis, { prefix: config.redisPrefix ?? 'oer-bench:', onFallback: () => fallbacks.push(epoch()), onRecover: () => recoveries.push(epoch()) });
      store = shared;
      const client = new OpenAI({ ...base, maxRetries: 0 });
      return () => withRetry(() => client.responses.create(body), { store: shared });
    }
    case 'pacer': {
      const pacer = plainPacer();
      const client = new OpenAI({ ...base, maxRetries: 0, fetch: pacer.fetch });
      return () => pacer.retry(() => client.responses.create(body));
    }
  }
}

async function run(config: WorkerConfig, call: Call): Promise<WorkerReport> {
  const started = performance.now();
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let last = started;
  const deadline = new Promise<'late'>((r) => setTimeout(() => r('late'), config.deadlineMs).unref());
  const task = async () => {
    for (let i = 0; i < config.requests; i++) {
      const t0 = performance.now();
      try {
        const outcome = await Promise.race([call(), deadline]);
        if (outcome === 'late') {
          failed += config.requests - i;
          return;
        }
        ok++;
        last = performance.now();
        latencies.push(last - t0);
      } catch {
        failed++;
      }
    }
  };
  // OER_LOAD_TRACE=1: the limiters' state every 100 ms on stderr, to see how a run learned.
  const trace = process.env.OER_LOAD_TRACE ? setInterval(() => {
    for (const { key, state: s } of limiterSnapshots()) process.stderr.write(`${(performance.now() - started).toFixed(0)} ${key.slice(0, 12)} rate ${s.rate.toFixed(1)} ${s.source} tokens ${s.tokens.toFixed(2)} queued ${s.queued} paused ${s.pausedForMs.toFixed(0)} ok ${s.successes} 429 ${s.throttles}\n`);
  }, 100) : undefined;
  await Promise.all(Array.from({ length: config.tasks }, task));
  clearInterval(trace);
  return { ok, failed, latencies, elapsedMs: last - started, ...(store ? { fallbacks, recoveries } : {}) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** Sends `n` requests through `call`, one every `intervalMs` regardless of answers; each one's latency. */
async function openLoop(call: Call, n: number, intervalMs: number): Promise<number[]> {
  const done: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    done.push(call().then(() => performance.now() - t0));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return Promise.all(done);
}

async function latency(config: LatencyConfig): Promise<LatencyReport> {
  const client = new OpenAI({ apiKey: 'sk-bench', baseURL: `http://127.0.0.1:${config.port}/v1`, maxRetries: 0 });
  const body = { model: 'gpt-bench', input: 'hi' };
  let paced: Call = () => withRetry(() => client.responses.create(body));
  let off: Call = () => withRetry(() => client.responses.create(body), { limiter: false });
  if (config.redisPort !== undefined) {
    const redis = createClient({ socket: { host: '127.0.0.1', port: config.redisPort } });
    await redis.connect();
    const shared = redisStore(redis, { prefix: `latency-${process.pid}:` });
    off = paced;
    paced = () => withRetry(() => client.responses.create(body), { store: shared });
  }
  const { rounds, perBatch, intervalMs } = config.latency;
  await openLoop(paced, perBatch, intervalMs); // warm-up: connections open, the limiter has read the headers
  await openLoop(off, perBatch, intervalMs);
  const addedMs: number[] = [];
  const addedP99Ms: number[] = [];
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))] as number;
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0;
    const x = await openLoop(first ? paced : off, perBatch, intervalMs);
    const y = await openLoop(first ? off : paced, perBatch, intervalMs);
    const [mine, theirs] = first ? [x, y] : [y, x];
    a.push(median(mine));
    b.push(median(theirs));
    addedMs.push(median(mine) - median(theirs));
    addedP99Ms.push(p99(mine) - p99(theirs));
  }
  return { addedMs, addedP99Ms, defaultMedianMs: median(a), offMedianMs: median(b) };
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig | LatencyConfig;
const call = 'latency' in config ? undefined : await setUp(config);
const job = 'latency' in config ? () => latency(config) : () => run(config, call as Call);
process.on('message', (m) => {
  if (m !== 'go') return;
  void job().then((report) => {
    process.send?.(report, () => process.exit(0));
  });
});
process.send?.('ready');
