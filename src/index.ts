/**
 * openai-error-registry: typed, retry-aware errors for every OpenAI API failure surface.
 * The classes and tables are generated from the registry (generated/); these functions run the
 * hand-written runtime over them. Each export reads only the tables it needs, so a bundler keeps
 * just what a program uses.
 */
import { CLASSES } from '../generated/errors.js';
import { HTTP_TABLES, OBJECT_TABLES, RESPONSE_TABLES, RETRY, TABLES, type BackoffName, type CategoryName, type ClassName, type SurfaceName } from '../generated/registry.js';
import { classifyErrorIn, classifyFailureIn, classifyOnSurface, failureIn, thrownFrom, type FailureFacts, type RaiseOptions } from './classify.js';
import { isRetryableWith } from './retryable.js';
import { raiseForStreamEventsIn, waitForResponseIn, type PolledResponse, type ResponsesClient, type RuntimeContext, type WaitOptions } from './poll.js';
import { onRealtimeFailureIn, type RealtimeConnection } from './realtime.js';
import { streamBackgroundResponseIn, type ResumableClient, type ResumeOptions, type StreamSource } from './resume.js';
import { createRegistryRetry, type RetryOptions } from './retry.js';
import type { Clock } from './backoff.js';
import type { RegistryTables } from './spec.js';

/** The embedded registry, as raising takes it (OBJECT_TABLES: what classifying a returned object reads). */
const EMBEDDED = { tables: OBJECT_TABLES, classes: CLASSES };

/** Returns the object unless it reports a failure; throws the registry's typed error when it does. */
export function raiseForFailedResponse<T>(obj: T, options?: RaiseOptions): T {
  const e = failureIn(EMBEDDED, obj, options);
  if (e === undefined) return obj;
  throw thrownFrom(e, raiseForFailedResponse);
}

/**
 * FailureFacts as the embedded registry writes them: its class, category, surface and backoff
 * names are the generated unions, so a `switch` over them is checked for exhaustiveness. (The
 * code stays `string | null`: an unknown code is kept as the API sent it.)
 */
export type RegistryFailureFacts = FailureFacts & {
  readonly class: ClassName;
  readonly category: CategoryName;
  readonly surface: SurfaceName;
  readonly backoff: FailureFacts['backoff'] & { readonly name: BackoffName };
};

/** The registry's facts for a failed or incomplete object, without throwing; undefined when it is not one. */
export function classifyFailure(obj: unknown): RegistryFailureFacts | undefined {
  // The generated tables are typed with these unions (Record<Code, CodeSpec<Code, ClassName, ...>>).
  return classifyFailureIn(OBJECT_TABLES, obj) as RegistryFailureFacts | undefined;
}

/**
 * The registry's facts for one line of a batch's output or error file (a parsed JSON line);
 * undefined for a line that succeeded. `objectId` is the line's `custom_id`.
 */
export function classifyBatchLine(line: unknown): (RegistryFailureFacts & { readonly surface: 'batch.line' }) | undefined {
  return classifyOnSurface(OBJECT_TABLES, 'batch.line', line) as (RegistryFailureFacts & { readonly surface: 'batch.line' }) | undefined;
}

/** The registry's facts for a thrown error (a registry error or a plain openai APIError). */
export function classifyError(e: unknown): RegistryFailureFacts | undefined {
  // A thrown error is judged by the http surface alone (HTTP_TABLES: every code, no other surface).
  return classifyErrorIn(HTTP_TABLES, e) as RegistryFailureFacts | undefined;
}

/** Whether resubmitting the request that produced the error may succeed. */
export function isRetryable(e: unknown): boolean {
  // RETRY is the embedded tables' should-retry table (retryTableOf(TABLES)), generated ready-made.
  return isRetryableWith(RETRY, e);
}

let built: ReturnType<typeof createRegistryRetry> | undefined;
/** The retry functions over the embedded registry, built on first use (nothing runs at import). */
function retry(): ReturnType<typeof createRegistryRetry> {
  built ??= createRegistryRetry(HTTP_TABLES, classifyError);
  return built;
}

/**
 * Milliseconds to wait before resubmitting after `attempt` failed attempts: the server's hint
 * plus jitter when there is one (never clamped), else the code's backoff; undefined when not retryable.
 */
