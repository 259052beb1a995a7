/**
 * The embedded registry's hint sources and connection-error backoff: the defaults of the
 * functions that take a registry's data and are called without one (headerHintMs, pacedFetch,
 * a limiter learning from headers). Registry data, read from the generated tables.
 */
import { BACKOFF, DEFAULTS } from '../generated/registry.js';
import type { BackoffProfile } from './spec.js';

// Re-exported as live bindings, read only when a function runs: the generated tables import the
// runtime (unpackCodes), so nothing here may read them while the modules load.
export {
  /** OpenAI's hint sources (registry/openai.yaml `hints:`). */
  HINTS as DEFAULT_HINT_SOURCES,
  /** OpenAI's should-retry table (generated RETRY): which 429s are throttles and which are terminal (quota). */
  RETRY as DEFAULT_RETRY_TABLE,
} from '../generated/registry.js';

/**
 * The backoff for connection errors and timeouts, which carry no code (registry
 * `defaults.connectionBackoff`). A function, so a bundle that never retries keeps no profile.
 */
export function connectionBackoff(): BackoffProfile {
  return BACKOFF[DEFAULTS.connectionBackoff];
}
