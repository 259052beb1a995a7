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
 *   read by the SDK at each collection (asynchronous counters), so counting costs a few map
 *   lookups and an increment;
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
  return {
    type: typeof type === 'string' && type !== '' ? type : '_OTHER',
    code: typeof facts?.code === 'string' ? facts.code : undefined,
    status: typeof status === 'number' && Number.isInteger(status) ? status : undefined,
  };
}

/** A failure's attributes under `key` (literal keys: an object V8 keeps fast, built per span event too). */
function failureAttributes(key: string, f: FailureName | undefined): Attributes {
  const attributes: Attributes = { 'openai_error_registry.limiter_key': key };
  if (f === undefined) return attributes;
  attributes['error.type'] = f.type;
  if (f.code !== undefined) attributes['openai_error_registry.code'] = f.code;
  if (f.status !== undefined) attributes['http.response.status_code'] = f.status;
  return attributes;
}

/** The counts of one limiter key and one failure (or none: the successful attempts), with their attributes. */
interface Row {
  readonly key: string;
  readonly name: FailureName | undefined;
  readonly attributes: Attributes;
  attempts: number;
  retries: number;
  /** Give-ups by reason, with the reason among the attributes. */
  readonly giveUps: Map<string, { readonly attributes: Attributes; value: number }>;
}

/** The rows of one limiter key. */
interface KeyRows {
  readonly key: string;
  readonly successes: Row;
  /** Attempts answered 429, whatever the failure. */
  throttles: number;
  /** By error.type, then code, then status: strings the registry's tables already hold, so a lookup hashes nothing new. */
  readonly failures: Map<string, Map<string | undefined, Map<number | undefined, Row>>>;
}

const newRow = (key: string, name: FailureName | undefined): Row => ({ key, name, attributes: failureAttributes(key, name), attempts: 0, retries: 0, giveUps: new Map() });

/**
 * The counts, kept here and read by the SDK at each collection (observable counters): an event
 * costs a few map lookups of strings already hashed and an increment, not the SDK's attribute
 * hashing. The row of the last failure is remembered, so its retry or give-up finds it at once.
 */
class Counts {
  readonly #keys = new Map<string, KeyRows>();
  #lastError: unknown;
  #lastRow: Row | undefined;

  keyRows(key: string): KeyRows {
    let k = this.#keys.get(key);
    if (k === undefined) this.#keys.set(key, (k = { key, successes: newRow(key, undefined), throttles: 0, failures: new Map() }));
    return k;
  }

