/**
 * Classification: reads a failed object (or a thrown error) and answers with the registry's
 * facts. Everything here works from tables passed in, so the same code serves the generated
 * registry and any test registry; no code-to-class fact is written by hand.
 *
 * Input is untrusted: only fixed paths from the registry are read, each read is guarded, codes
 * are looked up in Maps (a code named `__proto__` is just a code), and nothing is written.
 */
import type { FailureClass, FailureKind, OpenAIFailure } from './failure.js';
import { isOpenAIFailure } from './failure.js';
import type { BackoffProfile, CodeSpec, DefaultsSpec, Outcome, SurfaceSpec } from './spec.js';

/** The generated tables a runtime is built from. */
export interface RegistryTables {
  readonly codes: Readonly<Record<string, CodeSpec>>;
  readonly surfaces: readonly SurfaceSpec[];
  readonly backoff: Readonly<Record<string, BackoffProfile>>;
  readonly defaults: DefaultsSpec;
  readonly classes: Readonly<Record<string, FailureClass>>;
}

/** The registry's answer for one failure. */
export interface FailureFacts {
  /** The code the failure is reported as (a refinement may name another code); null when none was sent. */
  readonly code: string | null;
  /** Whether the registry knows the code; false means the defaults applied. */
  readonly known: boolean;
  readonly surface: string;
  readonly kind: FailureKind;
  /** The generated class name. */
  readonly class: string;
  readonly retryable: boolean;
  readonly backoff: BackoffProfile;
  readonly message: string;
  readonly type: string | undefined;
  readonly objectId: string | undefined;
}

/** Options of raiseForFailedResponse. */
export interface RaiseOptions {
  /** Throw for incomplete objects too (default false: an incomplete object is returned, its partial output is often usable). */
  readonly raiseOnIncomplete?: boolean;
  /** Headers of the HTTP response that carried the object (kept on the error for request ids). */
  readonly headers?: Headers;
}

const MAX_TEXT = 10_000;

/** Reads a string at a path of own or inherited properties; undefined for anything else. */
export function readString(obj: unknown, path: readonly string[]): string | undefined {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return typeof cur === 'string' ? cur : undefined;
}

