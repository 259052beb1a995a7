/**
 * Waiting for background work: waitForResponse polls a background response until it is terminal
 * and then raises for it; raiseForStreamEvents does the same for a stream, turning
 * response.failed and error events into typed errors. Which statuses mean "still running", the
 * intervals and the poll-after header are registry data (surfaces.response, polling).
 */
import { MAX_MESSAGE, backoffProfile, classifyErrorIn, eventShowsOutput, isApiErrorShaped, isConnectionError, isTransportFailure, raiseIn, raiseOnSurfaceIn, readString, runningStatuses, type RaiseOptions } from './classify.js';
import { errorHintMs, headersOf, profileDelayMs, type Clock } from './backoff.js';
import { isOpenAIFailure, type FailureClass } from './failure.js';
import { redactSecrets } from './redact.js';
import { MAX_TIMER_MS, abortableSleep, checkNumber } from './limiter.js';
import { limiterOf, type Limiter, type LimiterStore } from './store.js';
import { isPacedError, isPacedHeaders } from './pacing.js';
import type { RegistryTables } from './spec.js';

/** The surface a polled answer is read on. */
const RESPONSE_SURFACE = 'response';

/** Node's util.inspect hook. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** What the polling and stream helpers work from: a registry's tables and classes. */
export interface RuntimeContext {
  readonly tables: RegistryTables;
  readonly classes: Readonly<Record<string, FailureClass>>;
}

/** The headers of a poll's HTTP response (Web Headers fit). */
export interface PollHeaders {
  /** One header's value, or null when absent. */
  get(name: string): string | null;
}

/**
 * The part of an openai client that waitForResponse uses (openai 5, 6 and 7 all fit). `TData` is
 * what `responses.retrieve(id).withResponse()` resolves `data` to; TypeScript infers it from the
 * client's last `retrieve` overload (openai 7: `Response`; openai 5 and 6: `Response | Stream<...>`,
 * which {@link PolledResponse} narrows back to `Response`).
 */
export interface ResponsesClient<TData = unknown> {
  readonly responses: {
    /** openai's `client.responses.retrieve`: called as `retrieve(id, {}, { signal })`. */
    retrieve(id: string, query?: object, options?: { signal?: AbortSignal }): {
      /** The parsed response (`data`) and the HTTP response whose headers carry the poll-after hint. */
      withResponse(): Promise<{ data: TData; response: { headers: PollHeaders } }>;
    };
    /** Used only with `cancelOnAbandon`. */
    cancel?(id: string, options?: { signal?: AbortSignal }): PromiseLike<unknown>;
  };
}

/**
 * What waitForResponse resolves to for a client whose `retrieve` answers `TData`: the data without
 * the streaming overload's `Stream` (a poll never asks for a stream). For an openai client, its
 * `Response` type.
 */
export type PolledResponse<TData> = Exclude<TData, AsyncIterable<unknown>>;

/** Options of waitForResponse. */
export interface WaitOptions extends Clock, RaiseOptions {
  /** Interval between polls when the server sends no poll-after header (registry default: 1000). */
  readonly pollIntervalMs?: number;
  /** Upper bound on any interval, the header's included (registry default: 10000). */
  readonly maxPollIntervalMs?: number;
  /**
   * Give up after this long, with PollTimeoutError (default 30 minutes). A poll still hanging at the
   * deadline is aborted then; the last poll, made at the deadline, has FINAL_REQUEST_GRACE_MS to answer.
   */
  readonly timeoutMs?: number;
  /** Transient poll failures (network, 5xx, 429, unreadable or wrong bodies) tolerated in a row (default 5). */
  readonly maxPollFaults?: number;
  /**
   * Cancel the background response (responses.cancel) when the wait is abandoned on timeout or
   * abort, so it stops billing. The cancel may delay the error by up to FINAL_REQUEST_GRACE_MS;
   * if it fails, the error is thrown all the same.
   */
  readonly cancelOnAbandon?: boolean;
  /** Abandons the wait (with the signal's reason) when it aborts. */
  readonly signal?: AbortSignal;
  /** Waits `ms`; rejects when `signal` aborts. Default: a timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * The rate limiter each poll takes a slot from; `false` for none (as over a client whose fetch
   * is pacedFetch, which paces every poll). Default: the store's limiter of `limiterKey`.
   */
  readonly limiter?: Limiter | false;
  /** Which limiter of the store to use (default "default"). */
  readonly limiterKey?: string;
  /** Where the key's limiter lives (default memoryStore: this process). */
  readonly store?: LimiterStore;
  /** Called after every poll with the status seen. */
  readonly onPoll?: (status: string | undefined, polls: number) => void;
}

