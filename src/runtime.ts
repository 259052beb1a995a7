/**
 * openai-error-registry/runtime: what generated code and custom registries build on. Files that
 * `generate --out DIR` writes import from here (never from the package's source), and
 * createRuntime turns a registry's tables and classes into the full API.
 */
import { classifyErrorIn, classifyFailureIn, classifyOnSurface, failureIn, isRetryableIn, thrownFrom, type FailureFacts, type RaiseOptions } from './classify.js';
import type { FailureClass } from './failure.js';
import { raiseForStreamEventsIn, waitForResponseIn, type PolledResponse, type ResponsesClient, type RuntimeContext, type WaitOptions } from './poll.js';
import { createRegistryRetry } from './retry.js';
import type { RegistryTables } from './spec.js';

export { categoryOf } from './classify.js';
export { retryTableOf } from './retryable.js';
export { failureClass, type FailureBase, type FailureClass, type FailureInit } from './failure.js';
export type * from './spec.js';

/** A registry as the runtime takes it: the generated TABLES and CLASSES. */
export interface RuntimeRegistry {
  /** The data tables (generated/registry.ts's TABLES, or a custom registry's). */
  readonly tables: RegistryTables;
  /** Every class the tables name, by class name (generated/errors.ts's CLASSES). */
  readonly classes: Readonly<Record<string, FailureClass>>;
}

/** Builds the whole API over one registry (the package's own exports are this over the embedded registry). */
export function createRuntime(registry: RuntimeRegistry) {
  const { tables, classes } = registry;
  const classifyError = (e: unknown): FailureFacts | undefined => classifyErrorIn(tables, e);
  const retry = createRegistryRetry(tables, classifyError);
  const ctx: RuntimeContext = { tables, classes, serverHintMs: retry.serverHintMs };
  function raiseForFailedResponse<T>(obj: T, options?: RaiseOptions): T {
    const e = failureIn(registry, obj, options);
    if (e === undefined) return obj;
    throw thrownFrom(e, raiseForFailedResponse);
  }
  return {
    /** Returns the object unless it reports a failure; throws the registry's typed error when it does. */
    raiseForFailedResponse,
    /** The registry's facts for a failed or incomplete object; undefined when it is not one. */
    classifyFailure: (obj: unknown): FailureFacts | undefined => classifyFailureIn(tables, obj),
    /** The registry's facts for one line of a batch's output or error file; undefined for a line that succeeded. */
    classifyBatchLine: (line: unknown): FailureFacts | undefined => classifyOnSurface(tables, 'batch.line', line),
    /** The registry's facts for a thrown error (a registry error or a plain openai APIError). */
    classifyError,
    /** Whether resubmitting the request that produced the error may succeed. */
    isRetryable: (e: unknown): boolean => isRetryableIn(tables, e),
    /** Milliseconds to wait before resubmitting after `attempt` failed attempts; undefined when not retryable. */
    retryDelayMs: retry.retryDelayMs,
    /** Calls a function again while it throws retryable errors, with backoff and the retry budget. */
    withRetry: retry.withRetry,
    /** Polls a background response until it is terminal; throws the typed error when it failed. Resolves to the client's `Response` type. */
    waitForResponse: <TData>(client: ResponsesClient<TData>, id: string, options?: WaitOptions): Promise<PolledResponse<TData>> => waitForResponseIn(ctx, { client, id }, options),
    /** Passes stream events through; throws the typed error for response.failed and error events. */
    raiseForStreamEvents: <T>(stream: AsyncIterable<T>, options?: RaiseOptions): AsyncGenerator<T, void, undefined> => raiseForStreamEventsIn(ctx, stream, options),
  };
}

/** The functions a runtime offers. */
export type Runtime = ReturnType<typeof createRuntime>;
