/**
 * pacedFetch: a fetch for an openai client's `fetch` option, so that every request the client
 * sends (its own retries included) takes a slot from the key's rate limiter, and the limiter
 * learns from every answer: x-ratelimit-* headers on successes, 429s and their hints.
 *
 *   const client = new OpenAI({ fetch: pacedFetch(), maxRetries: 0 });
 */
import { headerHintMs, type HintSources } from './backoff.js';
import { DEFAULT_HINT_SOURCES, DEFAULT_RETRY_TABLE } from './hint-defaults.js';
import { AdaptiveLimiter, checkFunction, DEFAULT_LIMITER_KEY } from './limiter.js';
import { checkStore, memoryStore, type Limiter, type LimiterStore } from './store.js';
import { decideRetry } from './retryable.js';
import type { RetryTable } from './spec.js';

/** The fetch signature openai's `fetch` option takes. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of pacedFetch. */
export interface PacedFetchOptions {
  /** A limiter of your own (tests, simulations); default: the store's limiter of the request's key. */
  readonly limiter?: Limiter;
  /** Where each key's limiter lives (default memoryStore: this process; `redisStore` shares it between processes). */
  readonly store?: LimiterStore;
  /**
   * The key, or how to derive it from a request; default: origin + openai-organization +
   * openai-project headers, so that unrelated limits do not throttle each other. Requests with
   * different API keys of one project share a limit at OpenAI, and so share a limiter here.
   */
  readonly limiterKey?: string | ((url: URL | undefined, headers: Headers) => string);
  /** Where hints and rate-limit headers are read (default: OpenAI's). */
  readonly hintSources?: HintSources;
  /**
   * Which 429s are throttles (default: OpenAI's registry). A 429 whose code the table calls not
   * retryable (insufficient_quota and the rest of the quota family) says nothing about the rate.
   */
  readonly retryTable?: RetryTable;
}

const PACED = Symbol.for('openai-error-registry.pacedHeaders.v1');

/** The Headers objects of answers pacedFetch paced (shared by the ESM and CommonJS copies). */
function pacedTable(): WeakSet<object> {
  const g = globalThis as { [PACED]?: WeakSet<object> };
  g[PACED] ??= new WeakSet();
  return g[PACED];
}

/**
 * Whether these are the headers of an answer that pacedFetch paced and learned from (openai puts
 * the response's own Headers object on the errors it throws, so withRetry can tell).
 */
export function isPacedHeaders(headers: unknown): boolean {
  return headers !== null && typeof headers === 'object' && pacedTable().has(headers);
}

/** Whether an error carries the headers of an answer pacedFetch paced (openai's errors carry the answer's). */
export function isPacedError(e: unknown): boolean {
  try {
    return e !== null && typeof e === 'object' && isPacedHeaders((e as { headers?: unknown }).headers);
  } catch {
    return false;
  }
}

function requestParts(input: string | URL | Request, init: RequestInit | undefined): { url: URL | undefined; headers: Headers; signal: AbortSignal | undefined } {
  let url: URL | undefined;
  let headers = new Headers();
  let signal: AbortSignal | undefined;
  const isRequest = typeof Request !== 'undefined' && input instanceof Request;
  try {
    signal = init?.signal ?? (isRequest ? input.signal : undefined) ?? undefined;
  } catch {
    // no readable signal: nothing to abort the wait with
  }
  try {
    url = new URL(isRequest ? input.url : String(input));
    headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
  } catch {
    // an unreadable request (a relative URL, a bad header) still gets paced, under the default key
  }
  return { url, headers, signal };
}

/**
 * Whether a 429 is a throttle: its body (read from a clone, so the client still gets it) is
 * judged by the should-retry table; a body that cannot be read counts as a throttle.
 */
async function isThrottle(response: Response, table: RetryTable): Promise<boolean> {
  let error: unknown;
  try {
    if (response.body !== null) error = (JSON.parse(await response.clone().text()) as { error?: unknown } | null)?.error;
  } catch {
    error = undefined; // no JSON body: judged by the status alone
  }
  // Read like a thrown APIError: its body under `error`, at the table's paths.
  const answer = { status: 429, headers: response.headers, error };
  return decideRetry(table, answer).retryable;
}

/** The default key: which rate limit a request counts against. */
export function defaultLimiterKey(url: URL | undefined, headers: Headers): string {
  if (url === undefined) return DEFAULT_LIMITER_KEY;
  return `${url.origin}|org=${headers.get('openai-organization') ?? ''}|project=${headers.get('openai-project') ?? ''}`;
}

/**
 * Wraps `fetchImpl` (default: the global fetch) so that each request waits for a slot from its
 * key's limiter (an aborted request leaves the queue at once) and each answer teaches the limiter.
 */
export function pacedFetch(fetchImpl?: Fetch, options: PacedFetchOptions = {}): Fetch {
  checkFunction('fetch', fetchImpl);
  if (options.limiter !== undefined && !(options.limiter instanceof AdaptiveLimiter) && typeof (options.limiter as { acquire?: unknown }).acquire !== 'function') {
    throw new TypeError('limiter must be an AdaptiveLimiter');
  }
  checkStore(options.store);
  const store = options.store ?? memoryStore;
  const key = options.limiterKey;
  if (key !== undefined && typeof key !== 'string' && typeof key !== 'function') throw new TypeError(`limiterKey must be a string or a function, got ${typeof key}`);
  const sources = options.hintSources ?? DEFAULT_HINT_SOURCES;
  if (typeof sources !== 'object' || sources === null || typeof sources.rateLimitHeaders !== 'object' || !Array.isArray(sources.delayHeaders)) throw new TypeError('hintSources must be a registry\'s hints (tables.hints)');
  const table = options.retryTable ?? DEFAULT_RETRY_TABLE;
  if (typeof table !== 'object' || table === null || !Array.isArray(table.retryable) || !Array.isArray(table.final)) throw new TypeError('retryTable must be a RetryTable (retryTableOf(tables))');
  return async (input, init) => {
    const send = fetchImpl ?? globalThis.fetch;
    const parts = requestParts(input, init);
    const limiter = options.limiter ?? store.limiter(typeof key === 'string' ? key : (key ?? defaultLimiterKey)(parts.url, parts.headers));
    const sentAt = await limiter.acquire(parts.signal);
    const response = await send(input, init);
    try {
      const headers = response.headers;
      limiter.learnFromHeaders(headers, sources);
      if (response.status === 429) {
        const hint = headerHintMs(headers, {}, sources);
        if (await isThrottle(response, table)) limiter.recordThrottle(hint, sentAt);
      } else if (response.status < 400) limiter.recordSuccess(sentAt);
      if (headers !== null && typeof headers === 'object') pacedTable().add(headers);
    } catch {
      // an answer whose headers cannot be read teaches nothing
    }
    return response;
  };
}