/** Thrown when a response is still not terminal at the deadline; the id is kept for later. */
export class PollTimeoutError extends Error {
  override readonly name = 'PollTimeoutError';
  constructor(
    readonly responseId: string,
    readonly lastStatus: string | undefined,
    readonly timeoutMs: number,
  ) {
    super(`response ${responseId} is still ${lastStatus ?? 'unknown'} after ${timeoutMs} ms`);
  }
}

/** Thrown when polling failed more times in a row than allowed; the id and the last cause are kept. */
export class PollFaultError extends Error {
  override readonly name = 'PollFaultError';
  constructor(
    readonly responseId: string,
    readonly lastStatus: string | undefined,
    readonly faults: number,
    options: { cause: unknown },
  ) {
    super(`polling response ${responseId} failed ${faults} times in a row (last status ${lastStatus ?? 'unknown'})`, options);
    // An own property, not a method with a computed key: that would keep the class in every bundle.
    Object.defineProperty(this, INSPECT, { value: inspectFault });
  }
}

/**
 * What console.log and util.inspect show of a PollFaultError: the fields, and the cause as a
 * registry error's record or a redacted line, since the cause (openai's error) can quote a key,
 * organization or project.
 */
function inspectFault(this: PollFaultError): unknown {
  const cause: unknown = this.cause;
  const shown = isOpenAIFailure(cause)
    ? cause.toJSON()
    : cause instanceof Error
      ? `${cause.name}: ${redactSecrets(cause.message.slice(0, MAX_MESSAGE))}`
      : typeof cause;
  const view = { name: this.name, message: this.message, responseId: this.responseId, lastStatus: this.lastStatus, faults: this.faults, cause: shown };
  return Object.assign(Object.create({ constructor: { name: this.name } }) as object, view);
}

/** How long a request made as a wait ends may take: the last poll, at the deadline, and the cancel of cancelOnAbandon. */
export const FINAL_REQUEST_GRACE_MS = 1000;

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  checkNumber(`waitForResponse: ${name}`, value, { finite: false });
  return value ?? fallback;
}

/** A poll answer that cannot be trusted: another response's id, or no status at all. */
class BadPollAnswer extends Error {}

/**
 * Polls `client.responses.retrieve(id)` until the response is terminal, then returns it through
 * raiseForFailedResponse (so a failed run throws its typed error). Honours the poll-after header
 * within maxPollIntervalMs; tolerates transient poll faults without losing the id; polls one last
 * time at the deadline, then throws PollTimeoutError; an abort throws the signal's reason.
 */