  /** The row of `error` under `key`, named once per error. */
  failure(k: KeyRows, error: unknown, facts: FailureFacts | undefined): Row {
    const last = this.#lastRow;
    if (last !== undefined && error === this.#lastError && last.key === k.key) return last;
    const f = failureName(error, facts);
    let byCode = k.failures.get(f.type);
    if (byCode === undefined) k.failures.set(f.type, (byCode = new Map()));
    let byStatus = byCode.get(f.code);
    if (byStatus === undefined) byCode.set(f.code, (byStatus = new Map()));
    let row = byStatus.get(f.status);
    if (row === undefined) byStatus.set(f.status, (row = newRow(k.key, f)));
    this.#lastError = error;
    this.#lastRow = row;
    return row;
  }

  *rows(): Generator<Row> {
    for (const k of this.#keys.values()) {
      yield k.successes;
      for (const byCode of k.failures.values()) for (const byStatus of byCode.values()) yield* byStatus.values();
    }
  }

  keys(): IterableIterator<KeyRows> {
    return this.#keys.values();
  }
}

/** Starts reporting every withRetry call of the process to OpenTelemetry (see the module comment). */
export function instrumentRetries(api: TelemetryApi): RetryTelemetry {
  if (api === null || typeof api !== 'object') throw new TypeError('instrumentRetries needs the @opentelemetry/api module, or { meter, trace }');
  const meter = api.meter ?? api.metrics?.getMeter('openai-error-registry');
  if (meter === undefined || typeof meter.createObservableCounter !== 'function') throw new TypeError('instrumentRetries needs a Meter: pass the @opentelemetry/api module, or { meter }');
  const trace = api.trace;
  if (trace !== undefined && typeof trace.getActiveSpan !== 'function') throw new TypeError('trace must be the @opentelemetry/api trace object (with getActiveSpan)');
  const counts = new Counts();
  const detach: (() => void)[] = [];
  const observable = (create: (name: string, options: InstrumentOptions) => ObservableLike, name: string, description: string, unit: string, observe: (result: ObservableResult) => void) => {
    const instrument = create.call(meter, `${PREFIX}.${name}`, { description, unit });
    instrument.addCallback(observe);
    detach.push(() => instrument.removeCallback(observe));
  };
  const counter = meter.createObservableCounter;
  observable(counter, 'attempts', 'Attempts withRetry made, first calls included', '{attempt}', (result) => {
    for (const row of counts.rows()) if (row.attempts > 0) result.observe(row.attempts, row.attributes);
  });
  observable(counter, 'retries', 'Attempts withRetry resubmitted after a failure', '{retry}', (result) => {
    for (const row of counts.rows()) if (row.retries > 0) result.observe(row.retries, row.attributes);
  });
  observable(counter, 'throttles', 'Attempts answered 429', '{attempt}', (result) => {
    for (const k of counts.keys()) if (k.throttles > 0) result.observe(k.throttles, k.successes.attributes);
  });
  observable(counter, 'give_ups', 'withRetry calls that stopped retrying and rethrew', '{call}', (result) => {
    for (const row of counts.rows()) for (const { value, attributes } of row.giveUps.values()) result.observe(value, attributes);
  });
  observable(meter.createObservableGauge, 'limiter.rate', "Each limiter key's learned rate", '{request}/s', (result) => {
    for (const { key, state } of limiterSnapshots()) if (Number.isFinite(state.rate)) result.observe(state.rate, { [`${PREFIX}.limiter_key`]: key });
  });
  const waits = meter.createHistogram(`${PREFIX}.pacing.wait`, { description: 'Time an attempt that had to wait for its slot from the rate limiter waited', unit: 's' });
  /** A span event named `name`: a row's attributes, the attempt, and one more. */
  const spanEvent = (name: string, row: Row, attempt: number, moreKey: string, moreValue: string | number) => {
    try {
      const span = trace?.getActiveSpan();
      if (span === undefined) return;
      const attributes = failureAttributes(row.key, row.name);
      attributes['openai_error_registry.attempt'] = attempt;
      attributes[moreKey] = moreValue;
      span.addEvent(name, attributes);
    } catch {
      // a tracer that fails does not fail the call
    }
  };
  const observer: RetryObserver = {
    attempt(e: AttemptEvent) {
      const k = counts.keyRows(e.limiterKey);
      if (e.error === undefined) k.successes.attempts++;
      else {
        const row = counts.failure(k, e.error, e.facts);
        row.attempts++;
        if (row.name?.status === 429) k.throttles++;
      }
      // An attempt admitted at once did not wait (a resolved slot takes microseconds).
      if (e.pacedMs >= MIN_WAIT_MS) waits.record(e.pacedMs / 1000, k.successes.attributes);
    },
    retry(e) {
      const row = counts.failure(counts.keyRows(e.limiterKey), e.error, e.facts);
      row.retries++;
      if (trace !== undefined) spanEvent('openai_error_registry.retry', row, e.attempt, 'openai_error_registry.delay_ms', e.delayMs);
    },
    giveUp(e) {
      const row = counts.failure(counts.keyRows(e.limiterKey), e.error, e.facts);
      const entry = row.giveUps.get(e.reason);
      if (entry !== undefined) entry.value++;
      else row.giveUps.set(e.reason, { attributes: { ...row.attributes, [`${PREFIX}.give_up_reason`]: e.reason }, value: 1 });
      if (trace !== undefined) spanEvent('openai_error_registry.give_up', row, e.attempt, 'openai_error_registry.give_up_reason', e.reason);
    },
  };
  const remove = addRetryObserver(observer);
  return {
    stop() {
      remove();
      for (const d of detach) d();
    },
  };
}
