/**
 * streamBackgroundResponse: a background response's stream events that survive a dropped or
 * stalled connection. Every event of a background response carries a sequence_number; when the
 * connection drops (or no event comes for stallMs), the stream is picked up again with
 * `responses.retrieve(id, { stream: true, starting_after })`, the server's resume, instead of a
 * second `create` (a second run, billed again). Events are yielded once each, in order; a failed
 * response ends in its typed error, as with raiseForStreamEvents. A drop before the response's id
 * is known (before `response.created`) leaves nothing to resume: that is a StreamDropError unless
 * the caller opts in to resubmitting.
 */
import { errorHintMs, profileDelayMs, type Clock } from './backoff.js';
import { backoffProfile, classifyErrorIn, eventShowsOutput, isTransportFailure, raiseIn, readString, type RaiseOptions } from './classify.js';
import { isOpenAIFailure } from './failure.js';
import type { Replay } from './failure-record.generated.js';
import { abortableSleep, checkFunction, checkNumber, type Sleep } from './limiter.js';
import type { RuntimeContext } from './poll.js';
import { budgetOf, limiterOf, type Budget, type Limiter, type LimiterStore } from './store.js';


/**
 * What streamBackgroundResponse calls on an openai client (`client.responses.create` with
 * `background` and `stream`, `retrieve` with `stream` and `starting_after`, and `cancel` with
 * cancelOnAbort), each answering an async iterable of events.
 */
export interface ResumableClient {
  readonly responses: {
    /** Creates the response: called as `create({ ...params, background: true, stream: true }, { signal })`. */
    create(body: never, options?: { readonly signal?: AbortSignal }): PromiseLike<unknown>;
    /** Resumes its stream: called as `retrieve(id, { stream: true, starting_after }, { signal })`. */
    retrieve(id: string, query: never, options?: { readonly signal?: AbortSignal }): PromiseLike<unknown>;
    /** Used only with cancelOnAbort. */
    cancel?(id: string, options?: { readonly signal?: AbortSignal }): PromiseLike<unknown>;
  };
}

/** Where the stream comes from: a new background response, or one already created. */
export type StreamSource =
  | { readonly create: Readonly<Record<string, unknown>> }
  | {
      readonly responseId: string;
      /** Resume after this sequence_number (default: from the start). */
      readonly startingAfter?: number;
    };

/** What onReconnect is told before each wait. */
export interface ReconnectEvent {
  /** Reconnects in a row, this one included (1 for the first after a run of events). */
  readonly attempt: number;
  /** The response being resumed; undefined for a resubmission (the drop came before its id). */
  readonly responseId: string | undefined;
  /** The last sequence_number yielded (-1: none); the stream resumes after it. */
  readonly after: number;
  /** What ended the connection: its error, a StreamStallError, or undefined for a stream that ended early. */
  readonly error: unknown;
  readonly delayMs: number;
}

/** Options of streamBackgroundResponse. */
export interface ResumeOptions extends Clock, RaiseOptions {
  readonly signal?: AbortSignal;
  /** With `signal`: cancel the background response when the caller aborts (default false). */
  readonly cancelOnAbort?: boolean;
  /** A connection with no event for this long is given up and resumed, ms (default 60,000; Infinity for never). */
  readonly stallMs?: number;
  /** Reconnects in a row before giving up (default: the registry's poll-fault profile's maxAttempts). */
  readonly maxReconnects?: number;
  /**
   * When the connection drops before the response's id is known: create the response again
   * (a second run, which may repeat billed work: see StreamDropError.replay). Default false.
   */
  readonly resubmit?: boolean;
  /** The limiter each (re)connection takes a slot from; `false` for none. Default: the store's limiter of `limiterKey`. */
  readonly limiter?: Limiter | false;
  /** The budget reconnections spend from (a connection error's cost); `false` for none. Default: the store's. */
  readonly budget?: Budget | false;
  readonly limiterKey?: string;
  readonly store?: LimiterStore;
  /** Called before each reconnect's wait. */
  readonly onReconnect?: (event: ReconnectEvent) => void;
  readonly sleep?: Sleep;
}

/** No event came for stallMs: the connection is given up (and resumed). */
export class StreamStallError extends Error {
  override readonly name = 'StreamStallError';
  constructor(readonly stallMs: number) {
    super(`no stream event for ${stallMs} ms`);
  }
}

/**
 * The stream cannot go on: it dropped before the response's id was known (and resubmit was not
 * asked for), too many reconnects in a row failed, or the budget could not pay for one. `replay`
 * says what creating the response again would repeat.
 */
export class StreamDropError extends Error {
  override readonly name = 'StreamDropError';
  constructor(
    message: string,
    readonly responseId: string | undefined,
    /** The last sequence_number yielded (-1: none). */
    readonly after: number,
    readonly replay: Replay,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The events after which a response's stream has nothing more to send. */
const isTerminal = (type: unknown): boolean => type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete' || type === 'error';

function sequenceOf(event: unknown): number | undefined {
  const n = (event as { sequence_number?: unknown } | null)?.sequence_number;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** The next item, or a StreamStallError (aborting the connection) when none comes within `ms`. */
function nextWithin<T>(it: AsyncIterator<T>, ms: number, controller: AbortController): Promise<IteratorResult<T>> {
  if (!Number.isFinite(ms)) return it.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new StreamStallError(ms);
      controller.abort(e);
      reject(e);
    }, ms);
  });
  return Promise.race([it.next(), stalled]).finally(() => clearTimeout(timer));
}

