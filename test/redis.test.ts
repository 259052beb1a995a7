// redisStore against a real redis-server (started here on 127.0.0.1), through both clients it
// takes: node-redis and ioredis. What matters is tested on the real server: atomic slot
// reservation across clients, shared learning and budget, expiry, fallback when Redis stops or
// stalls, return when it is back (empty, scripts gone), and keys holding another type.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { InternalServerError } from 'openai';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pacedFetch, withRetry } from '../src/index.js';
import { redisStore, type RedisStoreEvent, type RedisStoreOptions } from '../src/redis.js';
import { RedisServer } from './redis-server.js';

let server: RedisServer;
const opened: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
}, 20_000);

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
  await server.kill();
});

type Flavour = 'node-redis' | 'ioredis';

/** A connected client of either library, reconnecting quickly (the test restarts the server). */
async function connectClient(flavour: Flavour): Promise<Parameters<typeof redisStore>[0] & { raw: (args: string[]) => Promise<unknown> }> {
  if (flavour === 'node-redis') {
    const client = createClient({ socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: () => 50 } });
    client.on('error', () => undefined);
    await client.connect();
    opened.push({ close: () => client.quit() });
    return Object.assign(client, { raw: (args: string[]) => client.sendCommand(args) });
  }
  const client = new Redis({ host: '127.0.0.1', port: server.port, retryStrategy: () => 50, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  opened.push({ close: async () => client.disconnect() });
  return Object.assign(client, { raw: (args: string[]) => client.call(args[0] as string, ...args.slice(1)) });
}

const headers = (limitPerMinute: number, remaining: number, reset: string) =>
  new Headers({ 'x-ratelimit-limit-requests': String(limitPerMinute), 'x-ratelimit-remaining-requests': String(remaining), 'x-ratelimit-reset-requests': reset });

let prefixes = 0;
const prefix = () => `oer-test-${++prefixes}:`;
const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe.each(['node-redis', 'ioredis'] as const)('redisStore over %s', (flavour) => {
  async function stores(count: number, options: RedisStoreOptions = {}) {
    const p = options.prefix ?? prefix();
    return Promise.all(Array.from({ length: count }, async () => redisStore(await connectClient(flavour), { ...options, prefix: p })));
  }

  it('reserves slots atomically across clients: 4 connections, 60 attempts, never more than the rate and burst allow', async () => {
    const all = await stores(4);
    // 60 requests/s with a burst of 3: learned by one, paced for all.
    all[0]!.limiter('k').learnFromHeaders(headers(3600, 3, '50ms'));
    await settle();
    const stamps = (await Promise.all(all.flatMap((s) => Array.from({ length: 15 }, () => s.limiter('k').acquire())))).sort((a, b) => a - b);
    expect(stamps).toHaveLength(60);
    // Every reservation is a distinct slot on the server's clock: past the burst (at most 6 here:
    // remaining 3 plus what 50 ms of reset refills), 1000 / 60 ms apart.
    const gaps = stamps.slice(8).map((t, i) => t - (stamps[i + 7] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 / 60 - 0.5);
    const spanMs = (stamps.at(-1) as number) - (stamps[0] as number);
    expect(spanMs).toBeGreaterThan(((60 - 6) * 1000) / 60 - 5);
    expect(spanMs).toBeLessThan(((60 - 1) * 1000) / 60 + 50);
    const state = await all[3]!.state('k');
    expect(state.rate).toBe(60);
    expect(state.source).toBe('header');
  });

  it('costs one round trip per attempt: at low load the answer of one takes the next slot ahead', async () => {
    const client = await connectClient(flavour);
    const ops: string[] = [];
    const counting = new Proxy(client, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (name !== 'sendCommand' && name !== 'call') return value.bind(target);
        return (...args: unknown[]) => {
          const argv = (Array.isArray(args[0]) ? args[0] : args).map(String);
          if (argv.includes('EVALSHA')) ops.push(`${argv[4]}${argv.at(-1) === '1' && argv[4] === 'answer' ? '+ahead' : ''}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const s = redisStore(counting, { prefix: prefix() });
    const limiter = s.limiter('k');
    for (let i = 0; i < 10; i++) {
      const sentAt = await limiter.acquire();
      limiter.learnFromHeaders(headers(60_000, 500, '1s')); // as pacedFetch: headers, then the success
      limiter.recordSuccess(sentAt);
      await settle(5);
    }
    // One reservation for the first attempt; each answer (headers and success in one call) takes the next.
    expect(ops).toEqual(['acquire', ...Array<string>(10).fill('answer+ahead')]);
    const state = await s.state('k');
    expect(state).toMatchObject({ successes: 10, source: 'header', rate: 1000 });
    // A 429 drops the slot held ahead: the next attempt asks Redis, and waits out the pause.
    limiter.recordThrottle(100);
    await settle();
    const t0 = performance.now();
    await limiter.acquire();
    expect(performance.now() - t0).toBeGreaterThan(50);
    expect(ops.at(-1)).toBe('acquire');
  });

  it("shares what one process learns: another's attempts wait out its 429's hint, and take the rate it set", async () => {
    const [a, b] = await stores(2);
    a!.limiter('k').learnFromHeaders(headers(6000, 50, '100ms'));
    await settle();
    const sentAt = await a!.limiter('k').acquire();
    a!.limiter('k').recordThrottle(300, sentAt);
    await settle();
    const state = await b!.state('k');
    expect(state.throttles).toBe(1);
    expect(state.source).toBe('429s');
    expect(state.pausedForMs).toBeGreaterThan(200);
    const t0 = performance.now();
    await b!.limiter('k').acquire();
    expect(performance.now() - t0).toBeGreaterThan(200);
  });

  it('shares one retry budget: what one process spends, the other cannot, and withRetry gives up on it', async () => {
    const [a, b] = await stores(2, { budget: { capacity: 10 } });
    expect(await a!.budget('k').tryAcquire(5)).toBe(true);
    expect(await a!.budget('k').tryAcquire(5)).toBe(true);
    expect((await b!.state('k')).budgetTokens).toBe(0);
    expect(await b!.budget('k').tryAcquire(5)).toBe(false);
    const reasons: string[] = [];
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new InternalServerError(500, { message: 'overloaded', type: 'server_error', code: 'server_error' }, 'overloaded', new Headers()));
    };
    await expect(withRetry(failing, { store: b!, limiterKey: 'k', onGiveUp: (e) => reasons.push(e.reason), sleep: async () => undefined })).rejects.toThrow('overloaded');
    expect(reasons).toEqual(['budget']);
    expect(calls).toBe(1);
    a!.budget('k').recordSuccess(5);
    await settle();
    expect((await b!.state('k')).budgetTokens).toBe(5);
  });

  it('keeps every key under its prefix and lets it expire after the TTL of idleness', async () => {
    const p = prefix();
    const [s] = await stores(1, { prefix: p, limiter: { ttlSeconds: 0.3 } });
    const raw = await connectClient(flavour);
    s!.limiter('a').learnFromHeaders(headers(600, 5, '1s'));
    s!.limiter('b').recordThrottle(100);
    await settle();
    const keys = ((await raw.raw(['KEYS', `${p}*`])) as string[]).sort();
    expect(keys).toEqual([`${p}a`, `${p}b`]);
    const ttl = Number(await raw.raw(['PTTL', `${p}a`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await settle(400);
    expect(await raw.raw(['KEYS', `${p}*`])).toEqual([]);
  });

  it('keeps a key that holds another type local, says why once, and leaves the value alone', async () => {
    const p = prefix();
    const events: RedisStoreEvent[] = [];
    const [s] = await stores(1, { prefix: p, onFallback: (e) => events.push(e), retryMs: 0 });
    const raw = await connectClient(flavour);
    await raw.raw(['SET', `${p}k`, 'not a hash']);
    for (let i = 0; i < 5; i++) await s!.limiter('k').acquire();
    s!.limiter('k').recordSuccess();
    await settle();
    expect(events).toHaveLength(1);
    expect(String((events[0]?.error as Error).message)).toMatch(/OER_WRONGTYPE .*holds a string/);
    expect(s!.status('k')).toBe('local');
    expect(await raw.raw(['GET', `${p}k`])).toBe('not a hash');
    // Other keys stay on Redis.
    await s!.limiter('other').acquire();
    expect(s!.status('other')).toBe('redis');
  });

  it('paces a real openai client through pacedFetch({ store }) and withRetry({ store }): every answer teaches the shared key', async () => {
    let n = 0;
    const http: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        n++;
        const h = { 'content-type': 'application/json', 'x-ratelimit-limit-requests': '6000', 'x-ratelimit-remaining-requests': '10', 'x-ratelimit-reset-requests': '100ms' };
        if (n === 2) {
          res.writeHead(429, { ...h, 'retry-after-ms': '50' });
          res.end(JSON.stringify({ error: { message: 'Rate limit reached. Please try again in 50ms.', type: 'requests', code: 'rate_limit_exceeded' } }));
          return;
        }
        res.writeHead(200, h);
        res.end(JSON.stringify({ id: `resp_${n}`, object: 'response', status: 'completed', output: [] }));
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    try {
      const [s] = await stores(1);
      const baseURL = `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`;
      const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0, fetch: pacedFetch(undefined, { store: s!, limiterKey: 'k' }) });
      for (let i = 0; i < 3; i++) await withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' }), { limiter: false, store: s!, limiterKey: 'k' });
      await settle();
      const state = await s!.state('k');
      expect(n).toBe(4);
      expect(state).toMatchObject({ successes: 3, throttles: 1, ceiling: 100 });
    } finally {
      await new Promise((r) => http.close(r));
    }
  });
});

describe('redisStore faults', () => {
  it.each(['node-redis', 'ioredis'] as const)('over %s: falls back at once when Redis stops, says so once, and is back on Redis within retryMs of its empty restart', async (flavour) => {
    const p = prefix();
    const fallbacks: RedisStoreEvent[] = [];
    const recoveries: RedisStoreEvent[] = [];
    const client = await connectClient(flavour);
    const store = redisStore(client, { prefix: p, retryMs: 100, onFallback: (e) => fallbacks.push(e), onRecover: (e) => recoveries.push(e) });
    const limiter = store.limiter('k');
    limiter.learnFromHeaders(headers(60_000, 100, '10ms'));
    await settle();
    expect(store.status('k')).toBe('redis');
    await server.kill();
    // Every attempt during the outage is served, none waits on Redis.
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      await limiter.acquire();
      limiter.recordSuccess();
    }
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(store.status('k')).toBe('local');
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]?.key).toBe('k');
    expect(await store.budget('k').tryAcquire(5)).toBe(true); // the local budget serves too
    await server.start(); // empty: no keys, no scripts
    const back = performance.now();
    while (store.status('k') === 'local' && performance.now() - back < 3000) {
      await limiter.acquire();
      await settle(10);
    }
    expect(store.status('k')).toBe('redis');
    expect(performance.now() - back).toBeLessThan(2000);
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]?.downMs).toBeGreaterThan(0);
    // The script is loaded again and the shared state starts afresh.
    await limiter.acquire();
    limiter.recordSuccess();
    await settle();
    expect((await store.state('k')).successes).toBe(1);
    expect(fallbacks).toHaveLength(1);
  }, 20_000);

  it('falls back after timeoutMs when Redis stalls (CLIENT PAUSE), instead of holding the attempt', async () => {
    const fallbacks: RedisStoreEvent[] = [];
    const store = redisStore(await connectClient('node-redis'), { prefix: prefix(), timeoutMs: 50, onFallback: (e) => fallbacks.push(e) });
    store.limiter('k').recordSuccess(await store.limiter('k').acquire());
    await settle();
    const admin = await connectClient('ioredis');
    await admin.raw(['CLIENT', 'PAUSE', '600', 'ALL']);
    // At low load a slot is taken ahead: the next attempt goes at once; the one after waits for
    // that call, which Redis does not answer.
    const t = performance.now();
    await store.limiter('k').acquire();
    expect(performance.now() - t).toBeLessThan(20);
    const t0 = performance.now();
    await store.limiter('k').acquire();
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(45);
    expect(took).toBeLessThan(400);
    expect(fallbacks).toHaveLength(1);
    expect((fallbacks[0]?.error as Error).message).toMatch(/did not answer within 50 ms/);
    await settle(700);
  });

  it('rejects what it cannot use with a TypeError naming it', async () => {
    expect(() => redisStore({} as never)).toThrow(/node-redis client .* or an ioredis client/);
    const client = { sendCommand: async () => 'x' };
    expect(() => redisStore(client, { timeoutMs: 0 })).toThrow(/timeoutMs must be a finite number > 0/);
    expect(() => redisStore(client, { limiter: { ttlSeconds: Number.POSITIVE_INFINITY } })).toThrow(/ttlSeconds must be a finite number/);
    expect(() => redisStore(client, { prefix: 3 as never })).toThrow(/prefix must be a string/);
    expect(() => redisStore(client, { onFallback: 'x' as never })).toThrow(/onFallback must be a function/);
    await expect(withRetry(async () => 1, { store: {} as never })).rejects.toThrow(/store must be a LimiterStore/);
  });
});
