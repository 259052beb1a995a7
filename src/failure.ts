/**
 * The base every generated error class is built from: a mixin over the openai SDK class the
 * registry names, so a failure is `instanceof RateLimitError` (or whichever class) and
 * `instanceof APIError`, and also carries the registry's facts about its code (FailureFacts,
 * whose shape is registry/failure-record.schema.json).
 */
import type { APIError } from 'openai/core/error';
import { FAILURE_FIELDS, type FailureFacts } from './failure-record.generated.js';
import type { BackoffProfile, CodeSpec, Outcome } from './spec.js';

/** Brand shared by every copy of this package, so guards work across duplicate installs. */
export const FAILURE_BRAND: unique symbol = Symbol.for('openai-error-registry.failure') as never;

/** What made the object a failure: its status (failed, expired, incomplete), an error event, or an HTTP error. */
export type FailureKind = FailureFacts['kind'];

/** Everything a failure error is built from. */
export interface FailureInit {
  readonly facts: FailureFacts;
  /** The object that reported the failure, as given (never copied or changed). */
  readonly failedObject: unknown;
  /** Headers of the HTTP response that carried it (for the request id). */
  readonly headers?: Headers | undefined;
}

/** The fields every registry error carries besides those of openai's APIError. */
export interface OpenAIFailure {
  /** The brand {@link isOpenAIFailure} checks, shared by every copy of this package. */
  readonly [FAILURE_BRAND]: true;
  /** The code as the API sent it; null when it sent none. */
  readonly code: string | null;
  /** Whether the registry knows the code; false means the surface's fallback class applied. */
  readonly known: boolean;
  /** The API surface that reported the failure (response, batch, http, ...). */
  readonly surface: string;
  /** What made the object a failure: a failed, expired or incomplete status, an error event, or an HTTP error. */
  readonly kind: FailureKind;
  /** The family of failures it belongs to (quota, rate_limit, server, ...); each has an `is...Failure` guard. */
  readonly category: string;
  /** Whether resubmitting the same request may succeed (never: polling the same object again). */
  readonly retryable: boolean;
  /** How long to wait between resubmissions, and how many to make. */
  readonly backoff: BackoffProfile;
  /** The id of the failed object (response, run, batch, ...) or of the batch line (custom_id). */
  readonly objectId: string | null;
  /** The HTTP status the transport answered with: 200, the failure was reported in a body or stream. */
  readonly transportStatus: number | null;
  /** Whether the code or message was cut to its bound (failedObject keeps the whole). */
  readonly truncated: boolean;
  /** Whether resubmitting could repeat work already billed or output already shown. */
  readonly replay: FailureFacts['replay'];
  /** Everything the registry said about this failure. */
  readonly facts: FailureFacts;
  /** The object that reported the failure, as given. Not enumerable, never logged. */
  readonly failedObject: unknown;
  /** The log-safe record (what console.log and JSON.stringify show): no headers, no failed object, secrets redacted. */
  toJSON(): FailureFacts;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern requires any[]
type APIErrorClass = abstract new (...args: any[]) => APIError;

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Fields served from the facts (the rest come from openai's APIError: code, type, status, message). */
const FROM_FACTS = ['known', 'surface', 'kind', 'category', 'retryable', 'backoff', 'objectId', 'transportStatus', 'truncated', 'replay'] as const satisfies readonly (keyof FailureFacts & keyof OpenAIFailure)[];

/**
 * Builds the class a generated error extends: `Base` (an openai error class) plus the registry's
 * fields, with `name` fixed on the prototype (minifiers rename classes; openai leaves "Error")
 * and `status` the nominal status of the base (429 for RateLimitError).
 */
export function failureClass<TBase extends APIErrorClass>(Base: TBase, name: string, nominalStatus: number | null): FailureBase<InstanceType<TBase>> {
  abstract class Failure extends Base {
    // Private, behind prototype getters: reachable, but never an own property that logs or JSON show.
    readonly #facts: FailureFacts;
    readonly #failedObject: unknown;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mixin constructor signature
    constructor(...args: any[]) {
      const init = args[0] as FailureInit | undefined;
      // Built by the runtime from a failed object; `new ServerError()` by hand says how instead.
      if (init === null || typeof init !== 'object' || init.facts === null || typeof init.facts !== 'object') {
        throw new TypeError(`${name} is built by the runtime: in a test, catch what raiseForFailedResponse throws for { object: 'response', status: 'failed', error: { code, message } }`);
      }
      const f = init.facts;
      const headers = init.headers ?? new Headers();
      // Headers third and fourth: openai's OAuthError takes (status, error, headers); the other
      // classes take (status, error, message, headers) and build the message from the error object
      // when it has one (it always does here; the message is set below anyway).
      super(f.kind === 'http' ? (f.status ?? undefined) : (nominalStatus ?? undefined), { code: f.code, message: f.message, type: f.type, param: null }, headers, headers);
      this.#facts = f;
      this.#failedObject = init.failedObject;
      this.message = describe(f);
    }

    /** Everything the registry said about this failure. */
    get facts(): FailureFacts {
      return this.#facts;
    }

    /** The object that reported the failure, as given. */
    get failedObject(): unknown {
      return this.#failedObject;
    }
  }
  const proto = Failure.prototype as unknown as Record<PropertyKey, unknown>;
  for (const field of FROM_FACTS) {
    Object.defineProperty(proto, field, {
      get(this: { facts: FailureFacts }) {
        return this.facts[field];
      },
      configurable: true,
    });
  }
  Object.defineProperty(proto, 'name', { value: name, writable: true, configurable: true });
  Object.defineProperty(Failure, 'name', { value: name });
  Object.defineProperty(proto, FAILURE_BRAND, { value: true });
  Object.defineProperty(proto, 'toJSON', { value: toJSON, writable: true, configurable: true });
  Object.defineProperty(proto, INSPECT, { value: inspect, writable: true, configurable: true });
  // The mixin's own constructor type is `(...args: any[])`; expose the one it really takes.
  return Failure as unknown as FailureBase<InstanceType<TBase>>;
}

/** The log-safe record of a failure: its facts, with the status and request id the error holds. */
function toJSON(this: APIError & { facts: FailureFacts }): FailureFacts {
  let f: FailureFacts;
  try {
    f = this.facts;
  } catch {
    return {} as FailureFacts; // only an instance has facts (a prototype printed by a debugger has none)
  }
  const record = {} as Record<(typeof FAILURE_FIELDS)[number], unknown>;
  for (const field of FAILURE_FIELDS) {
    record[field] = field === 'class' ? this.name : field === 'status' ? (this.status ?? null) : field === 'requestID' ? (this.requestID ?? null) : f[field];
  }
  return record as unknown as FailureFacts;
}

/** What console.log and util.inspect show: the same redacted record as toJSON, under the class name. */
function inspect(this: APIError & { facts: FailureFacts }, _depth: number, options: unknown, nodeInspect?: (value: unknown, options: unknown) => string): unknown {
  const record = toJSON.call(this);
  return typeof nodeInspect === 'function' ? `${this.name} ${nodeInspect(record, options)}` : record;
}

/** The constructor a generated class extends: an openai error class plus the registry fields. */
export type FailureBase<TInstance extends APIError> = abstract new (init: FailureInit) => TInstance & OpenAIFailure;

function describe(f: FailureFacts): string {
  const what = f.kind === 'incomplete' ? 'incomplete' : f.kind === 'error_event' ? 'error event' : f.kind;
  return `${f.surface} ${what} (${f.code ?? 'no code'}): ${f.message}`;
}

/** True for an error from any copy of this package (checks the shared brand, not the class). */
export function isOpenAIFailure(e: unknown): e is APIError & OpenAIFailure {
  return typeof e === 'object' && e !== null && (e as Partial<OpenAIFailure>)[FAILURE_BRAND] === true;
}

/** A generated error class: constructed by the runtime from a FailureInit. */
export type FailureClass = new (init: FailureInit) => APIError & OpenAIFailure;

/**
 * A class-name -> class table keyed by the name failureClass fixed on each class's prototype:
 * what the errors.ts that 0.5.2 generated builds CLASSES with (errors.ts now calls failureClasses).
 */
export function classTable<TName extends string>(classes: readonly FailureClass[]): Readonly<Record<TName, FailureClass>> {
  return Object.fromEntries(classes.map((c) => [(c.prototype as { name: string }).name, c])) as Record<TName, FailureClass>;
}

/** A generated error class: built from a FailureInit, an instance of openai's `TBase` and of OpenAIFailure, reporting `TCode`. */
export type RegistryErrorClass<TBase extends APIErrorClass, TCode extends string | null = string | null> = new (init: FailureInit) => InstanceType<TBase> & OpenAIFailure & { readonly code: TCode };

/**
 * Every class the tables name, each once with the first outcome that names it: each code's own
 * class, its refinements', its per-surface ones, code by code in key order, then the fallbacks'.
 */
export function classOutcomes(codes: Readonly<Record<string, CodeSpec>>, fallbacks: Readonly<Record<string, Outcome>>): Map<string, Outcome> {
  const named = new Map<string, Outcome>();
  const add = (o: Outcome) => named.has(o.class) || named.set(o.class, o);
  for (const spec of Object.values(codes)) {
    add(spec);
    for (const r of spec.refinements ?? []) add(r);
    for (const o of Object.values(spec.bySurface ?? {})) add(o as Outcome);
  }
  for (const f of Object.values(fallbacks)) add(f);
  return named;
}

/**
 * The classes a registry's tables name, by class name (errors.ts's CLASSES): each extends the
 * openai class of its outcome's nominal status (`byStatus`, keyed by the status, "null" for
 * none) unless `except` names its own, and keeps that status. The names and statuses are the
 * tables' own, so a class costs a bundle nothing more.
 */
export function failureClasses<TName extends string>(
  codes: Readonly<Record<string, CodeSpec>>,
  fallbacks: Readonly<Record<string, Outcome>>,
  byStatus: Readonly<Record<string, APIErrorClass>>,
  except: Readonly<Record<string, APIErrorClass>> = {},
): Readonly<Record<TName, FailureClass>> {
  const classes: Record<string, FailureClass> = {};
  for (const [name, o] of classOutcomes(codes, fallbacks)) {
    const Base = Object.hasOwn(except, name) ? except[name] : byStatus[String(o.status)];
    if (Base === undefined) throw new Error(`no openai class for ${name} (status ${String(o.status)})`);
    classes[name] = failureClass(Base, name, o.status) as unknown as FailureClass;
  }
  return classes as Record<TName, FailureClass>;
}

/** One class of a CLASSES table, typed as the generated class it is (errors.ts's exports). */
export function errorClass<TClass>(classes: Readonly<Record<string, FailureClass>>, name: string): TClass {
  return classes[name] as TClass;
}
