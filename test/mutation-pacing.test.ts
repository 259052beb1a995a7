/** pacedFetch and its key, call by call: what the limiter is told for each answer, which key a request gets, the checked options. */
import { afterEach, describe, expect, it } from 'vitest';
import type { AdaptiveLimiter } from '../src/limiter.ts';
import { sharedLimiter } from '../src/limiter.ts';
import { defaultLimiterKey, isPacedHeaders, pacedFetch, type Fetch } from '../src/pacing.ts';
import { DEFAULT_HINT_SOURCES } from '../src/hint-defaults.ts';

function recordingLimiter() {
  const calls: string[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  const limiter = {
    acquire: async (signal?: AbortSignal) => { calls.push('acquire'); signals.push(signal); },
    learnFromHeaders: (headers: Headers, sources: unknown) => void calls.push(`learn ${headers.get('x-ratelimit-limit-requests')} ${sources === DEFAULT_HINT_SOURCES ? 'default' : 'custom'}`),
    recordThrottle: (hint?: number) => void calls.push(`throttle ${hint}`),
    recordSuccess: () => void calls.push('success'),
  } as unknown as AdaptiveLimiter;
  return { limiter, calls, signals };
}
const answering = (status: number, headers: Record<string, string> = {}): Fetch => async () => new Response(null, { status, headers });

describe('pacedFetch: what each answer teaches', () => {
  it.each([
    [200, ['acquire', 'learn 10 default', 'success']],
    [302, ['acquire', 'learn 10 default', 'success']],
    [399, ['acquire', 'learn 10 default', 'success']],
    [400, ['acquire', 'learn 10 default']],
    [500, ['acquire', 'learn 10 default']],
    [429, ['acquire', 'learn 10 default', 'throttle 250']],
  ])('a %s', async (status, expected) => {
    const { limiter, calls } = recordingLimiter();
    const fetch = pacedFetch(answering(status, { 'x-ratelimit-limit-requests': '10', 'retry-after-ms': '250' }), { limiter });
    const res = await fetch('https://api.example.test/v1/x');
    expect(res.status).toBe(status);
    expect(calls).toEqual(expected);
    expect(isPacedHeaders(res.headers)).toBe(true);
  });

  it('reads hints and rate-limit headers from the sources it is given', async () => {
    const { limiter, calls } = recordingLimiter();
    const hintSources = { ...DEFAULT_HINT_SOURCES, delayHeaders: [{ name: 'x-wait', format: 'seconds' as const }] };
    await pacedFetch(answering(429, { 'x-wait': '2', 'retry-after-ms': '250' }), { limiter, hintSources })('https://api.example.test/');
    expect(calls).toEqual(['acquire', 'learn null custom', 'throttle 2000']);
  });

  it('an answer whose headers cannot be read is returned, and teaches nothing', async () => {
    const { limiter, calls } = recordingLimiter();
    const odd = { status: 200, get headers(): Headers { throw new Error('unreadable'); } } as unknown as Response;
    expect(await pacedFetch(async () => odd, { limiter })('https://api.example.test/')).toBe(odd);
    expect(calls).toEqual(['acquire']);
  });

  it('the signal of init, else of the Request, goes to the limiter; the request goes through unchanged', async () => {
    const { limiter, signals } = recordingLimiter();
    const seen: unknown[] = [];
    const fetch = pacedFetch(async (input, init) => { seen.push(input, init); return new Response(null); }, { limiter });
    const a = new AbortController();
    const init = { signal: a.signal };
    await fetch('https://api.example.test/', init);
    const b = new AbortController();
    const request = new Request('https://api.example.test/', { signal: b.signal });
    await fetch(request);
    await fetch('https://api.example.test/');
    expect(signals[0]).toBe(a.signal);
    expect(signals[1]).toBeInstanceOf(AbortSignal);
    expect(signals[1]).not.toBe(a.signal);
    expect(signals[2]).toBeUndefined();
    expect(seen).toEqual(['https://api.example.test/', init, request, undefined, 'https://api.example.test/', undefined]);
  });
});

describe('pacedFetch: keys', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('defaultLimiterKey: origin, organization and project; "default" without a URL', () => {
    expect(defaultLimiterKey(new URL('https://api.openai.com/v1/responses?x=1'), new Headers({ 'openai-organization': 'org-1', 'openai-project': 'proj_1' }))).toBe('https://api.openai.com|org=org-1|project=proj_1');
    expect(defaultLimiterKey(new URL('http://127.0.0.1:8080/v1'), new Headers())).toBe('http://127.0.0.1:8080|org=|project=');
    expect(defaultLimiterKey(undefined, new Headers({ 'openai-project': 'p' }))).toBe('default');
  });

  it('by default, the shared limiter of the request key, with headers from init or the Request', async () => {
    const origin = `https://k${Math.random().toString(36).slice(2)}.example.test`;
    const fetch = pacedFetch(answering(429));
    await fetch(`${origin}/v1`, { headers: { 'openai-project': 'p1' } });
    await fetch(new Request(`${origin}/v1`, { headers: { 'openai-organization': 'o1' } }));
    expect(sharedLimiter(`${origin}|org=|project=p1`).snapshot().throttles).toBe(1);
    expect(sharedLimiter(`${origin}|org=o1|project=`).snapshot().throttles).toBe(1);
  });

  it('a URL object is a URL too', async () => {
    const origin = `https://u${Math.random().toString(36).slice(2)}.example.test`;
    await pacedFetch(answering(429))(new URL(`${origin}/v1`));
    expect(sharedLimiter(`${origin}|org=|project=`).snapshot().throttles).toBe(1);
  });

  it('a string key, or a function of the URL and headers', async () => {
    const key = `k-${Math.random()}`;
    await pacedFetch(answering(429), { limiterKey: key })('https://api.example.test/');
    expect(sharedLimiter(key).snapshot().throttles).toBe(1);
    // Another key: the first one is throttled now and would make this request wait.
    const other = `${key}-2`;
    const seen: string[] = [];
    await pacedFetch(answering(429), { limiterKey: (url, headers) => { seen.push(`${url?.pathname} ${headers.get('a')}`); return other; } })('https://api.example.test/p', { headers: { a: 'b' } });
    expect(seen).toEqual(['/p b']);
    expect(sharedLimiter(other).snapshot().throttles).toBe(1);
  });

  it('a request that cannot be read is paced under the default key', async () => {
    const seen: (URL | undefined)[] = [];
    const unreadable = { toString() { throw new Error('no'); } } as unknown as string;
    await pacedFetch(answering(200), { limiterKey: (url) => { seen.push(url); return `u-${Math.random()}`; } })(unreadable);
    expect(seen).toEqual([undefined]);
  });

  it('the global fetch, looked up at each call, without a fetch of its own', async () => {
    const { limiter } = recordingLimiter();
    const fetch = pacedFetch(undefined, { limiter });
    globalThis.fetch = (async () => new Response('mine', { status: 201 })) as typeof fetch;
    expect((await fetch('https://api.example.test/')).status).toBe(201);
  });
});

