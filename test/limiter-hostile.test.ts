// The limiter under what a real client feeds it: hints a proxy or a broken server makes up, the
// headers of successes as openai's APIPromise carries them, and a process that must exit once its
// last request is answered.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import OpenAI from 'openai';
import { RateLimitError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../bench/virtual-time.ts';
import { AdaptiveLimiter, DEFAULT_MAX_PAUSE_MS, type LimiterSnapshot } from '../src/limiter.ts';
import { pacedFetch } from '../src/pacing.ts';
import { withRetry, type RetryEvent } from '../src/index.ts';

const NOW = Date.parse('2026-12-07T00:00:00Z');
const json = { 'content-type': 'application/json' };
const completed = () => new Response(JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output: [] }), { status: 200, headers: json });
const throttled = (headers: Record<string, string>) =>
  new Response(JSON.stringify({ error: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' } }), { status: 429, headers: { ...json, ...headers } });

/** Every number of a snapshot is a number: no NaN, nothing negative. */
function expectSane(s: LimiterSnapshot): void {
  for (const [k, v] of Object.entries(s)) {
    if (typeof v !== 'number') continue;
    expect(Number.isNaN(v), k).toBe(false);
    expect(v, k).toBeGreaterThanOrEqual(0);
  }
}

/** A 429 hint no sane server sends, and what it may cost at most. */
const HOSTILE: { what: string; headers: Record<string, string> }[] = [
  { what: 'retry-after-ms huge', headers: { 'retry-after-ms': '1e308' } },
  { what: 'retry-after-ms beyond a double', headers: { 'retry-after-ms': '9'.repeat(400) } },
  { what: 'retry-after-ms negative', headers: { 'retry-after-ms': '-5000' } },
  { what: 'retry-after-ms NaN', headers: { 'retry-after-ms': 'NaN' } },
  { what: 'retry-after huge', headers: { 'retry-after': '1e300' } },
  { what: 'retry-after a date in the past', headers: { 'retry-after': new Date(NOW - 3_600_000).toUTCString() } },
  { what: 'retry-after a date in the far future', headers: { 'retry-after': new Date(NOW + 365 * 86_400_000).toUTCString() } },
  { what: 'retry-after a date that is no date', headers: { 'retry-after': 'Mon, 99 Foo 2026 99:99:99 GMT' } },
];

describe('hostile 429 hints: the limiter neither stops sending for good nor floods', () => {
  for (const { what, headers } of HOSTILE) {
    it(`${what}: through withRetry, the key pauses at most maxPauseMs and the call ends`, async () => {
      const time = new VirtualTime();
      const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep });
      const answers = [throttled(headers), completed()];
      let sent = 0;
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'https://hostile.test/v1', maxRetries: 0, fetch: async () => (sent++, answers.shift() ?? completed()) });
      const retries: RetryEvent[] = [];
      const call = withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' }), {
        limiter,
        budget: false,
        now: () => NOW + time.now(),
        sleep: time.sleep,
        random: () => 0.5,
        onRetry: (e) => void retries.push(e),
      }).then(
        (r) => ({ ok: r.id }),
        (e: unknown) => ({ error: e }),
      );
      await time.run();
      const outcome = await call;
      const s = limiter.snapshot();
      expectSane(s);
      // It is paced (it learned a rate from the 429), but never below minRate and never paused past the cap.
      expect(s.rate).toBeGreaterThanOrEqual(limiter.minRate);
      expect(time.now()).toBeLessThanOrEqual(DEFAULT_MAX_PAUSE_MS + 1000 / limiter.minRate);
      if ('ok' in outcome) {
        expect(outcome.ok).toBe('resp_1');
        expect(sent).toBe(2);
        for (const r of retries) expect(Number.isFinite(r.delayMs) && r.delayMs >= 0).toBe(true);
      } else {
        // A hint longer than the profile allows gives up at once, rather than waiting for it.
        expect(outcome.error).toBeInstanceOf(RateLimitError);
        expect(sent).toBe(1);
      }
      // The key is not stuck: the next call goes out within the cap.
      const next = withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' }), { limiter, budget: false, sleep: time.sleep });
      const before = time.now();
      await time.run();
      expect((await next).id).toBe('resp_1');
      expect(time.now() - before).toBeLessThanOrEqual(DEFAULT_MAX_PAUSE_MS + 1000 / limiter.minRate);
    });

    it(`${what}: through pacedFetch, the key pauses at most maxPauseMs`, async () => {
      const time = new VirtualTime();
      const limiter = new AdaptiveLimiter({ now: time.now, sleep: time.sleep, maxPauseMs: 2_000 });
      const answers = [throttled(headers), completed(), completed()];
      const fetch = pacedFetch(async () => answers.shift() ?? completed(), { limiter });
      expect((await fetch('https://hostile.test/v1/responses', { method: 'POST' })).status).toBe(429);
      const s = limiter.snapshot();
      expectSane(s);
      expect(s.pausedForMs).toBeLessThanOrEqual(2_000);
      expect(s.rate).toBeGreaterThanOrEqual(limiter.minRate);
      const next = fetch('https://hostile.test/v1/responses', { method: 'POST' });
      await time.run();
      expect((await next).status).toBe(200);
      expect(time.now()).toBeLessThanOrEqual(2_000 + 1000 / limiter.minRate);
    });
  }
});

