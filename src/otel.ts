/**
 * OpenTelemetry for retries and pacing: metrics, and span events on the active span.
 *
 *   import * as otel from '@opentelemetry/api';
 *   import { instrumentRetries } from 'openai-error-registry/otel';
 *   const telemetry = instrumentRetries(otel); // telemetry.stop() to detach
 *
 * It takes the `@opentelemetry/api` module you already have (or a Meter, and the api's `trace`),
 * typed by shape: no dependency. Every withRetry call in the process reports to it (through
 * addRetryObserver); nothing else changes, and nothing here loads unless you import this subpath.
 *
 * Metrics (the attribute names `error.type` and `http.response.status_code` are OpenTelemetry's
 * semantic conventions; the rest are this package's, under `openai_error_registry.`):
 * - `openai_error_registry.attempts`, `.retries`, `.throttles` (attempts answered 429) and
 *   `.give_ups` (with `openai_error_registry.give_up_reason`): monotonic counters, kept here and
 *   read by the SDK at each collection (asynchronous counters), so counting costs a map lookup;
 * - `openai_error_registry.pacing.wait`: a histogram of the seconds an attempt waited for its
 *   slot, for the attempts that waited (0.5 ms or more);
 * - `openai_error_registry.limiter.rate`: a gauge of each process-wide limiter key's learned rate
 *   (requests/s; keys that pace nothing yet are not reported).
 * Every instrument carries `openai_error_registry.limiter_key`; failures carry `error.type` (the
 * registry class, or the error's own name when the registry has none), `openai_error_registry.code`
 * and `http.response.status_code` when known. Each retry and give-up is also an event on the
 * active span (`openai_error_registry.retry`, `openai_error_registry.give_up`) with those and the
 * attempt. No prompt, output, message or API key ever becomes an attribute.
 */
import type { FailureFacts } from './classify.js';
import { limiterSnapshots } from './limiter.js';
import { addRetryObserver, type AttemptEvent, type RetryObserver } from './observe.js';

/** Attribute values as OpenTelemetry takes them. */
export type Attributes = Record<string, string | number | boolean>;

/** What an asynchronous instrument's callback reports to. */
export interface ObservableResult {
  /** Reports one value with its attributes. */
  observe(value: number, attributes?: Attributes): void;
}

/** An asynchronous OpenTelemetry instrument, read by the SDK at each collection. */
export interface ObservableLike {
  /** Adds a callback the SDK calls at each collection. */
  addCallback(callback: (result: ObservableResult) => void): void;
  /** Removes a callback. */
  removeCallback(callback: (result: ObservableResult) => void): void;
}

/** Options of an OpenTelemetry instrument. */
export interface InstrumentOptions {
  readonly description?: string;
  readonly unit?: string;
}

/** An OpenTelemetry Histogram, as far as this module uses it. */
export interface HistogramLike {
  /** Records one value with its attributes. */
  record(value: number, attributes?: Attributes): void;
}

/** The api's `metrics`. */
export interface MetricsApiLike {
  /** The Meter of an instrumentation scope. */
  getMeter(name: string, version?: string): MeterLike;
}

/** The api's `trace`. */
export interface TraceApiLike {
  /** The span of the active context, if any. */
  getActiveSpan(): SpanLike | undefined;
}

/** An OpenTelemetry Meter, as far as this module uses it. */
export interface MeterLike {
  /** A monotonic sum read at each collection. */
  createObservableCounter(name: string, options?: InstrumentOptions): ObservableLike;
  /** A histogram. */
  createHistogram(name: string, options?: InstrumentOptions): HistogramLike;
  /** A gauge read at each collection. */
  createObservableGauge(name: string, options?: InstrumentOptions): ObservableLike;
}

/** An OpenTelemetry Span, as far as this module uses it. */
export interface SpanLike {
  /** Adds a timestamped event. */
  addEvent(name: string, attributes?: Attributes): unknown;
}

/** The `@opentelemetry/api` module, or the parts of it this module uses. */
export interface TelemetryApi {
  /** The api's `metrics` (its global MeterProvider); ignored when `meter` is given. */
  readonly metrics?: MetricsApiLike;
  /** A Meter of your own. */
  readonly meter?: MeterLike;
  /** The api's `trace`, for span events on the active span; without it, no span events. */
  readonly trace?: TraceApiLike;
}

/** What instrumentRetries returns. */
export interface RetryTelemetry {
  /** Detaches: no more metrics or span events from this instrumentation. */
  stop(): void;
}

const PREFIX = 'openai_error_registry';

/** Waits shorter than this are admissions at once, not recorded in the pacing histogram, ms. */
const MIN_WAIT_MS = 0.5;

/** What names a failure in attributes: the registry class (or the error's own class), its code and HTTP status. */
interface FailureName {
  readonly type: string;
  readonly code: string | undefined;
  readonly status: number | undefined;
  /** The three as one string, to key counts by. */
  readonly id: string;
}

function failureName(error: unknown, facts: FailureFacts | undefined): FailureName {
  let type: unknown = facts?.class;
  let status: unknown = facts?.status;
  try {
    // openai's errors keep the name "Error": their class tells them apart (APIConnectionError).
    if (type === undefined && error instanceof Error) type = error.name === 'Error' ? error.constructor.name : error.name;
    status ??= (error as { status?: unknown } | null)?.status;
  } catch {
    // an error whose fields throw is named by what could be read
  }
  const name = typeof type === 'string' && type !== '' ? type : '_OTHER';
  const code = typeof facts?.code === 'string' ? facts.code : undefined;
  const s = typeof status === 'number' && Number.isInteger(status) ? status : undefined;
  return { type: name, code, status: s, id: `${name}\u0000${code ?? ''}\u0000${s ?? ''}` };
}