describe('pacedFetch: options', () => {
  it('names what is wrong', () => {
    expect(() => pacedFetch(5 as never)).toThrow(new TypeError('fetch must be a function, got number'));
    expect(() => pacedFetch(undefined, { limiter: {} as never })).toThrow(new TypeError('limiter must be an AdaptiveLimiter'));
    expect(() => pacedFetch(undefined, { limiterKey: 5 as never })).toThrow(new TypeError('limiterKey must be a string or a function, got number'));
  });

  it('isPacedHeaders: only the headers of answers it paced', () => {
    expect(isPacedHeaders(new Headers())).toBe(false);
    expect(isPacedHeaders(null)).toBe(false);
    expect(isPacedHeaders('headers')).toBe(false);
  });
});

describe('pacedFetch: a 429 is a throttle unless the registry calls its code terminal', () => {
  const body429 = (body: string): Fetch => async () => new Response(body, { status: 429, headers: { 'retry-after-ms': '250', 'content-type': 'application/json' } });

  it.each([
    ['insufficient_quota (terminal: no throttle)', JSON.stringify({ error: { code: 'insufficient_quota', type: 'insufficient_quota', message: 'You exceeded your current quota' } }), false],
    ['insufficient_quota in type, null code', JSON.stringify({ error: { code: null, type: 'insufficient_quota', message: 'quota' } }), false],
    ['rate_limit_exceeded', JSON.stringify({ error: { code: 'rate_limit_exceeded', message: 'Rate limit reached' } }), true],
    ['an unknown code (the status decides)', JSON.stringify({ error: { code: 'code_from_the_future', message: 'x' } }), true],
    ['a body that is not JSON', 'Too Many Requests', true],
    ['JSON null', 'null', true],
  ])('%s', async (_what, body, throttle) => {
    const { limiter, calls } = recordingLimiter();
    const response = await pacedFetch(body429(body), { limiter })('https://api.example.test/');
    expect(calls.includes('throttle 250')).toBe(throttle);
    // The client still reads the whole body.
    expect(await response.text()).toBe(body);
  });

  it('a custom table decides; a table that is not one is rejected', async () => {
    const { limiter, calls } = recordingLimiter();
    const table = { fields: { code: [['error', 'code']], type: [], message: [] }, retryable: [], final: ['rate_limit_exceeded'], refinements: [], unknown: false, statuses: [{ status: 429 }], header: 'x-should-retry' };
    await pacedFetch(body429(JSON.stringify({ error: { code: 'rate_limit_exceeded' } })), { limiter, retryTable: table })('https://api.example.test/');
    expect(calls).not.toContain('throttle 250');
    expect(() => pacedFetch(undefined, { retryTable: {} as never })).toThrow('retryTable must be a RetryTable');
  });
});
