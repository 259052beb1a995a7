/**
 * The base every generated error class is built from: a mixin over the openai SDK class the
 * registry names, so a failure is `instanceof RateLimitError` (or whichever class) and
 * `instanceof APIError`, and also carries the registry's facts about its code.
 */
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from 'openai/core/error';
import type { BackoffProfile } from './spec.js';

/** Brand shared by every copy of this package, so guards work across duplicate installs. */
export const FAILURE_BRAND: unique symbol = Symbol.for('openai-error-registry.failure') as never;

/** What made the object a failure: its status (failed, expired, incomplete) or an error event. */
export type FailureKind = 'failed' | 'expired' | 'incomplete' | 'error_event' | 'http';

/** Everything a failure error is built from. */
export interface FailureInit {
  /** The code as the API sent it (null when it sent none). */
  readonly code: string | null;
  readonly message: string;
  readonly type?: string | undefined;
  readonly surface: string;
  readonly kind: FailureKind;
  readonly retryable: boolean;
  readonly backoff: BackoffProfile;
  /** Whether the registry knows the code (false: the registry's default class was used). */
  readonly known: boolean;
  /** The object that reported the failure, as given (never copied or changed). */
  readonly failedObject: unknown;
  readonly objectId: string | undefined;
  readonly headers?: Headers | undefined;
}

/** The fields every registry error carries besides those of openai's APIError. */
export interface OpenAIFailure {
  readonly [FAILURE_BRAND]: true;
  readonly code: string | null;
  readonly retryable: boolean;
  readonly backoff: BackoffProfile;
  readonly surface: string;
  readonly kind: FailureKind;
  readonly known: boolean;
  readonly failedObject: unknown;
  readonly objectId: string | undefined;
  /** The HTTP status the transport answered with: 200, the failure was reported in a body or stream. */
  readonly transportStatus: number | undefined;
  toJSON(): FailureJSON;
}

/** The log-safe form of a failure: no headers, no raw object. */
export interface FailureJSON {
  readonly name: string;
  readonly code: string | null;
  readonly retryable: boolean;
  readonly surface: string;
  readonly kind: FailureKind;
  readonly known: boolean;
  readonly status: number | undefined;
  readonly transportStatus: number | undefined;
  readonly objectId: string | undefined;
  readonly requestID: string | null | undefined;
  readonly message: string;
}

/** The status each openai HTTP error class stands for; APIError itself stands for none. */
const NOMINAL_STATUS = new Map<unknown, number>([
  [BadRequestError, 400],
  [AuthenticationError, 401],
  [PermissionDeniedError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [UnprocessableEntityError, 422],
  [RateLimitError, 429],
  [InternalServerError, 500],
]);

function nominalStatus(base: unknown): number | undefined {
  for (let c = base; typeof c === 'function' && c !== APIError; c = Object.getPrototypeOf(c)) {
    const status = NOMINAL_STATUS.get(c);
    if (status !== undefined) return status;
  }
  return undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the TypeScript mixin pattern requires any[]
type APIErrorClass = abstract new (...args: any[]) => APIError;

/**
 * Builds the class a generated error extends: `Base` (an openai error class) plus the registry's
 * fields, with `name` fixed on the prototype (minifiers rename classes; openai leaves "Error").
 */
export function failureClass<TBase extends APIErrorClass>(Base: TBase, name: string): FailureBase<InstanceType<TBase>> {
  const status = nominalStatus(Base);
  abstract class Failure extends Base implements OpenAIFailure {
    declare readonly [FAILURE_BRAND]: true;
    /** The code as the API sent it; null when it sent none. */
    declare readonly code: string | null;
    readonly retryable: boolean;
    readonly backoff: BackoffProfile;
    readonly surface: string;
    readonly kind: FailureKind;
    readonly known: boolean;
    readonly failedObject: unknown;
    readonly objectId: string | undefined;
    readonly transportStatus: number | undefined;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mixin constructor signature
    constructor(...args: any[]) {
      const init = args[0] as FailureInit;
      const body = { code: init.code, message: init.message, type: init.type, param: null };
      super(status, body, init.message, init.headers ?? new Headers());
      this.message = describe(init);
      this.retryable = init.retryable;
      this.backoff = init.backoff;
      this.surface = init.surface;
      this.kind = init.kind;
      this.known = init.known;
      this.failedObject = init.failedObject;
      this.objectId = init.objectId;
      this.transportStatus = 200;
    }

    toJSON(): FailureJSON {
      return {
        name: this.name,
        code: this.code ?? null,
        retryable: this.retryable,
        surface: this.surface,
        kind: this.kind,
        known: this.known,
        status: this.status,
        transportStatus: this.transportStatus,
        objectId: this.objectId,
        requestID: this.requestID,
        message: this.message,
      };
    }
  }
  Object.defineProperty(Failure.prototype, 'name', { value: name, writable: true, configurable: true });
  Object.defineProperty(Failure.prototype, FAILURE_BRAND, { value: true });
  // The mixin's own constructor type is `(...args: any[])`; expose the one it really takes.
  return Failure as unknown as FailureBase<InstanceType<TBase>>;
}

/** The constructor a generated class extends: an openai error class plus the registry fields. */
export type FailureBase<TInstance extends APIError> = abstract new (init: FailureInit) => TInstance & OpenAIFailure;

function describe(init: FailureInit): string {
  const what = init.kind === 'incomplete' ? 'incomplete' : init.kind === 'error_event' ? 'error event' : init.kind;
  const code = init.code === null ? 'no code' : init.code;
  return `${init.surface} ${what} (${code}): ${init.message}`;
}

/** True for an error from any copy of this package (checks the shared brand, not the class). */
export function isOpenAIFailure(e: unknown): e is APIError & OpenAIFailure {
  return typeof e === 'object' && e !== null && (e as Partial<OpenAIFailure>)[FAILURE_BRAND] === true;
}

/** A generated error class: constructed by the runtime from a FailureInit. */
export type FailureClass = new (init: FailureInit) => APIError & OpenAIFailure;
