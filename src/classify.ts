/**
 * Classification: reads a failed object (or a thrown error) and answers with the registry's
 * facts. Module-level functions over the tables they are given, so the same code serves the
 * generated registry and any custom one; no fact about the API is written here.
 *
 * Input is untrusted: only fixed paths from the registry are read, each read is guarded, codes
 * and statuses are looked up in Maps (a code named `__proto__` is just a code), nothing is
 * written, long codes and messages are cut (and marked as cut), and secrets the API echoes in
 * a message (keys, tokens, organization and project ids) are redacted before anything keeps it.
 */
import type { FailureFacts } from './failure-record.generated.js';
import { redactSecrets } from './redact.js';
import { firstString, readAt, readString } from './read.js';
import { headersOf, readHeader } from './backoff.js';
import { MAX_CODE, MAX_MESSAGE, isApiErrorShaped, isConnectionError, isRetryableWith, retryTableIn } from './retryable.js';
import { isOpenAIFailure, type FailureClass, type FailureInit, type FailureKind } from './failure.js';
import type { BackoffProfile, CodeSpec, DispatchSpec, ObjectTables, Outcome, PathSegments, RegistryTables, RetryTable, StatusKind, SurfaceSpec } from './spec.js';

export type { FailureFacts };
export { MAX_CODE, MAX_MESSAGE, isApiErrorShaped, isConnectionError, readString };

/** What raising needs: a registry's tables and its classes. */
export interface RaisingRegistry {
  readonly tables: ObjectTables;
  readonly classes: Readonly<Record<string, FailureClass>>;
}

/** Options of raiseForFailedResponse. */
export interface RaiseOptions {
  /** Throw for incomplete objects too (default false: an incomplete object is returned, its partial output is often usable). */
  readonly raiseOnIncomplete?: boolean;
  /** Headers of the HTTP response that carried the object (kept on the error for request ids). */
  readonly headers?: Headers;
  /**
   * The caller already received output of this request (raiseForStreamEvents sets it once an
   * event that showed output went through): the failure's replay facts then say output was delivered.
   */
  readonly outputDelivered?: boolean;
}

/** A surface with its status index built. */
interface IndexedSurface {
  readonly spec: SurfaceSpec;
  readonly kinds: ReadonlyMap<string, StatusKind>;
}

/** The lookups a runtime needs, built once per tables object. */
interface Index {
  readonly codes: ReadonlyMap<string, CodeSpec>;
  readonly surfaces: ReadonlyMap<string, IndexedSurface>;
  /** Per dispatch path, the surfaces a value recognises (those that need a string at `has` first): built on first use, which a caller that knows the surface (a poll) never makes. */
  dispatch?: readonly { readonly path: PathSegments; readonly surfaces: ReadonlyMap<string, readonly Candidate[]> }[];
  readonly fallbacks: ReadonlyMap<string, Outcome>;
  readonly backoff: ReadonlyMap<string, BackoffProfile>;
}

/** A surface a dispatch value recognises, when `has` (if any) holds a string. */
interface Candidate {
  readonly has: PathSegments | undefined;
  readonly surface: IndexedSurface;
}

const indexes = new WeakMap<ObjectTables, Index>();

/** What the tables name under `name`; an Error saying so when they do not define it (a hand-written table's typo). */
function known<T>(value: T | undefined, what: string, name: string): T {
  if (value === undefined) throw new Error(`registry tables name an unknown ${what}: ${name}`);
  return value;
}

/** The dispatch index of one path: value -> candidates, those with a has path first (the generator's order, kept). */
function candidates(entries: DispatchSpec['surfaces'], ix: Index): Map<string, Candidate[]> {
  const out = new Map<string, Candidate[]>();
  for (const [value, name, has] of entries) {
    const list = out.get(value) ?? [];
    list.push({ has, surface: known(ix.surfaces.get(name), 'surface', name) });
    out.set(value, list);
  }
  // Hand-written tables may list them in any order; sort is stable, so the rest keeps its order.
  for (const list of out.values()) list.sort((a, b) => Number(a.has === undefined) - Number(b.has === undefined));
  return out;
}

