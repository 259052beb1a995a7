/**
 * Waiting for background work: waitForResponse polls a background response until it is terminal
 * and then applies raiseForFailedResponse; raiseForStreamEvents does the same for a stream,
 * turning response.failed and error events into typed errors.
 */
import { APIConnectionError, APIError } from 'openai/core/error';
import { abortableSleep } from './retry.js';
import { profileDelayMs, type Clock } from './backoff.js';
import { readString, type FailureFacts, type RaiseOptions } from './classify.js';
import { isOpenAIFailure } from './failure.js';
import type { BackoffProfile } from './spec.js';

/** The part of an openai client that waitForResponse uses (openai 5, 6 and 7 all fit). */
export interface ResponsesClient {
  readonly responses: {
    retrieve(id: string, query?: object, options?: { signal?: AbortSignal }): {
      withResponse(): Promise<{ data: unknown; response: { headers: { get(name: string): string | null } } }>;
    };
  };
}

/** Options of waitForResponse. */
export interface WaitOptions extends Clock, RaiseOptions {
  /** Interval between polls when the server gives no openai-poll-after-ms header (default 1000). */
  readonly pollIntervalMs?: number;
  /** Upper bound on any interval, the header's included (default 10000). */
  readonly maxPollIntervalMs?: number;
  /** Give up after this long, with PollTimeoutError (default 30 minutes). */
  readonly timeoutMs?: number;
  /** Transient poll failures (network, 5xx, 429 on the poll itself) tolerated in a row (default 5). */
  readonly maxPollFaults?: number;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called after every poll with the status seen. */
  readonly onPoll?: (status: string | undefined, polls: number) => void;
}

/** Thrown when a response is still not terminal after `timeoutMs`; the id is kept for later. */
export class PollTimeoutError extends Error {
  override readonly name = 'PollTimeoutError';
  constructor(
    readonly responseId: string,
    readonly lastStatus: string | undefined,
    timeoutMs: number,
  ) {
    super(`response ${responseId} is still ${lastStatus ?? 'unknown'} after ${timeoutMs} ms`);
  }
}

/** Backoff for polls that failed to connect: from the poll interval up to the interval cap. */
function connectionBackoff(initialMs: number, maxMs: number): BackoffProfile {
  return { name: 'poll_connection', strategy: 'exponential', initialMs, maxMs, multiplier: 2, jitter: 'equal', maxAttempts: Number.POSITIVE_INFINITY, honourServerHints: false };
}

/** Statuses of a response that is still running; every other status is terminal. */
const RUNNING = new Set(['queued', 'in_progress']);

function statusOf(data: unknown): string | undefined {
  try {
    return readString(data, ['status']);
  } catch {
    return undefined;
  }
}

type Raise = <T>(obj: T, options?: RaiseOptions) => T;
type Classify = (e: unknown) => FailureFacts | undefined;
type Hint = (e: unknown, clock?: Clock) => number | undefined;

/** Builds waitForResponse and raiseForStreamEvents over a runtime's functions. */
export function createPolling(raiseForFailedResponse: Raise, classifyError: Classify, serverHintMs: Hint) {
  /** A poll that failed for a reason that another poll may not meet. */
  function transientPollFault(e: unknown): FailureFacts | 'connection' | undefined {
    if (e instanceof APIConnectionError) return 'connection';
    const facts = classifyError(e);
    return facts?.retryable ? facts : undefined;
  }

  /**
   * Polls `client.responses.retrieve(id)` until the response is terminal, then returns it through
   * raiseForFailedResponse (so a failed run throws its typed error). Honours the
   * openai-poll-after-ms header within maxPollIntervalMs; retries transient poll failures
   * without losing the id; stops on timeout (PollTimeoutError) or abort (the signal's reason).
   */
  async function waitForResponse<T = unknown>(client: ResponsesClient, id: string, options: WaitOptions = {}): Promise<T> {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? abortableSleep;
    const maxInterval = options.maxPollIntervalMs ?? 10_000;
    const timeoutMs = options.timeoutMs ?? 30 * 60_000;
    const maxFaults = options.maxPollFaults ?? 5;
    const started = now();
    let faults = 0;
    let polls = 0;
    let lastStatus: string | undefined;
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason;
      let waitMs: number;
      const poll = await client.responses
        .retrieve(id, {}, options.signal ? { signal: options.signal } : {})
        .withResponse()
        .then((polled) => ({ polled }), (failure: unknown) => ({ failure }));
      if ('failure' in poll) {
        // Only a failed poll lands here: a terminal response is never polled again.
        if (options.signal?.aborted) throw options.signal.reason;
        const fault = transientPollFault(poll.failure);
        if (fault === undefined || ++faults > maxFaults) throw poll.failure;
        const profile = fault === 'connection' ? connectionBackoff(options.pollIntervalMs ?? 1000, maxInterval) : fault.backoff;
        waitMs = Math.min(maxInterval, profileDelayMs(profile, faults, serverHintMs(poll.failure, options), options));
      } else {
        const { polled } = poll;
        polls++;
        faults = 0;
        lastStatus = statusOf(polled.data);
        options.onPoll?.(lastStatus, polls);
        if (lastStatus !== undefined && !RUNNING.has(lastStatus)) {
          // The poll's own headers go on the error, so its request id is kept.
          const headers = polled.response.headers instanceof Headers ? polled.response.headers : options.headers;
          return raiseForFailedResponse(polled.data as T, {
            ...(options.raiseOnIncomplete === undefined ? {} : { raiseOnIncomplete: options.raiseOnIncomplete }),
            ...(headers === undefined ? {} : { headers }),
          });
        }
        const header = Number.parseFloat(polled.response.headers.get('openai-poll-after-ms') ?? '');
        waitMs = Math.min(maxInterval, Math.max(0, Number.isFinite(header) ? header : (options.pollIntervalMs ?? 1000)));
      }
      if (now() - started + waitMs > timeoutMs) throw new PollTimeoutError(id, lastStatus, timeoutMs);
      await sleep(waitMs, options.signal);
    }
  }

  /**
   * Passes a stream's events through, throwing the typed error for a response.failed or error
   * event (and, with raiseOnIncomplete, for response.incomplete). An error event that openai's
   * own stream turned into a status-less APIError is rethrown as the registry's error.
   */
  async function* raiseForStreamEvents<T>(stream: AsyncIterable<T>, options: RaiseOptions = {}): AsyncGenerator<T, void, undefined> {
    try {
      for await (const event of stream) yield raiseForFailedResponse(event, options);
    } catch (e) {
      if (isOpenAIFailure(e)) throw e;
      if (e instanceof APIError && e.status === undefined && !(e instanceof APIConnectionError) && e.error !== undefined) {
        const headers = e.headers instanceof Headers ? { headers: e.headers } : {};
        raiseForFailedResponse({ type: 'error', error: e.error }, { ...options, ...headers });
      }
      throw e;
    }
  }

  return { waitForResponse, raiseForStreamEvents };
}
