/**
 * openai-error-registry/runtime: what generated code and custom registries build on. Files that
 * `generate --out DIR` writes import from here (never from the package's source), and
 * createRuntime turns a registry's tables and classes into the full API.
 */
// First, so that the generated tables, which call it while loading, find it before the modules below load them.
export { unpackCodes } from './spec.js';
import { classifyErrorIn, classifyFailureIn, classifyOnSurface, failureIn, isRetryableIn, thrownFrom, type FailureFacts, type RaiseOptions } from './classify.js';
import type { FailureClass } from './failure.js';
import { raiseForStreamEventsIn, waitForResponseIn, type PolledResponse, type ResponsesClient, type RuntimeContext, type WaitOptions } from './poll.js';
import { onRealtimeFailureIn, type RealtimeConnection } from './realtime.js';
import { createRegistryRetry } from './retry.js';
import { streamBackgroundResponseIn, type ResumableClient, type ResumeOptions, type StreamSource } from './resume.js';
import type { Outcome, RegistryTables } from './spec.js';

export { categoryOf } from './classify.js';
export { retryTableOf } from './retryable.js';
export { classTable, errorClass, failureClass, failureClasses, type FailureBase, type FailureClass, type FailureInit, type RegistryErrorClass } from './failure.js';
export type * from './spec.js';

/** A registry as the runtime takes it: the generated TABLES and CLASSES. */
export interface RuntimeRegistry {
  /** The data tables (generated/registry.ts's TABLES, or a custom registry's). */
  readonly tables: RegistryTables;
  /** Every class the tables name, by class name (generated/errors.ts's CLASSES). */
  readonly classes: Readonly<Record<string, FailureClass>>;
}

/**
 * The first name the tables use without defining it, as a message; undefined when every name
 * resolves. A misspelt backoff or class would otherwise surface only when that code first fails
 * in production, as a failure raised as nothing at all.
 */
function tablesProblem(registry: RuntimeRegistry): string | undefined {
  if (registry === null || typeof registry !== 'object') return 'takes { tables, classes }';
  const { tables, classes } = registry;
  if (tables === null || typeof tables !== 'object') return 'tables must be an object';
  if (classes === null || typeof classes !== 'object') return 'classes must be an object';
  for (const key of ['codes', 'fallbacks', 'backoff'] as const) if (tables[key] === null || typeof tables[key] !== 'object') return `tables.${key} must be an object`;
  for (const key of ['surfaces', 'dispatch', 'settled'] as const) if (!Array.isArray(tables[key])) return `tables.${key} must be an array`;
  const profile = (where: string, name: unknown) => (typeof name === 'string' && Object.hasOwn(tables.backoff, name) ? undefined : `${where} names backoff ${JSON.stringify(name)}, which tables.backoff does not define`);
  const outcome = (where: string, o: Outcome | undefined): string | undefined => {
    if (o === null || typeof o !== 'object') return `${where} must be an outcome object`;
    if (typeof o.class !== 'string' || !Object.hasOwn(classes, o.class) || typeof classes[o.class] !== 'function') return `${where} names class ${JSON.stringify(o.class)}, which classes does not define`;
    return profile(where, o.backoff);
  };
  const surfaces = new Set<string>();
  for (const s of tables.surfaces) {
    surfaces.add(s.name);
    if (typeof s.unknown !== 'string' || !Object.hasOwn(tables.fallbacks, s.unknown)) return `surface ${JSON.stringify(s.name)} names fallback ${JSON.stringify(s.unknown)}, which tables.fallbacks does not define`;
  }
  for (const [code, spec] of Object.entries(tables.codes)) {
    const problem =
      outcome(`code ${JSON.stringify(code)}`, spec) ??
      Object.entries(spec.bySurface ?? {})
        .map(([surface, o]) => (surfaces.has(surface) ? outcome(`code ${JSON.stringify(code)} on ${surface}`, o) : `code ${JSON.stringify(code)} overrides surface ${JSON.stringify(surface)}, which tables.surfaces does not define`))
        .find(Boolean) ??
      (spec.refinements ?? []).map((r, i) => outcome(`code ${JSON.stringify(code)} refinement ${i}`, r)).find(Boolean);
    if (problem !== undefined) return problem;
  }
  for (const [name, o] of Object.entries(tables.fallbacks)) {
    const problem = outcome(`fallback ${JSON.stringify(name)}`, o);
    if (problem !== undefined) return problem;
  }
  for (const d of tables.dispatch) for (const [, surface] of d.surfaces) if (!surfaces.has(surface)) return `tables.dispatch names surface ${JSON.stringify(surface)}, which tables.surfaces does not define`;
  if (!surfaces.has('http')) return 'tables.surfaces has no "http" surface (thrown errors are read by it)';
  return (
    profile('defaults.connectionBackoff', tables.defaults?.connectionBackoff) ??
    (tables.defaults?.retryableStatuses ?? []).map((r, i) => profile(`defaults.retryableStatuses[${i}]`, r.backoff)).find(Boolean) ??
    profile('hints.shouldRetryBackoff', tables.hints?.shouldRetryBackoff) ??
    profile('polling.faultBackoff', tables.polling?.faultBackoff)
  );
}

/**
 * Builds the whole API over one registry (the package's own exports are this over the embedded
 * registry). Throws a TypeError naming the first name the tables use without defining it.
 */
export function createRuntime(registry: RuntimeRegistry) {
  const problem = tablesProblem(registry);
  if (problem !== undefined) throw new TypeError(`createRuntime: ${problem}`);
  const { tables, classes } = registry;
  const classifyError = (e: unknown): FailureFacts | undefined => classifyErrorIn(tables, e);
  const retry = createRegistryRetry(tables, classifyError);
  const ctx: RuntimeContext = { tables, classes };
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
    /** A background response's stream events, resumed after a drop or a stall from the last sequence_number; ends in the typed error when it fails. */
    streamBackgroundResponse: <E = unknown>(client: ResumableClient, source: StreamSource, options?: ResumeOptions): AsyncGenerator<E, void, undefined> => streamBackgroundResponseIn<E>(ctx, client, source, options),
    /** Passes stream events through; throws the typed error for response.failed and error events. */
    raiseForStreamEvents: <T>(stream: AsyncIterable<T>, options?: RaiseOptions): AsyncGenerator<T, void, undefined> => raiseForStreamEventsIn(ctx, stream, options),
    /** Reports each failure of a Realtime session to `listener` as the typed error, without ending the session; returns a function that stops listening. */
    onRealtimeFailure: (connection: RealtimeConnection, listener: (error: Error) => void, options?: RaiseOptions): (() => void) => onRealtimeFailureIn(registry, connection, listener, options),
  };
}

/** The functions a runtime offers. */
export type Runtime = ReturnType<typeof createRuntime>;
