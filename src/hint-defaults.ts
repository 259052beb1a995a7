/**
 * Where OpenAI's answers carry retry hints, and how the retry loop backs off connection errors.
 *
 * These are registry facts about the API. They live here, in one place, until the registry
 * (registry/openai.yaml) declares them and the generator emits them with the other tables; then
 * this file goes and the generated instances are passed in instead. Nothing else in src/ spells
 * a hint header, a hint phrase or a rate-limit header.
 */
import type { HintSources } from './backoff.js';
import type { BackoffProfile } from './spec.js';

/** OpenAI's hint sources: x-should-retry, retry-after-ms and friends, "try again in 20s", x-ratelimit-*. */
export const DEFAULT_HINT_SOURCES: HintSources = Object.freeze({
  shouldRetryHeader: 'x-should-retry',
  delayHeaders: Object.freeze([
    Object.freeze({ name: 'retry-after-ms', format: 'milliseconds' as const }),
    Object.freeze({ name: 'x-ms-retry-after-ms', format: 'milliseconds' as const }),
    Object.freeze({ name: 'retry-after', format: 'seconds_or_http_date' as const }),
  ]),
  bodyFields: Object.freeze([Object.freeze({ path: Object.freeze(['error', 'resets_in_seconds']), format: 'seconds' as const })]),
  messagePhrases: Object.freeze(['try again in', 'retry after', 'retry in']),
  rateLimitHeaders: Object.freeze({
    limitRequests: 'x-ratelimit-limit-requests',
    remainingRequests: 'x-ratelimit-remaining-requests',
    resetRequests: 'x-ratelimit-reset-requests',
    limitTokens: 'x-ratelimit-limit-tokens',
    remainingTokens: 'x-ratelimit-remaining-tokens',
    resetTokens: 'x-ratelimit-reset-tokens',
  }),
});

/**
 * Backoff for connection errors and timeouts, which carry no code and so no registry profile:
 * openai-node's own schedule (0.5 s doubling to 8 s), full jitter, three attempts in all.
 */
export const CONNECTION_BACKOFF: BackoffProfile = Object.freeze({
  name: 'connection',
  strategy: 'exponential',
  initialMs: 500,
  maxMs: 8000,
  multiplier: 2,
  jitter: 'full',
  maxAttempts: 3,
  honourServerHints: false,
});
