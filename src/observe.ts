/**
 * Retry observers: what withRetry tells whoever watches it (the OpenTelemetry integration,
 * `openai-error-registry/otel`, or your own), process-wide through a `Symbol.for` global so the
 * ESM and CommonJS copies report to the same observers. With none added, withRetry does no work
 * for them: one array length check per call.
 */
import type { FailureFacts } from './classify.js';
import type { GiveUpEvent, RetryEvent } from './retry.js';

/** What an observer is told after each attempt. */
export interface AttemptEvent {
  readonly limiterKey: string;
  /** The attempt (1 for the first call). */
  readonly attempt: number;
  /** Milliseconds the attempt waited for its slot from withRetry's limiter (0 when it did not wait or was not paced here). */
  readonly pacedMs: number;
  /** The attempt's error; undefined for a success. */
  readonly error: unknown;
  readonly facts: FailureFacts | undefined;
}

/** Watches withRetry calls; every method is optional, and one that throws is ignored. */
export interface RetryObserver {
  /** After each attempt, its outcome. */
  attempt?(event: AttemptEvent): void;
  /** Before each retry's wait. */
  retry?(event: RetryEvent & { readonly limiterKey: string }): void;
  /** When withRetry stops retrying and rethrows. */
  giveUp?(event: GiveUpEvent & { readonly limiterKey: string }): void;
}

const OBSERVERS = Symbol.for('openai-error-registry.retryObservers.v1');

/** The observers added (shared by the ESM and CommonJS copies of this package). */
export function retryObservers(): RetryObserver[] {
  const g = globalThis as { [OBSERVERS]?: RetryObserver[] };
  g[OBSERVERS] ??= [];
  return g[OBSERVERS];
}

/** Adds an observer of every withRetry call in the process; returns a function that removes it. */
export function addRetryObserver(observer: RetryObserver): () => void {
  if (observer === null || typeof observer !== 'object') throw new TypeError('observer must be an object with attempt, retry or giveUp methods');
  const list = retryObservers();
  list.push(observer);
  return () => {
    const at = list.indexOf(observer);
    if (at >= 0) list.splice(at, 1);
  };
}

/** Tells every observer; an observer that throws does not fail the call. */
export function tell<K extends keyof RetryObserver>(observers: readonly RetryObserver[], method: K, event: Parameters<NonNullable<RetryObserver[K]>>[0]): void {
  for (const o of observers) {
    try {
      (o[method] as ((e: typeof event) => void) | undefined)?.call(o, event);
    } catch {
      // ignored: watching must not change the outcome
    }
  }
}
