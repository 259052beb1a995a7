import { APIConnectionError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { PollTimeoutError, ServerError, waitForResponse, type ResponsesClient } from '../src/index.ts';

/** A client whose retrieve() answers from a script: objects with optional poll-after headers, or errors. */
function fakeClient(script: ({ status: string; pollAfter?: string; error?: unknown } | Error)[]): ResponsesClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    responses: {
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

  it('retries connection errors on the poll, up to maxPollFaults in a row', async () => {
    const drop = () => new APIConnectionError({ message: 'socket hang up' });
    const ok = fakeClient([drop(), drop(), { status: 'completed' }]);
    await expect(waitForResponse(ok, 'resp_1', { sleep: async () => {}, maxPollFaults: 2 })).resolves.toMatchObject({ status: 'completed' });
    const bad = fakeClient([drop(), drop(), drop(), { status: 'completed' }]);
    await expect(waitForResponse(bad, 'resp_1', { sleep: async () => {}, maxPollFaults: 2 })).rejects.toBeInstanceOf(APIConnectionError);
    expect(bad.calls).toHaveLength(3);
  });

  it('gives up with PollTimeoutError carrying the id and last status', async () => {
    let now = 0;
    const client = fakeClient([{ status: 'in_progress' }]);
    const e = await waitForResponse(client, 'resp_9', { now: () => now, sleep: async (ms) => void (now += ms), pollIntervalMs: 1000, timeoutMs: 3500 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PollTimeoutError);
    expect(e).toMatchObject({ responseId: 'resp_9', lastStatus: 'in_progress', name: 'PollTimeoutError' });
    expect(client.calls).toHaveLength(4);
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
});
