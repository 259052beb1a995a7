/**
 * The embedded registry's hint sources and connection-error backoff: the defaults of the
 * functions that take a registry's data and are called without one (headerHintMs, pacedFetch,
 * a limiter learning from headers). Registry data, read from the generated tables.
 */
import { BACKOFF, DEFAULTS, HINTS, RETRY } from '../generated/registry.js';
import type { BackoffProfile, HintSources, RetryTable } from './spec.js';

/** OpenAI's hint sources (registry/openai.yaml `hints:`). */
export const DEFAULT_HINT_SOURCES: HintSources = HINTS;

/** OpenAI's should-retry table (generated RETRY): which 429s are throttles and which are terminal (quota). */
export const DEFAULT_RETRY_TABLE: RetryTable = RETRY;

/**
 * The backoff for connection errors and timeouts, which carry no code (registry
 * `defaults.connectionBackoff`). A function, so a bundle that never retries keeps no profile.
 */
export function connectionBackoff(): BackoffProfile {
  return BACKOFF[DEFAULTS.connectionBackoff];
}
