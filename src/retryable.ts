/**
 * Whether a thrown error is worth resubmitting. The decision reads one small table (RetryTable),
 * so `isRetryable` alone bundles without the registry's other tables and classes. classifyError
 * reaches the same decision from the whole tables (test/retry-table.test.ts holds the two together).
 */
import { headersOf, readHeader } from './backoff.js';
import { isOpenAIFailure } from './failure.js';
import { firstString } from './read.js';
import type { RegistryTables, RetryTable } from './spec.js';

/** Longest message kept on a failure, in characters; refinements match within it. */
export const MAX_MESSAGE = 10_000;
/** Longest code kept on a failure, in characters (registry codes are at most 200). */
export const MAX_CODE = 200;

/** True for openai's APIError from any copy of the SDK (the fields its constructor always sets). */
export function isApiErrorShaped(e: unknown): e is Error & { status: unknown; error: unknown; headers: unknown } {
  return e instanceof Error && 'status' in e && 'error' in e && 'headers' in e;
}

/** The message openai's APIUserAbortError carries: the caller aborted the request. */
const USER_ABORT_MESSAGE = 'Request was aborted.';

/**
 * True for openai's connection errors and timeouts from any copy of the SDK: no status, and an
 * APIConnectionError (or APIConnectionTimeoutError) in the prototype chain, or, for a copy a
 * minifier renamed, an APIError's shape with neither body nor headers. Never for the caller's own
 * abort (APIUserAbortError, which has the same shape): resubmitting what the caller cancelled is
 * not a retry.
 */
export function isConnectionError(e: unknown): boolean {
  try {
    if (!(e instanceof Error) || !('status' in e) || e.status !== undefined) return false;
    for (let p: unknown = Object.getPrototypeOf(e); p !== null && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
      const name: unknown = (p as { constructor?: { name?: unknown } }).constructor?.name;
      if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') return true;
      if (name === 'APIUserAbortError') return false;
    }
    const shaped = e as { error?: unknown; headers?: unknown };
    return 'error' in e && 'headers' in e && shaped.error === undefined && shaped.headers === undefined && e.message !== USER_ABORT_MESSAGE;
  } catch {
    return false;
  }
}

/** The table derived from a registry's tables (the generator writes the embedded one with this). */
export function retryTableOf(tables: RegistryTables): RetryTable {
  const http = tables.surfaces.find((s) => s.name === 'http');
  if (http === undefined) throw new Error('registry tables have no http surface');
  const fallback = Object.hasOwn(tables.fallbacks, http.unknown) ? tables.fallbacks[http.unknown] : undefined;
  if (fallback === undefined) throw new Error(`registry tables name an unknown fallback: ${http.unknown}`);
  const yes: string[] = [];
  const no: string[] = [];
  const refinements: RetryTable['refinements'][number][] = [];
  for (const [code, spec] of Object.entries(tables.codes)) {
    const own = spec.bySurface !== undefined && Object.hasOwn(spec.bySurface, 'http') ? spec.bySurface[http.name as never] : undefined;
    ((own ?? spec).retryable ? yes : no).push(code);
    for (const r of spec.refinements ?? []) refinements.push({ code, ...r.when, retryable: r.retryable });
  }
  return {
    fields: { code: http.fields.code, type: http.fields.type, message: http.fields.message },
    retryable: yes,
    final: no,
    refinements,
    unknown: fallback.retryable,
    statuses: tables.defaults.retryableStatuses.map((s) => ({ ...(s.status === undefined ? {} : { status: s.status }), ...(s.from === undefined ? {} : { from: s.from }) })),
    header: tables.hints.shouldRetryHeader,
  };
}

const derived = new WeakMap<RegistryTables, RetryTable>();

/** retryTableOf, derived once per tables object (a runtime's isRetryable reads it). */
export function retryTableIn(tables: RegistryTables): RetryTable {
  let t = derived.get(tables);
  if (t === undefined) {
    t = retryTableOf(tables);
    derived.set(tables, t);
  }
  return t;
}

/** A table's lookups, built on first use. */
interface Lookup {
  readonly codes: Map<string, boolean>;
  readonly refinements: Map<string, RetryTable['refinements'][number][]>;
}

const lookups = new WeakMap<RetryTable, Lookup>();

function lookupOf(t: RetryTable): Lookup {
  let l = lookups.get(t);
  if (l === undefined) {
    const codes = new Map<string, boolean>();
    for (const c of t.retryable) codes.set(c, true);
    for (const c of t.final) codes.set(c, false);
    const refinements = new Map<string, RetryTable['refinements'][number][]>();
    for (const r of t.refinements) refinements.set(r.code, [...(refinements.get(r.code) ?? []), r]);
    l = { codes, refinements };
    lookups.set(t, l);
  }
  return l;
}

/** The decision about a plain openai error: whether to retry it, and whether the registry knows its code. */
export interface RetryDecision {
  readonly retryable: boolean;
  readonly known: boolean;
}

/**
 * Decides for an API error (isApiErrorShaped): by its code (or, for older bodies, its type),
 * refined by type and message; an unknown code by its HTTP status. The should-retry header has
 * the last word: false always wins; true upgrades only an unknown code's decision.
 */
export function decideRetry(t: RetryTable, e: { readonly status: unknown; readonly headers: unknown }): RetryDecision {
  const l = lookupOf(t);
  const sent = firstString(e, t.fields.code);
  const type = firstString(e, t.fields.type);
  let code = sent !== undefined && sent.length <= MAX_CODE ? sent : undefined;
  let known = code === undefined ? undefined : l.codes.get(code);
  // Older bodies put the code in type with a null code (insufficient_quota).
  if (known === undefined && type !== undefined) {
    known = l.codes.get(type);
    if (known !== undefined) code = type;
  }
  let retryable: boolean;
  if (known === undefined) {
    const status = typeof e.status === 'number' ? e.status : undefined;
    retryable = t.unknown || (status !== undefined && t.statuses.some((s) => s.status === status || (s.from !== undefined && status >= s.from)));
  } else {
    retryable = known;
    const refinements = l.refinements.get(code as string);
    if (refinements !== undefined) {
      let lower: string | undefined;
      for (const r of refinements) {
        if (r.type !== undefined && r.type !== type) continue;
        if (r.messageContains !== undefined && !(lower ??= (firstString(e, t.fields.message) ?? '').slice(0, MAX_MESSAGE).toLowerCase()).includes(r.messageContains)) continue;
        retryable = r.retryable;
        break;
      }
    }
  }
  // Headers that cannot be read say nothing; the code still decides.
  const should = readHeader(headersOf(e), t.header);
  return { retryable: should === 'false' ? false : should === 'true' && known === undefined ? true : retryable, known: known !== undefined };
}

/** Whether resubmitting the request that produced `e` may succeed. Never throws. */
export function isRetryableWith(t: RetryTable, e: unknown): boolean {
  try {
    if (isOpenAIFailure(e)) {
      // Its facts, as classifyError reads them (a brand without facts is not retryable there either).
      const facts: unknown = e.facts;
      return facts !== null && typeof facts === 'object' && (facts as { retryable?: unknown }).retryable === true;
    }
    if (!isApiErrorShaped(e) || isConnectionError(e)) return false;
    return decideRetry(t, e).retryable;
  } catch {
    return false;
  }
}