export function retryDelayMs(error: unknown, attempt: number, clock?: Clock): number | undefined {
  return retry().retryDelayMs(error, attempt, clock);
}

/**
 * Calls `fn` again while it throws an error the registry calls retryable (and on connection
 * errors and timeouts), pacing each attempt through the process's adaptive rate limiter and
 * spending from its retry budget.
 */
export function withRetry<T>(fn: (attempt: number) => Promise<T>, options?: RetryOptions): Promise<T> {
  return retry().withRetry(fn, options);
}

/** What the polling and stream functions run on: `tables` (a view of them where a function reads only some surfaces) and every class. */
function context(tables: RegistryTables): RuntimeContext {
  return { tables, classes: CLASSES };
}

/**
 * Polls a background response until it is terminal; throws the typed error when it failed.
 * Resolves to the client's own `Response` type (inferred from `client.responses.retrieve`).
 */
export function waitForResponse<TData>(client: ResponsesClient<TData>, id: string, options?: WaitOptions): Promise<PolledResponse<TData>> {
  return waitForResponseIn(context(RESPONSE_TABLES), { client, id }, options);
}

/**
 * A background response's stream events, surviving a dropped or stalled connection: resumed from
 * the last sequence_number with `retrieve(id, { stream: true, starting_after })`, never created
 * twice (unless `resubmit` is asked for a drop before the id is known); ends in the typed error
 * when the response fails. Pass the event type as `E` (openai's `ResponseStreamEvent`).
 */
export function streamBackgroundResponse<E = unknown>(client: ResumableClient, source: StreamSource, options?: ResumeOptions): AsyncGenerator<E, void, undefined> {
  return streamBackgroundResponseIn<E>(context(TABLES), client, source, options);
}

/** Passes stream events through; throws the typed error for response.failed and error events. */
export function raiseForStreamEvents<T>(stream: AsyncIterable<T>, options?: RaiseOptions): AsyncGenerator<T, void, undefined> {
  return raiseForStreamEventsIn(context(TABLES), stream, options);
}

/**
 * Reports each failure of a Realtime session to `listener` as the registry's typed error (an
 * `error` server event, a `response.done` whose response failed), without ending the session:
 * most Realtime errors leave it usable. The connection's own trouble reaches `listener` as the
 * original error. Returns a function that stops listening.
 */
export function onRealtimeFailure(connection: RealtimeConnection, listener: (error: Error) => void, options?: RaiseOptions): () => void {
  return onRealtimeFailureIn(EMBEDDED, connection, listener, options);
}

export * from '../generated/errors.js';
export { CATEGORIES, REGISTRY_VERSION, TABLES, type BackoffName, type CategoryName, type ClassName, type Code, type FallbackName, type SurfaceName } from '../generated/registry.js';
export { createRuntime, type Runtime, type RuntimeRegistry } from './runtime.js';
export type { FailureFacts, RaiseOptions } from './classify.js';
export { FAILURE_BRAND, isOpenAIFailure, type FailureKind, type OpenAIFailure } from './failure.js';
export { FAILURE_FIELDS } from './failure-record.generated.js';
export type { RealtimeConnection, RealtimeEventName } from './realtime.js';
export { StreamDropError, StreamStallError, type ReconnectEvent, type ResumableClient, type ResumeOptions, type StreamSource } from './resume.js';
export { PollFaultError, PollTimeoutError, type PollHeaders, type PolledResponse, type ResponsesClient, type WaitOptions } from './poll.js';
export { memoryStore, type Budget, type Limiter, type LimiterStore } from './store.js';
export { addRetryObserver, type AttemptEvent, type RetryObserver } from './observe.js';
export { RetryBudget, sharedRetryBudget, type GiveUpEvent, type GiveUpReason, type RetryBudgetOptions, type RetryEvent, type RetryOptions } from './retry.js';
export { AdaptiveLimiter, DEFAULT_LIMITER_KEY, limiterSnapshots, sharedLimiter, type LimiterOptions, type LimiterSnapshot, type RateSource, type Sleep } from './limiter.js';
export { defaultLimiterKey, pacedFetch, type Fetch, type PacedFetchOptions } from './pacing.js';
export { headerHintMs, messageHintMs, type Clock } from './backoff.js';
export type { BackoffProfile, HintSources, RegistryTables } from './spec.js';