export async function waitForResponseIn<TData>(ctx: RuntimeContext, target: { readonly client: ResponsesClient<TData>; readonly id: string }, options: WaitOptions = {}): Promise<PolledResponse<TData>> {
  const { client, id } = target;
  const polling = ctx.tables.polling;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const interval = nonNegative('pollIntervalMs', options.pollIntervalMs, polling.intervalMs);
  const maxInterval = nonNegative('maxPollIntervalMs', options.maxPollIntervalMs, polling.maxIntervalMs);
  const timeoutMs = nonNegative('timeoutMs', options.timeoutMs, 30 * 60_000);
  const maxFaults = nonNegative('maxPollFaults', options.maxPollFaults, 5);
  const running = runningStatuses(ctx.tables, RESPONSE_SURFACE);
  if (running.size === 0) throw new TypeError('waitForResponse: the registry names no running status of a "response" surface');
  const faultProfile = { ...backoffProfile(ctx.tables, polling.faultBackoff), initialMs: Math.min(interval, maxInterval), maxMs: maxInterval };
  const deadline = now() + timeoutMs;
  let faults = 0;
  let polls = 0;
  let lastStatus: string | undefined;
  // Set once the wait has reached the deadline: the next poll is the last one.
  let last = false;

  const abandon = async (error: unknown): Promise<never> => {
    if (options.cancelOnAbandon === true && typeof client.responses.cancel === 'function') {
      try {
        await client.responses.cancel(id, { signal: AbortSignal.timeout(FINAL_REQUEST_GRACE_MS) });
      } catch {
        // the wait is abandoned either way; the caller gets the reason it was
      }
    }
    throw error;
  };
  const timedOut = () => new PollTimeoutError(id, lastStatus, timeoutMs);
  const limiter = limiterOf(options);
  // As in withRetry: once a poll's answer shows that pacedFetch paced it, the polls are paced there alone.
  let pacedUpstream = false;

  for (;;) {
    if (options.signal?.aborted) return abandon(options.signal.reason);
    // The poll itself is aborted at the deadline (or with the caller's signal), so a hanging
    // request cannot outlive the wait.
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // A poll begun before the deadline is aborted at it; the last one, begun at it, gets a grace.
    const bound = deadline - now();
    last ||= bound <= 0;
    // A deadline further than a timer can hold (about 24.8 days, or an infinite timeoutMs) sets none.
    const timer = last || bound <= MAX_TIMER_MS ? setTimeout(() => controller.abort(timedOut()), last ? FINAL_REQUEST_GRACE_MS : bound) : undefined;
    let poll: { polled: { data: TData; response: { headers: PollHeaders } } } | { failure: unknown } | undefined;
    let sentAt: number | undefined;
    try {
      // Polls take a slot from the process's rate limiter like every other attempt (none once an
      // answer shows the client's own fetch is paced), so a crowd of waiters cannot outrun the granted rate.
      if (limiter !== false && !pacedUpstream) {
        try {
          sentAt = await limiter.acquire(controller.signal);
        } catch (e) {
          // The deadline or the caller's abort while waiting for a slot ends the wait like any other.
          poll = { failure: controller.signal.aborted ? controller.signal.reason : e };
        }
      }
      poll ??= await client.responses
        .retrieve(id, {}, { signal: controller.signal })
        .withResponse()
        .then((polled) => ({ polled }), (failure: unknown) => ({ failure }));
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    let waitMs = 0;
    let fault: unknown;
    if ('polled' in poll) {
      // The poll that shows the fetch is paced upstream still settles the slot it took here.
      const { data, response } = poll.polled;
      const paced = isPacedHeaders(response.headers);
      if (limiter !== false && !pacedUpstream) {
        if (!paced) limiter.learnFromHeaders(response.headers, ctx.tables.hints);
        limiter.recordSuccess(sentAt);
      }
      pacedUpstream ||= paced;
      const status = readString(data, ['status']);
      const seenId = readString(data, ['id']);
      if (status === undefined || (seenId !== undefined && seenId !== id)) {
        fault = new BadPollAnswer(`poll of ${id} answered ${seenId ?? 'without an id'} with status ${status ?? 'none'}`);
      } else {
        polls++;
        faults = 0;
        lastStatus = status;
        options.onPoll?.(lastStatus, polls);
        if (!running.has(status)) {
          // The poll's own headers go on the error, so its request id is kept.
          return raiseOnSurfaceIn(ctx, RESPONSE_SURFACE, data as PolledResponse<TData>, response.headers instanceof Headers ? { ...options, headers: response.headers } : options);
        }
        const header = Number.parseFloat(response.headers.get(polling.afterHeader) ?? '');
        waitMs = Math.min(maxInterval, Math.max(0, Number.isFinite(header) ? header : interval));
      }
    } else {
      fault = poll.failure;
    }
    if (fault !== undefined) {
      if (options.signal?.aborted) return abandon(options.signal.reason);
      if (fault instanceof PollTimeoutError || controller.signal.reason instanceof PollTimeoutError) return abandon(timedOut());
      // Only a failed or untrustworthy poll lands here: a terminal response is never polled again.
      // A poll is a GET, so any network failure, the body's included, can be polled again.
      const unreadable = isTransportFailure(fault) || fault instanceof BadPollAnswer || fault instanceof SyntaxError;
      const facts = unreadable ? undefined : classifyErrorIn(ctx.tables, fault);
      const transient = facts === undefined ? unreadable : facts.retryable;
      if (!transient) throw fault;
      if (++faults > maxFaults) throw new PollFaultError(id, lastStatus, faults, { cause: fault });
      const hint = errorHintMs(fault, options, ctx.tables.hints);
      pacedUpstream ||= isPacedError(fault);
      if (limiter !== false && !pacedUpstream) {
        limiter.learnFromHeaders(headersOf(fault), ctx.tables.hints);
        if (facts?.status === 429) limiter.recordThrottle(hint, sentAt);
      }
      waitMs = Math.min(maxInterval, profileDelayMs(facts?.backoff ?? faultProfile, faults, { ...options, hintMs: hint }));
    }
    const left = deadline - now();
    if (last || left <= 0) return abandon(timedOut());
    // One last poll at the deadline rather than giving up before it.
    last = waitMs >= left;
    await sleep(Math.min(waitMs, left), options.signal).catch((e: unknown) => abandon(e));
  }
}

/** The items openai's Responses WebSocket iterator yields about the socket itself (`raw` repeats a frame it also yields parsed). */
const SOCKET_ITEMS: ReadonlySet<unknown> = new Set(['connecting', 'open', 'closing', 'close', 'reconnecting', 'reconnected', 'raw']);

/**
 * The API event a stream item carries, and whether it showed the caller output. openai's Responses
 * WebSocket iterator wraps each server event as { type: 'message', message }, and a server error
 * as { type: 'error', error } whose WebSocketError keeps the server's event on its own `error`
 * (without one it is the socket's own trouble, nothing to classify), besides items about the socket
 * itself; its Assistants stream yields { event, data }, where only the deltas show output. Anything
 * else is the event itself.
 */
function carried(ctx: RuntimeContext, item: unknown): { event: unknown; shows: boolean } {
  try {
    const o = item as { type?: unknown; message?: unknown; error?: unknown; event?: unknown; data?: unknown } | null;
    if (o !== null && typeof o === 'object') {
      if (SOCKET_ITEMS.has(o.type)) return { event: undefined, shows: false };
      if (o.type === 'message' && o.message !== null && typeof o.message === 'object') return { event: o.message, shows: eventShowsOutput(ctx.tables, o.message) };
      if (o.type === 'error' && o.error instanceof Error) {
        const server: unknown = (o.error as { error?: unknown }).error;
        return { event: server !== null && typeof server === 'object' ? server : undefined, shows: false };
      }
      if (typeof o.event === 'string' && o.data !== null && typeof o.data === 'object') return { event: o.data, shows: o.event.endsWith('.delta') };
    }
  } catch {
    // an item that cannot be read is classified as it is
  }
  return { event: item, shows: eventShowsOutput(ctx.tables, item) };
}

/**
 * Passes a stream's events through, throwing the typed error for a response.failed or error
 * event (and, with raiseOnIncomplete, for response.incomplete). An error event that openai's
 * own stream turned into a status-less APIError (from any copy of openai) is rethrown as the
 * registry's error.
 */
export async function* raiseForStreamEventsIn<T>(ctx: RuntimeContext, stream: AsyncIterable<T>, options: RaiseOptions = {}): AsyncGenerator<T, void, undefined> {
  // Once an event with output has gone through to the caller, a failure means resubmitting repeats output.
  let delivered = false;
  try {
    for await (const item of stream) {
      const { event, shows } = carried(ctx, item);
      raiseIn(ctx, event, delivered ? { ...options, outputDelivered: true } : options);
      yield item;
      delivered ||= shows;
    }
  } catch (e) {
    if (isOpenAIFailure(e)) throw e;
    if (isApiErrorShaped(e) && e.status === undefined && !isConnectionError(e) && e.error !== undefined) {
      const headers = e.headers instanceof Headers ? { headers: e.headers } : {};
      raiseIn(ctx, { type: 'error', error: e.error }, { ...options, ...headers, outputDelivered: delivered });
    }
    throw e;
  }
}