describe('withRetry learns from the headers of successes', () => {
  it("when fn returns openai's APIPromise, the answer's x-ratelimit-* headers set the ceiling; the caller still gets the parsed body", async () => {
    const limiter = new AdaptiveLimiter();
    const client = new OpenAI({
      apiKey: 'sk-test',
      baseURL: 'https://headers.test/v1',
      maxRetries: 0,
      fetch: async () =>
        new Response(JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output: [] }), {
          status: 200,
          headers: { ...json, 'x-ratelimit-limit-requests': '6000', 'x-ratelimit-remaining-requests': '5999', 'x-ratelimit-reset-requests': '10ms' },
        }),
    });
    expect(limiter.snapshot().source).toBe('none');
    const r = await withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' }), { limiter, budget: false });
    expect(r.id).toBe('resp_1');
    const s = limiter.snapshot();
    expect(s).toMatchObject({ source: 'header', ceiling: 100, successes: 1 });
    expect(limiter.rate).toBe(100);
  });
});

describe('no timer keeps the process alive', () => {
  it('a throttle with no one waiting arms no timer', async () => {
    const limiter = new AdaptiveLimiter();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    limiter.recordThrottle(5_000);
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '60s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '30s' }));
    expect(limiter.snapshot().pausedForMs).toBeGreaterThan(1_000);
    expect(timers()).toBe(before);
  });

  it('a process exits as soon as its last request is answered, though its key is paused for 10 s', () => {
    // A real openai client against a local server: a 429 whose hint is beyond the profile (withRetry
    // gives up, the key stays paused for maxPauseMs), then nothing is left to do.
    const script = `
      import { createServer } from 'node:http';
      import OpenAI from 'openai';
      import { withRetry, limiterSnapshots } from './src/index.ts';
      const server = createServer((req, res) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '600000' });
        res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }));
      });
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:' + server.address().port + '/v1', maxRetries: 0 });
      await withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' })).catch(() => {});
      const paused = limiterSnapshots()[0].state.pausedForMs;
      server.close();
      console.log(JSON.stringify({ paused, at: Date.now() }));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: resolve('.'), encoding: 'utf8', timeout: 30_000 });
    expect(run.status, run.stderr).toBe(0);
    const { paused, at } = JSON.parse(run.stdout.trim().split('\n').pop() as string) as { paused: number; at: number };
    expect(paused).toBeGreaterThan(5_000);
    // The process ended well before the pause would have: nothing but the pause was left.
    expect(Date.now() - at).toBeLessThan(paused / 2);
  }, 40_000);
});