function failureAttributes(key: string, f: FailureName | undefined, extra?: Attributes): Attributes {
  const attributes: Attributes = { [`${PREFIX}.limiter_key`]: key, ...extra };
  if (f === undefined) return attributes;
  attributes['error.type'] = f.type;
  if (f.code !== undefined) attributes[`${PREFIX}.code`] = f.code;
  if (f.status !== undefined) attributes['http.response.status_code'] = f.status;
  return attributes;
}

/**
 * Counts kept here, one per set of attributes, and read by the SDK at each collection
 * (observable counters): an event costs a map lookup, not the SDK's attribute hashing.
 */
class Tally {
  readonly #entries = new Map<string, { readonly attributes: Attributes; value: number }>();

  add(id: string, attributes: () => Attributes): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined) entry.value++;
    else this.#entries.set(id, { attributes: attributes(), value: 1 });
  }

  readonly observe = (result: ObservableResult): void => {
    for (const { attributes, value } of this.#entries.values()) result.observe(value, attributes);
  };
}

/** Starts reporting every withRetry call of the process to OpenTelemetry (see the module comment). */
export function instrumentRetries(api: TelemetryApi): RetryTelemetry {
  if (api === null || typeof api !== 'object') throw new TypeError('instrumentRetries needs the @opentelemetry/api module, or { meter, trace }');
  const meter = api.meter ?? api.metrics?.getMeter('openai-error-registry');
  if (meter === undefined || typeof meter.createObservableCounter !== 'function') throw new TypeError('instrumentRetries needs a Meter: pass the @opentelemetry/api module, or { meter }');
  const trace = api.trace;
  if (trace !== undefined && typeof trace.getActiveSpan !== 'function') throw new TypeError('trace must be the @opentelemetry/api trace object (with getActiveSpan)');
  const counter = (name: string, description: string, unit: string) => {
    const tally = new Tally();
    const instrument = meter.createObservableCounter(`${PREFIX}.${name}`, { description, unit });
    instrument.addCallback(tally.observe);
    return { tally, stop: () => instrument.removeCallback(tally.observe) };
  };
  const attempts = counter('attempts', 'Attempts withRetry made, first calls included', '{attempt}');
  const retries = counter('retries', 'Attempts withRetry resubmitted after a failure', '{retry}');
  const throttles = counter('throttles', 'Attempts answered 429', '{attempt}');
  const giveUps = counter('give_ups', 'withRetry calls that stopped retrying and rethrew', '{call}');
  const waits = meter.createHistogram(`${PREFIX}.pacing.wait`, { description: 'Time an attempt that had to wait for its slot from the rate limiter waited', unit: 's' });
  const rate = meter.createObservableGauge(`${PREFIX}.limiter.rate`, { description: "Each limiter key's learned rate", unit: '{request}/s' });
  const observeRates = (result: ObservableResult) => {
    for (const { key, state } of limiterSnapshots()) if (Number.isFinite(state.rate)) result.observe(state.rate, { [`${PREFIX}.limiter_key`]: key });
  };
  rate.addCallback(observeRates);
  const spanEvent = (name: string, attributes: Attributes) => {
    try {
      trace?.getActiveSpan()?.addEvent(name, attributes);
    } catch {
      // a tracer that fails does not fail the call
    }
  };
  const idOf = (key: string, f: FailureName | undefined, extra = '') => (f === undefined ? key : `${key}\u0000${f.id}\u0000${extra}`);
  // A failed attempt is followed by its retry or give-up, for the same error: it is named once.
  let lastError: unknown;
  let lastName: FailureName | undefined;
  const nameOf = (error: unknown, facts: FailureFacts | undefined): FailureName => {
    if (lastName === undefined || error !== lastError) {
      lastName = failureName(error, facts);
      lastError = error;
    }
    return lastName;
  };
  const observer: RetryObserver = {
    attempt(e: AttemptEvent) {
      const f = e.error === undefined ? undefined : (lastName = undefined, nameOf(e.error, e.facts));
      attempts.tally.add(idOf(e.limiterKey, f), () => failureAttributes(e.limiterKey, f));
      if (f?.status === 429) throttles.tally.add(e.limiterKey, () => failureAttributes(e.limiterKey, undefined));
      // An attempt admitted at once did not wait (a resolved slot takes microseconds).
      if (e.pacedMs >= MIN_WAIT_MS) waits.record(e.pacedMs / 1000, { [`${PREFIX}.limiter_key`]: e.limiterKey });
    },
    retry(e) {
      const f = nameOf(e.error, e.facts);
      retries.tally.add(idOf(e.limiterKey, f), () => failureAttributes(e.limiterKey, f));
      if (trace !== undefined) spanEvent(`${PREFIX}.retry`, failureAttributes(e.limiterKey, f, { [`${PREFIX}.attempt`]: e.attempt, [`${PREFIX}.delay_ms`]: e.delayMs }));
    },
    giveUp(e) {
      const f = nameOf(e.error, e.facts);
      const reason = { [`${PREFIX}.give_up_reason`]: e.reason };
      giveUps.tally.add(idOf(e.limiterKey, f, e.reason), () => failureAttributes(e.limiterKey, f, reason));
      if (trace !== undefined) spanEvent(`${PREFIX}.give_up`, failureAttributes(e.limiterKey, f, { ...reason, [`${PREFIX}.attempt`]: e.attempt }));
    },
  };
  const remove = addRetryObserver(observer);
  return {
    stop() {
      remove();
      rate.removeCallback(observeRates);
      for (const c of [attempts, retries, throttles, giveUps]) c.stop();
    },
  };
}