function checkResumeOptions(options: ResumeOptions): void {
  checkNumber('stallMs', options.stallMs, { above: true, finite: false });
  if (options.maxReconnects !== undefined && !(Number.isInteger(options.maxReconnects) && options.maxReconnects >= 0)) throw new TypeError(`maxReconnects must be a non-negative integer, got ${String(options.maxReconnects)}`);
  for (const name of ['onReconnect', 'sleep', 'now', 'random'] as const) checkFunction(name, options[name]);
  for (const name of ['resubmit', 'cancelOnAbort'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${typeof options[name]}`);
  }
}

/**
 * Streams a background response's events (see the module comment): creates it from
 * `source.create` (with `background` and `stream` set) or resumes `source.responseId`, and on a
 * drop or a stall reconnects after the last sequence_number seen, with the registry's poll-fault
 * backoff, a slot from the limiter and a connection error's cost from the retry budget.
 */
export async function* streamBackgroundResponseIn<E = unknown>(ctx: RuntimeContext, client: ResumableClient, source: StreamSource, options: ResumeOptions = {}): AsyncGenerator<E, void, undefined> {
  checkResumeOptions(options);
  const creating = 'create' in source;
  if (creating ? source.create === null || typeof source.create !== 'object' : typeof source.responseId !== 'string' || source.responseId === '') throw new TypeError('source must be { create: params } or { responseId: "resp_..." }');
  const profile = backoffProfile(ctx.tables, ctx.tables.polling.faultBackoff);
  const maxReconnects = options.maxReconnects ?? profile.maxAttempts;
  const stallMs = options.stallMs ?? 60_000;
  const limiter = limiterOf(options);
  const budget = budgetOf(options);
  const sleep = options.sleep ?? abortableSleep;
  const signal = options.signal;
  let id = creating ? undefined : source.responseId;
  let after = creating ? -1 : (source.startingAfter ?? -1);
  let delivered = false;
  let reconnects = 0;
  let finished = false;
  const replay = (): Replay => ({ mayHaveBilled: true, outputDelivered: delivered, continuesConversation: creating && readString(source.create, ['previous_response_id']) !== undefined });
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      let failure: unknown;
      let ended = false;
      try {
        const sentAt = limiter === false ? undefined : await limiter.acquire(controller.signal);
        let stream: unknown;
        try {
          const request = { signal: controller.signal };
          stream =
            id === undefined
              ? await client.responses.create({ ...(source as { create: object }).create, background: true, stream: true } as never, request)
              : await client.responses.retrieve(id, (after >= 0 ? { stream: true, starting_after: after } : { stream: true }) as never, request);
          if (limiter !== false) limiter.recordSuccess(sentAt);
        } catch (e) {
          failure = e;
        }
        if (failure === undefined) {
          if (!isAsyncIterable(stream)) throw new TypeError('the client answered no event stream (is it an openai client?)');
          const it = (stream as AsyncIterable<E>)[Symbol.asyncIterator]();
          try {
            for (;;) {
              const next = await nextWithin(it, stallMs, controller);
              if (next.done === true) break;
              const event = next.value;
              const seq = sequenceOf(event);
              // A resumed stream starts after `after`; anything at or before it was yielded already.
              if (seq !== undefined && seq <= after) continue;
              id ??= readString(event, ['response', 'id']);
              raiseIn(ctx, event, delivered ? { ...options, outputDelivered: true } : options);
              if (seq !== undefined) after = seq;
              reconnects = 0;
              const type = (event as { type?: unknown } | null)?.type;
              yield event;
              delivered ||= eventShowsOutput(ctx.tables, event);
              if (isTerminal(type)) {
                finished = true;
                return;
              }
            }
            ended = true;
          } catch (e) {
            if (isOpenAIFailure(e) || signal?.aborted) throw e;
            failure = e;
          } finally {
            void Promise.resolve(it.return?.()).catch(() => undefined);
          }
        }
      } finally {
        signal?.removeEventListener('abort', onAbort);
        controller.abort();
      }
      if (signal?.aborted) throw signal.reason;
      // A refusal (not a dropped or unreadable connection) that the registry does not call retryable ends the stream.
      const facts = failure === undefined || failure instanceof StreamStallError || isTransportFailure(failure) ? undefined : classifyErrorIn(ctx.tables, failure);
      if (facts !== undefined && !facts.retryable) throw failure;
      if (id === undefined && options.resubmit !== true) {
        throw new StreamDropError('the stream dropped before the response was created (no id to resume); pass resubmit: true to create it again', id, after, replay(), { cause: failure });
      }
      if (++reconnects > maxReconnects) throw new StreamDropError(`the stream dropped and ${maxReconnects} reconnects in a row failed`, id, after, replay(), { cause: failure });
      if (budget !== false && !(await budget.tryAcquire(budget.connectionCost))) throw new StreamDropError('the stream dropped and the retry budget cannot pay for a reconnect', id, after, replay(), { cause: failure });
      const hint = failure === undefined ? undefined : errorHintMs(failure, options, ctx.tables.hints);
      if (limiter !== false && facts?.status === 429) limiter.recordThrottle(hint);
      const delayMs = profileDelayMs(facts?.backoff ?? profile, reconnects, { ...options, hintMs: hint });
      options.onReconnect?.({ attempt: reconnects, responseId: id, after, error: ended ? undefined : failure, delayMs });
      if (delayMs > 0) await sleep(delayMs, signal);
    }
  } finally {
    if (!finished && signal?.aborted && options.cancelOnAbort === true && id !== undefined) {
      await Promise.resolve(client.responses.cancel?.(id)).catch(() => undefined);
    }
  }
}