function indexOf(tables: ObjectTables): Index {
  let ix = indexes.get(tables);
  if (ix === undefined) {
    ix = {
      codes: new Map(Object.entries(tables.codes)),
      surfaces: new Map(tables.surfaces.map((s) => [s.name, { spec: s, kinds: new Map(s.status?.kinds ?? []) }])),
      fallbacks: new Map(Object.entries(tables.fallbacks)),
      backoff: new Map(Object.entries(tables.backoff)),
    };
    indexes.set(tables, ix);
  }
  return ix;
}

function firstNumber(obj: unknown, paths: readonly PathSegments[]): number | undefined {
  for (const p of paths) {
    const v = readAt(obj, p);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** Whether any path holds output: a non-empty array or string. */
function holdsOutput(obj: unknown, paths: readonly PathSegments[]): boolean {
  return paths.some((p) => {
    const v = readAt(obj, p);
    return (Array.isArray(v) && v.length > 0) || (typeof v === 'string' && v !== '');
  });
}

/** Cuts a string to `max` characters; the cut is marked with an ellipsis. */
function bounded(s: string, max: number): { text: string; cut: boolean } {
  return s.length <= max ? { text: s, cut: false } : { text: `${s.slice(0, max - 1)}…`, cut: true };
}

function profileOf(ix: Index, name: string): BackoffProfile {
  return known(ix.backoff.get(name), 'backoff profile', name);
}

/** The outcome for a code on a surface, refined by the error's type and message. */
function resolve(ix: Index, surface: string, sent: { readonly code: string | undefined; readonly type: string | undefined; readonly message: string }): { code: string; outcome: Outcome } | undefined {
  const { code, type, message } = sent;
  let key = code;
  let spec = key === undefined ? undefined : ix.codes.get(key);
  // Older bodies put the code in type with a null code (insufficient_quota).
  if (spec === undefined && type !== undefined && ix.codes.has(type)) {
    key = type;
    spec = ix.codes.get(type);
  }
  if (spec === undefined || key === undefined) return undefined;
  let lower: string | undefined;
  for (const r of spec.refinements ?? []) {
    if (r.when.type !== undefined && r.when.type !== type) continue;
    if (r.when.messageContains !== undefined && !(lower ??= message.toLowerCase()).includes(r.when.messageContains)) continue;
    return { code: r.code, outcome: r };
  }
  const bySurface = spec.bySurface;
  const own = bySurface !== undefined && Object.hasOwn(bySurface, surface) ? bySurface[surface as never] : undefined;
  return { code: key, outcome: own ?? spec };
}

/** What one reading of a failure found, before the registry is asked. */
interface Reading {
  readonly surface: IndexedSurface;
  readonly kind: FailureKind;
  readonly code: string | undefined;
  readonly type: string | undefined;
  readonly message: string | undefined;
  readonly objectId: string | undefined;
  /** The HTTP status the failure arrived with (synchronous errors, batch lines). */
  readonly httpStatus: number | undefined;
  readonly transportStatus: number | null;
  /** The outcome when the code is unknown (a status fallback for synchronous errors). */
  readonly fallback: Outcome;
  readonly obj: unknown;
}

/** Which outcome applies to a reading: the code's (refined, per surface) or the fallback. */
interface Decision {
  readonly code: { readonly text: string; readonly cut: boolean } | undefined;
  readonly hit: { code: string; outcome: Outcome } | undefined;
  readonly outcome: Outcome;
}

function decide(ix: Index, r: Reading): Decision {
  const code = r.code === undefined ? undefined : bounded(r.code, MAX_CODE);
  const m = r.message ?? '';
  const message = m.length > MAX_MESSAGE ? m.slice(0, MAX_MESSAGE) : m;
  const hit = resolve(ix, r.surface.spec.name, { code: code?.text, type: r.type, message });
  return { code, hit, outcome: hit?.outcome ?? r.fallback };
}

/** The facts of a reading, from the decision about it. */
function factsOf(ix: Index, r: Reading, d: Decision = decide(ix, r)): FailureFacts {
  const message = r.message ?? '';
  // Redact a little more than is kept, so a secret cut in half at the bound is still caught.
  const kept = bounded(redactSecrets(message.length > MAX_MESSAGE + 256 ? message.slice(0, MAX_MESSAGE + 256) : message), MAX_MESSAGE);
  const { outcome } = d;
  const replay = r.surface.spec.replay;
  const code = d.hit?.code ?? d.code?.text ?? null;
  return {
    class: outcome.class,
    code,
    known: d.hit !== undefined,
    surface: r.surface.spec.name,
    kind: r.kind,
    category: outcome.category,
    retryable: outcome.retryable,
    backoff: profileOf(ix, outcome.backoff),
    message: kept.text === '' ? `no message (${code ?? 'no code'})` : kept.text,
    type: r.type ?? null,
    objectId: r.objectId ?? null,
    status: r.httpStatus ?? outcome.status,
    transportStatus: r.transportStatus,
    requestID: null,
    truncated: (d.code?.cut ?? false) || kept.cut || message.length > MAX_MESSAGE,
    replay: {
      mayHaveBilled: replay.started,
      outputDelivered: r.kind === 'incomplete' || holdsOutput(r.obj, replay.output),
      continuesConversation: firstString(r.obj, replay.conversation) !== undefined,
    },
  };
}

function fallbackOf(ix: Index, s: IndexedSurface): Outcome {
  return known(ix.fallbacks.get(s.spec.unknown), 'fallback', s.spec.unknown);
}

/** Reads an object of a known surface; undefined when it does not report a failure. */
function readObject(ix: Index, s: IndexedSurface, obj: unknown): Reading | undefined {
  const spec = s.spec;
  let kind: FailureKind;
  if (spec.status !== undefined) {
    const status = readString(obj, spec.status.path);
    const meaning = status === undefined ? undefined : s.kinds.get(status);
    if (meaning === 'failed' || meaning === 'expired' || meaning === 'incomplete') kind = meaning;
    else return undefined;
  } else if (spec.failedWhen.length > 0) {
    if (!spec.failedWhen.some((p) => { const v = readAt(obj, p); return v !== null && typeof v === 'object'; })) return undefined;
    kind = 'failed';
  } else {
    kind = 'error_event';
  }
  const code = (kind === 'incomplete' ? firstString(obj, spec.fields.reason) : firstString(obj, spec.fields.code)) ?? (kind === 'expired' ? spec.expiredCode : undefined);
  return {
    surface: s,
    kind,
    code,
    type: firstString(obj, spec.fields.type),
    message: firstString(obj, spec.fields.message),
    objectId: firstString(obj, spec.fields.id),
    httpStatus: firstNumber(obj, spec.fields.status),
    transportStatus: 200,
    fallback: fallbackOf(ix, s),
    obj,
  };
}

function classifyUnguarded(tables: ObjectTables, obj: unknown): FailureFacts | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const ix = indexOf(tables);
  for (const d of (ix.dispatch ??= tables.dispatch.map((p) => ({ path: p.path, surfaces: candidates(p.surfaces, ix) })))) {
    const tag = readString(obj, d.path);
    const s = tag === undefined ? undefined : d.surfaces.get(tag)?.find((c) => c.has === undefined || readString(obj, c.has) !== undefined)?.surface;
    if (s === undefined) continue;
    const reading = readObject(ix, s, obj);
    return reading === undefined ? undefined : factsOf(ix, reading);
  }
  return undefined;
}

/** The registry's facts for a failed or incomplete object; undefined when it is not one. Never throws. */
export function classifyFailureIn(tables: ObjectTables, obj: unknown): FailureFacts | undefined {
  try {
    return classifyUnguarded(tables, obj);
  } catch {
    // A getter or proxy that throws: the object cannot be read, so it cannot be called failed.
    return undefined;
  }
}

/**
 * The registry's facts for one object of a surface that has no dispatch of its own (a batch
 * output line); undefined when it does not report a failure. Never throws.
 */
export function classifyOnSurface(tables: ObjectTables, surface: string, obj: unknown): FailureFacts | undefined {
  try {
    const ix = indexOf(tables);
    const s = ix.surfaces.get(surface);
    if (s === undefined || obj === null || typeof obj !== 'object') return undefined;
    const reading = readObject(ix, s, obj);
    return reading === undefined ? undefined : factsOf(ix, reading);
  } catch {
    return undefined;
  }
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


/** Builds the registry's error for a failure. */
export function buildFailure(classes: Readonly<Record<string, FailureClass>>, init: FailureInit): Error {
  const name = init.facts.class;
  const Class = known(Object.hasOwn(classes, name) ? classes[name] : undefined, 'class', name);
  return new Class(init);
}

type CaptureStackTrace = (target: object, above?: unknown) => void;

/** V8's Error.captureStackTrace where the engine has it. */
function captureOf(): CaptureStackTrace | undefined {
  const capture = (Error as { captureStackTrace?: unknown }).captureStackTrace;
  return typeof capture === 'function' ? (capture as CaptureStackTrace) : undefined;
}

/**
 * Builds an error without capturing a stack when the engine can capture it later (thrownFrom
 * does, from the public function's caller); elsewhere, with the engine's own stack.
 */
function buildUnstacked(classes: Readonly<Record<string, FailureClass>>, init: FailureInit): Error {
  if (captureOf() === undefined) return buildFailure(classes, init);
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 0;
  } catch {
    return buildFailure(classes, init); // frozen intrinsics (node --frozen-intrinsics): the engine's own stack
  }
  try {
    return buildFailure(classes, init);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Gives an error from failureIn its stack, starting at the caller of `above` (the public function
 * the user called): the frames are captured once, none of them ours, the same frames a `throw`
 * at the call site would capture.
 */
export function thrownFrom(e: Error, above: (...args: never[]) => unknown): Error {
  captureOf()?.(e, above);
  return e;
}

/** True when `obj` is certainly not a failure: its top-level status is settled on every surface. */
function settled(tables: ObjectTables, obj: object): boolean {
  const status = (obj as { status?: unknown }).status;
  if (typeof status !== 'string') return false;
  // A plain loop: the completed-response check is the hottest path, and includes measured slower there.
  const list = tables.settled;
  for (let i = 0; i < list.length; i++) if (list[i] === status) return true;
  return false;
}

/**
 * The registry's error for `obj`, given its facts (built without a stack where thrownFrom will
 * give it one); undefined when there are none, or for an incomplete object unless the options
 * raise on incomplete.
 */
function failureOf(registry: RaisingRegistry, obj: unknown, facts: FailureFacts | undefined, options: RaiseOptions | undefined): Error | undefined {
  let f = facts;
  if (f === undefined) return undefined;
  let raiseOnIncomplete = false;
  let headers: Headers | undefined;
  try {
    raiseOnIncomplete = options?.raiseOnIncomplete === true;
    headers = usableHeaders(options?.headers);
    if (options?.outputDelivered === true && !f.replay.outputDelivered) f = { ...f, replay: { ...f.replay, outputDelivered: true } };
  } catch {
    // unreadable options: the defaults apply
  }
  if (f.kind === 'incomplete' && !raiseOnIncomplete) return undefined;
  return buildUnstacked(registry.classes, { facts: f, failedObject: obj, headers });
}

/**
 * The registry's error for `obj` when it reports a failure (built without a stack where
 * thrownFrom will give it one), undefined when it does not. An object whose status is settled
 * everywhere (completed, in_progress, ...) costs one read and a few comparisons.
 */
export function failureIn(registry: RaisingRegistry, obj: unknown, options?: RaiseOptions): Error | undefined {
  const { tables } = registry;
  if (obj === null || typeof obj !== 'object') return undefined;
  try {
    if (settled(tables, obj)) return undefined;
  } catch {
    return undefined; // an unreadable status: not a failure we can name
  }
  return failureOf(registry, obj, classifyFailureIn(tables, obj), options);
}

/**
 * Returns `obj` unchanged unless it reports a failure; then throws the registry's error class
 * for its code, with its stack starting at raiseIn's caller.
 */
export function raiseIn<T>(registry: RaisingRegistry, obj: T, options?: RaiseOptions): T {
  const e = failureIn(registry, obj, options);
  if (e === undefined) return obj;
  throw thrownFrom(e, raiseIn);
}

/**
 * raiseIn for an object whose surface the caller knows (a polled Response): read on that
 * surface, without dispatching on the object's own fields.
 */
export function raiseOnSurfaceIn<T>(registry: RaisingRegistry, surface: string, obj: T, options?: RaiseOptions): T {
  const e = failureOf(registry, obj, classifyOnSurface(registry.tables, surface, obj), options);
  if (e === undefined) return obj;
  throw thrownFrom(e, raiseOnSurfaceIn);
}

/** Codes of the socket errors a body read fails with: undici's (UND_ERR_SOCKET, ...) and the system's (ECONNRESET, EPIPE, ...). */
const SOCKET_ERROR_CODE = /^(?:UND_ERR_[A-Z_]+|E[A-Z]+)$/;

/**
 * True for a network failure: openai's connection errors, and a connection lost while the body
 * was read (fetch's `TypeError: terminated`, caused by a socket error), which openai passes on
 * unwrapped because it happens after the response arrived.
 */
export function isTransportFailure(e: unknown): boolean {
  if (isConnectionError(e)) return true;
  if (!(e instanceof TypeError)) return false;
  let cause: unknown = e.cause;
  for (let depth = 0; depth < 4 && cause !== null && typeof cause === 'object'; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && SOCKET_ERROR_CODE.test(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

function statusFallback(tables: RegistryTables, ix: Index, http: IndexedSurface, status: number | undefined): Outcome {
  const base = fallbackOf(ix, http);
  for (const s of tables.defaults.retryableStatuses) {
    if (status !== undefined && (s.status === status || (s.from !== undefined && status >= s.from))) return { ...base, retryable: true, backoff: s.backoff };
  }
  return base;
}

/** The facts a registry error carries. */
function factsOfFailure(e: Error & { facts?: unknown }): FailureFacts | undefined {
  const f = e.facts;
  return f !== null && typeof f === 'object' ? (f as FailureFacts) : undefined;
}

/**
 * The registry's facts for a thrown error: a registry error answers for itself; a plain openai
 * APIError is judged by its code and type (a 429 insufficient_quota is not retryable), then by
 * its HTTP status, and the server's should-retry header has the last word: false always wins,
 * true upgrades only an unknown code's decision (to the tables' shouldRetryBackoff). Undefined for
 * anything that is not an API error with a status (connection errors and timeouts included: see
 * withRetry). isRetryable's table (retryTableOf) decides the same; a test holds the two together.
 */
export function classifyErrorIn(tables: RegistryTables, e: unknown): FailureFacts | undefined {
  try {
    if (isOpenAIFailure(e)) return factsOfFailure(e);
    if (!isApiErrorShaped(e) || isConnectionError(e)) return undefined;
    const ix = indexOf(tables);
    const http = ix.surfaces.get('http');
    if (http === undefined) return undefined;
    const status = typeof e.status === 'number' ? e.status : undefined;
    const reading: Reading = {
      surface: http,
      kind: 'http',
      code: firstString(e, http.spec.fields.code),
      type: firstString(e, http.spec.fields.type),
      message: firstString(e, http.spec.fields.message),
      objectId: undefined,
      httpStatus: status,
      transportStatus: status ?? null,
      fallback: statusFallback(tables, ix, http, status),
      obj: e,
    };
    const decision = decide(ix, reading);
    const f = factsOf(ix, reading, decision);
    // Headers that cannot be read say nothing; the code still decides.
    const should = readHeader(headersOf(e), tables.hints.shouldRetryHeader);
    const retryable = should === 'false' ? false : should === 'true' && decision.hit === undefined ? true : f.retryable;
    const backoff = retryable && !f.retryable ? profileOf(ix, tables.hints.shouldRetryBackoff) : f.backoff;
    const requestID = (e as { requestID?: unknown }).requestID;
    return { ...f, retryable, backoff, requestID: typeof requestID === 'string' ? requestID : null };
  } catch {
    return undefined;
  }
}

/**
 * Whether resubmitting the request that produced `e` may succeed: classifyErrorIn's answer, read
 * off the tables' should-retry table without assembling the facts. Never throws.
 */
export function isRetryableIn(tables: RegistryTables, e: unknown): boolean {
  let t: RetryTable;
  try {
    t = retryTableIn(tables);
  } catch {
    return false; // tables without an http surface judge no plain error
  }
  return isRetryableWith(t, e);
}

/** The category the registry puts a thrown error in; undefined when it is not an API error. */
export function categoryOf(tables: RegistryTables, e: unknown): string | undefined {
  return classifyErrorIn(tables, e)?.category;
}

/** Whether a chat chunk's delta carries anything the caller sees: text, a refusal, a tool call or audio. */
function deltaShows(delta: unknown): boolean {
  const d = delta as { content?: unknown; refusal?: unknown; tool_calls?: unknown; function_call?: unknown; audio?: unknown } | null;
  if (d === null || typeof d !== 'object') return false;
  const some = (v: unknown) => (typeof v === 'string' ? v !== '' : Array.isArray(v) ? v.length > 0 : v !== null && typeof v === 'object');
  return some(d.content) || some(d.refusal) || some(d.tool_calls) || some(d.function_call) || some(d.audio);
}

/**
 * Whether a stream event that went through to the caller showed output. Every event does but a
 * lifecycle one: an event that carries its response (response.created, response.in_progress, ...)
 * shows output only when the response holds some, where the stream surface's replay facts say;
 * a chat chunk only when a choice's delta carries text, a refusal, a tool call or audio (the first
 * chunk sets the role alone, the last may carry usage alone).
 */
export function eventShowsOutput(tables: ObjectTables, event: unknown): boolean {
  try {
    if (readString(event, ['object']) === 'chat.completion.chunk') {
      const choices = readAt(event, ['choices']);
      return Array.isArray(choices) && choices.some((c: unknown) => deltaShows(readAt(c, ['delta'])));
    }
    const response = readAt(event, ['response']);
    if (response === null || typeof response !== 'object') return true;
    const stream = indexOf(tables).surfaces.get('response.stream');
    return stream === undefined || holdsOutput(event, stream.spec.replay.output);
  } catch {
    return true; // an event that cannot be read may have shown anything
  }
}

/** The index's view of the statuses that mean running on a surface (polling reads it). */
export function runningStatuses(tables: ObjectTables, surface: string): ReadonlySet<string> {
  const s = indexOf(tables).surfaces.get(surface);
  const out = new Set<string>();
  for (const [status, kind] of s?.kinds ?? []) if (kind === 'running') out.add(status);
  return out;
}

/** A backoff profile by name. */
export function backoffProfile(tables: ObjectTables, name: string): BackoffProfile {
  return profileOf(indexOf(tables), name);
}