function firstString(obj: unknown, paths: readonly (readonly string[])[] | undefined): string | undefined {
  for (const p of paths ?? []) {
    const v = readString(obj, p);
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/**
 * Headers an error can keep: Web Headers whose get() works, or a plain object of strings turned
 * into Headers; anything else (or anything that throws) gives none.
 */
function usableHeaders(h: unknown): Headers | undefined {
  try {
    if (h instanceof Headers) {
      h.get('x-request-id');
      return h;
    }
    if (h !== null && typeof h === 'object') {
      const out = new Headers();
      for (const [k, v] of Object.entries(h)) if (typeof v === 'string') out.set(k, v);
      return out;
    }
  } catch {
    // fall through: no headers
  }
  return undefined;
}

/** True for openai's APIError from any copy of the SDK (the fields its constructor always sets). */
function isApiErrorShaped(e: unknown): e is Error & { status: unknown; error: unknown; headers: unknown } {
  return e instanceof Error && 'status' in e && 'error' in e && 'headers' in e;
}

/** Builds the classification and raising functions over one registry's tables. */
export function createRuntime(tables: RegistryTables) {
  const codes = new Map<string, CodeSpec>(Object.entries(tables.codes));
  const backoff = new Map<string, BackoffProfile>(Object.entries(tables.backoff));
  const classes = new Map<string, FailureClass>(Object.entries(tables.classes));
  // The surface without a match: synchronous errors, read from thrown APIErrors.
  const httpSurface = tables.surfaces.find((s) => s.match === undefined);
  const profile = (name: string): BackoffProfile => {
    const p = backoff.get(name);
    if (p === undefined) throw new Error(`registry tables name an unknown backoff profile: ${name}`);
    return p;
  };

  /** The outcome for a code, refined by the error's type and message; falls back to the type as a code. */
  function resolve(code: string | undefined, type: string | undefined, message: string) {
    let key = code;
    let spec = key === undefined ? undefined : codes.get(key);
    if (spec === undefined && type !== undefined && codes.has(type)) {
      key = type;
      spec = codes.get(type);
    }
    if (spec === undefined || key === undefined) return undefined;
    const lower = spec.refinements.some((r) => r.when.messageContains !== undefined) ? message.toLowerCase() : '';
    for (const r of spec.refinements) {
      if (r.when.type !== undefined && r.when.type !== type) continue;
      if (r.when.messageContains !== undefined && !lower.includes(r.when.messageContains)) continue;
      return { code: r.code, outcome: r as Outcome };
    }
    return { code: key, outcome: spec as Outcome };
  }

  function facts(
    rawCode: string | undefined,
    type: string | undefined,
    message: string,
    surface: string,
    kind: FailureKind,
    objectId: string | undefined,
    fallback: Outcome = tables.defaults,
  ): FailureFacts {
    const hit = resolve(rawCode, type, message);
    const outcome = hit?.outcome ?? fallback;
    return {
      code: hit?.code ?? rawCode ?? null,
      known: hit !== undefined,
      surface,
      kind,
      class: outcome.class,
      retryable: outcome.retryable,
      backoff: profile(outcome.backoff),
      message,
      type,
      objectId,
    };
  }

  function classifyUnguarded(obj: unknown): FailureFacts | undefined {
    if (obj === null || typeof obj !== 'object') return undefined;
    for (const s of tables.surfaces) {
      if (s.match === undefined) continue;
      const tag = readString(obj, s.match.path);
      if (tag === undefined || !s.match.values.includes(tag)) continue;
      let kind: FailureKind;
      if (s.status === undefined) {
        kind = 'error_event';
      } else {
        const status = readString(obj, s.status.path);
        if (status === undefined) return undefined;
        if (s.status.failed.includes(status)) kind = 'failed';
        else if (s.status.expired.includes(status)) kind = 'expired';
        else if (s.status.incomplete.includes(status)) kind = 'incomplete';
        else return undefined;
      }
      // An expired object usually carries no code; the registry's code named after the status applies.
      const code =
        (kind === 'incomplete' ? firstString(obj, s.fields.reason) : firstString(obj, s.fields.code)) ??
        (kind === 'expired' && codes.has(kind) ? kind : undefined);
      const message = (firstString(obj, s.fields.message) ?? '').slice(0, MAX_TEXT);
      return facts(code, firstString(obj, s.fields.type), message || `no message (${code ?? 'no code'})`, s.name, kind, firstString(obj, s.fields.id));
    }
    return undefined;
  }

  /** The registry's facts for a failed or incomplete object; undefined when it is not one. Never throws. */
  function classifyFailure(obj: unknown): FailureFacts | undefined {
    try {
      return classifyUnguarded(obj);
    } catch {
      // A getter or proxy that throws: the object cannot be read, so it cannot be called failed.
      return undefined;
    }
  }

  function build(f: FailureFacts, failedObject: unknown, headers: Headers | undefined): Error & OpenAIFailure {
    const Class = classes.get(f.class);
    if (Class === undefined) throw new Error(`registry tables name an unknown class: ${f.class}`);
    return new Class({
      code: f.code,
      message: f.message,
      type: f.type,
      surface: f.surface,
      kind: f.kind,
      retryable: f.retryable,
      backoff: f.backoff,
      known: f.known,
      failedObject,
      objectId: f.objectId,
      headers,
    });
  }

  /**
   * Returns `obj` unchanged unless it reports a failure; then throws the registry's error class
   * for its code (`instanceof` the openai class the registry names, and `instanceof APIError`).
   * Incomplete objects are returned unless `raiseOnIncomplete` is set; cancelled ones always are.
   */
  function raiseForFailedResponse<T>(obj: T, options?: RaiseOptions): T {
    const f = classifyFailure(obj);
    if (f === undefined) return obj;
    let raiseOnIncomplete = false;
    let headers: Headers | undefined;
    try {
      raiseOnIncomplete = options?.raiseOnIncomplete === true;
      headers = usableHeaders(options?.headers);
    } catch {
      // unreadable options: the defaults apply
    }
    if (f.kind === 'incomplete' && !raiseOnIncomplete) return obj;
    throw build(f, obj, headers);
  }

  function statusFallback(status: number | undefined): Outcome {
    for (const s of tables.defaults.retryableStatuses) {
      if (status !== undefined && (s.status === status || (s.from !== undefined && status >= s.from))) {
        return { class: tables.defaults.class, retryable: true, backoff: s.backoff };
      }
    }
    return tables.defaults;
  }

  /**
   * The registry's facts for a thrown error: a registry error answers for itself; a plain openai
   * APIError is judged by its code and type (a 429 insufficient_quota is not retryable), then by
   * its HTTP status. Undefined for anything that is not an API error (connection errors included:
   * openai's own client retries those).
   */
  function classifyError(e: unknown): FailureFacts | undefined {
    try {
      if (isOpenAIFailure(e)) {
        return {
          code: e.code,
          known: e.known,
          surface: e.surface,
          kind: e.kind,
          class: e.name,
          retryable: e.retryable,
          backoff: e.backoff,
          message: e.message,
          type: e.type,
          objectId: e.objectId,
        };
      }
      if (!isApiErrorShaped(e) || httpSurface === undefined) return undefined;
      const status = typeof e.status === 'number' ? e.status : undefined;
      const code = firstString(e, httpSurface.fields.code);
      const type = firstString(e, httpSurface.fields.type);
      const message = (firstString(e, httpSurface.fields.message) ?? '').slice(0, MAX_TEXT);
      return facts(code, type, message, httpSurface.name, 'http', undefined, statusFallback(status));
    } catch {
      return undefined;
    }
  }

  /** Whether resubmitting the request that produced `e` may succeed, as the registry says. */
  function isRetryable(e: unknown): boolean {
    return classifyError(e)?.retryable ?? false;
  }

  return { classifyFailure, raiseForFailedResponse, classifyError, isRetryable };
}

/** The functions a runtime offers. */
export type Runtime = ReturnType<typeof createRuntime>;
