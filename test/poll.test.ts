import { APIConnectionError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter, PollFaultError, PollTimeoutError, ServerError, waitForResponse, type ResponsesClient } from '../src/index.ts';

/** A client whose retrieve() answers from a script: objects with optional poll-after headers, or errors. */
function fakeClient(script: ({ status: string; pollAfter?: string; error?: unknown } | Error)[]): ResponsesClient & { calls: string[]; cancelled: string[] } {
  const calls: string[] = [];
  const cancelled: string[] = [];
  return {
    calls,
    cancelled,
    responses: {
      async cancel(id: string) {
        cancelled.push(id);
      },
      retrieve(id: string) {
        calls.push(id);
        const next = script.length > 1 ? script.shift() : script[0];
        return {
          async withResponse() {
            if (next instanceof Error) throw next;
            const headers = new Headers(next?.pollAfter === undefined ? {} : { 'openai-poll-after-ms': next.pollAfter });
            return { data: { id, object: 'response', ...next }, response: { headers } };
          },
        };
      },
    },
  };
}

describe('waitForResponse', () => {
  it('sleeps what openai-poll-after-ms says, capped by maxPollIntervalMs, else pollIntervalMs', async () => {
    const sleeps: number[] = [];
    const client = fakeClient([{ status: 'queued', pollAfter: '250' }, { status: 'in_progress', pollAfter: '999999' }, { status: 'in_progress' }, { status: 'completed' }]);
    const result = await waitForResponse(client, 'resp_1', { sleep: async (ms) => void sleeps.push(ms), pollIntervalMs: 700, maxPollIntervalMs: 5000 });
    expect(result).toMatchObject({ status: 'completed' });
    expect(sleeps).toEqual([250, 5000, 700]);
    expect(client.calls).toEqual(['resp_1', 'resp_1', 'resp_1', 'resp_1']);
  });

  it('throws the typed error for a failed response without polling it again', async () => {
    const client = fakeClient([{ status: 'failed', error: { code: 'server_error', message: 'x' } }]);
    await expect(waitForResponse(client, 'resp_1', { sleep: async () => {} })).rejects.toBeInstanceOf(ServerError);
    expect(client.calls).toHaveLength(1);
  });

  it('reads a polled answer as a Response whatever its object field says: a failed one without `object: "response"` still throws', async () => {
    const client: ResponsesClient = {
      responses: {
        retrieve: (id: string) => ({ withResponse: async () => ({ data: { id, status: 'failed', error: { code: 'server_error', message: 'x' } }, response: { headers: new Headers() } }) }),
      },
    };
    const e = await waitForResponse(client, 'resp_1', { sleep: async () => {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServerError);
    expect(e).toMatchObject({ surface: 'response', code: 'server_error', retryable: true });
  });

  it('retries connection errors on the poll, up to maxPollFaults in a row, then throws PollFaultError with the id and the last cause', async () => {
    const drop = () => new APIConnectionError({ message: 'socket hang up' });
    const ok = fakeClient([drop(), drop(), { status: 'completed' }]);
    await expect(waitForResponse(ok, 'resp_1', { sleep: async () => {}, maxPollFaults: 2 })).resolves.toMatchObject({ status: 'completed' });
    const bad = fakeClient([{ status: 'queued' }, drop(), drop(), drop(), { status: 'completed' }]);
    const e = await waitForResponse(bad, 'resp_1', { sleep: async () => {}, maxPollFaults: 2 }).catch((x: unknown) => x);
    // v2: the wait fails with PollFaultError (the response id is kept), not with the raw connection error.
    expect(e).toBeInstanceOf(PollFaultError);
    expect(e).toMatchObject({ name: 'PollFaultError', responseId: 'resp_1', lastStatus: 'queued', faults: 3 });
    expect((e as Error).cause).toBeInstanceOf(APIConnectionError);
    expect(bad.calls).toHaveLength(4);
    expect(bad.cancelled).toEqual([]);
  });

  it('polls one last time at the deadline, then gives up with PollTimeoutError carrying the id and last status', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const client = fakeClient([{ status: 'in_progress' }]);
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };
    const e = await waitForResponse(client, 'resp_9', { now: () => now, sleep, pollIntervalMs: 1000, timeoutMs: 3500 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PollTimeoutError);
    expect(e).toMatchObject({ responseId: 'resp_9', lastStatus: 'in_progress', name: 'PollTimeoutError', timeoutMs: 3500 });
    // Polls at 0, 1000, 2000, 3000 and, cut short, at the deadline (3500).
    expect(sleeps).toEqual([1000, 1000, 1000, 500]);
    expect(client.calls).toHaveLength(5);
    expect(client.cancelled).toEqual([]);
  });

  it('with cancelOnAbandon, cancels the background response when the wait times out or is aborted, and only then', async () => {
    let now = 0;
    const timedOut = fakeClient([{ status: 'in_progress' }]);
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms), pollIntervalMs: 1000, timeoutMs: 2000 };
    await expect(waitForResponse(timedOut, 'resp_1', { ...clock, cancelOnAbandon: true })).rejects.toBeInstanceOf(PollTimeoutError);
    expect(timedOut.cancelled).toEqual(['resp_1']);
    const controller = new AbortController();
    const aborted = fakeClient([{ status: 'in_progress' }]);
    const p = waitForResponse(aborted, 'resp_2', { cancelOnAbandon: true, signal: controller.signal, sleep: async () => controller.abort(new Error('user cancelled')) });
    await expect(p).rejects.toThrow('user cancelled');
    expect(aborted.cancelled).toEqual(['resp_2']);
    const failed = fakeClient([{ status: 'failed', error: { code: 'server_error', message: 'x' } }]);
    await expect(waitForResponse(failed, 'resp_3', { cancelOnAbandon: true, sleep: async () => {} })).rejects.toBeInstanceOf(ServerError);
    expect(failed.cancelled).toEqual([]);
  });

  it('with cancelOnAbandon, a cancel that hangs is given up after FINAL_REQUEST_GRACE_MS and the wait still throws its reason', async () => {
    let now = 0;
    const client = fakeClient([{ status: 'in_progress' }]);
    let cancelSignal: AbortSignal | undefined;
    client.responses.cancel = (_id: string, options?: { signal?: AbortSignal }) =>
      new Promise((_resolve, reject) => {
        cancelSignal = options?.signal;
        cancelSignal?.addEventListener('abort', () => reject(cancelSignal?.reason));
      });
    const e = await waitForResponse(client, 'resp_1', { now: () => now, sleep: async (ms) => void (now += ms), timeoutMs: 1000, cancelOnAbandon: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PollTimeoutError);
    expect(cancelSignal?.aborted).toBe(true);
  });

  it('aborts a poll that hangs past the deadline', async () => {
    const client: ResponsesClient = {
      responses: {
        retrieve: (_id, _query, options) => ({
          withResponse: () =>
            new Promise((_resolve, reject) => {
              options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
            }),
        }),
      },
    };
    const started = Date.now();
    await expect(waitForResponse(client, 'resp_1', { timeoutMs: 30 })).rejects.toBeInstanceOf(PollTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops with the signal\'s reason when aborted', async () => {
    const controller = new AbortController();
    const client = fakeClient([{ status: 'in_progress' }]);
    const p = waitForResponse(client, 'resp_1', {
      signal: controller.signal,
      sleep: async () => {
        controller.abort(new Error('user cancelled'));
      },
    });
    await expect(p).rejects.toThrow('user cancelled');
    expect(client.calls).toHaveLength(1);
  });
});

describe('waitForResponse edge cases', () => {
  it('keeps the poll response\'s request id on the error', async () => {
    const client: ResponsesClient = {
      responses: {
        retrieve: () => ({
          withResponse: async () => ({
            data: { object: 'response', id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'x' } },
            response: { headers: new Headers({ 'x-request-id': 'req_123' }) },
          }),
        }),
      },
    };
    await expect(waitForResponse(client, 'resp_1', { sleep: async () => {} })).rejects.toMatchObject({ requestID: 'req_123' });
  });

  it('caps waits after poll faults by maxPollIntervalMs', async () => {
    const { RateLimitError } = await import('openai/core/error');
    const sleeps: number[] = [];
    const limited = () => new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'slow down' }, 'slow down', new Headers());
    const client = fakeClient([limited(), limited(), limited(), limited(), limited(), { status: 'completed' }]);
    await waitForResponse(client, 'resp_1', { sleep: async (ms) => void sleeps.push(ms), maxPollIntervalMs: 3000, random: () => 0.99 });
    expect(sleeps).toHaveLength(5);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(3000);
  });

  it('throws the signal\'s reason when aborted during a poll', async () => {
    const controller = new AbortController();
    const client: ResponsesClient = {
      responses: {
        retrieve: () => ({
          withResponse: async () => {
            controller.abort(new Error('stop now'));
            throw new Error('request aborted');
          },
        }),
      },
    };
    await expect(waitForResponse(client, 'resp_1', { signal: controller.signal })).rejects.toThrow('stop now');
  });

  it('a timeoutMs longer than a timer can hold (or infinite) does not time out at once nor cancel the run', async () => {
    for (const timeoutMs of [Number.POSITIVE_INFINITY, 25 * 86_400_000]) {
      const client = fakeClient([{ status: 'queued' }, { status: 'completed' }]);
      await expect(waitForResponse(client, 'resp_1', { timeoutMs, cancelOnAbandon: true, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 5))) })).resolves.toMatchObject({ status: 'completed' });
      expect(client.cancelled).toEqual([]);
    }
  });

  it('with cancelOnAbandon, cancels when the deadline passes while the poll waits for a limiter slot', async () => {
    const limiter = new AdaptiveLimiter();
    limiter.recordThrottle(5000); // the key is paused for 5 s
    const client = fakeClient([{ status: 'completed' }]);
    await expect(waitForResponse(client, 'resp_1', { limiter, timeoutMs: 30, cancelOnAbandon: true })).rejects.toBeInstanceOf(PollTimeoutError);
    expect(client.calls).toEqual([]);
    expect(client.cancelled).toEqual(['resp_1']);
    const aborted = fakeClient([{ status: 'completed' }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user left')), 20);
    await expect(waitForResponse(aborted, 'resp_2', { limiter, signal: controller.signal, cancelOnAbandon: true })).rejects.toThrow('user left');
    expect(aborted.cancelled).toEqual(['resp_2']);
  });
});
