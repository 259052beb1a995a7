import { describe, expect, it } from 'vitest';
import { isTransportFailure } from '../src/classify.ts';
import { PollFaultError, waitForResponse, type ResponsesClient } from '../src/index.ts';
import { liveTimers } from './e2e/fault-scenarios.ts';

/** A client whose polls fail with the given errors, then answer completed. */
function failingClient(...failures: unknown[]): ResponsesClient & { calls: number } {
  const client = {
    calls: 0,
    responses: {
      retrieve: () => ({
        withResponse: () => {
          const failure = failures[client.calls++];
          return failure === undefined
            ? Promise.resolve({ data: { id: 'resp_1', status: 'completed' }, response: { headers: new Headers() } })
            : Promise.reject(failure);
        },
      }),
    },
  };
  return client;
}

const terminated = () => new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });

describe('poll faults', () => {
  it('a connection lost mid-body (TypeError caused by a socket error) is a transport failure; other TypeErrors are not', () => {
    expect(isTransportFailure(terminated())).toBe(true);
    expect(isTransportFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe(true);
    expect(isTransportFailure(new TypeError('client.responses.retrieve is not a function'))).toBe(false);
    expect(isTransportFailure(new TypeError('x', { cause: { code: 'not-a-socket-code' } }))).toBe(false);
    expect(isTransportFailure(new Error('terminated', { cause: { code: 'UND_ERR_SOCKET' } }))).toBe(false);
  });

  it('a lost body is polled again; a programming error is thrown at once', async () => {
    const lost = failingClient(terminated(), terminated());
    await expect(waitForResponse(lost, 'resp_1', { sleep: async () => {} })).resolves.toMatchObject({ status: 'completed' });
    expect(lost.calls).toBe(3);
    const bug = new TypeError('cannot read properties of undefined');
    const broken = failingClient(bug);
    await expect(waitForResponse(broken, 'resp_1', { sleep: async () => {} })).rejects.toBe(bug);
    expect(broken.calls).toBe(1);
    await expect(waitForResponse(failingClient(terminated(), terminated()), 'resp_1', { sleep: async () => {}, maxPollFaults: 1 })).rejects.toBeInstanceOf(PollFaultError);
  });

  it('the timer check the fault scenarios use sees a timer left behind', () => {
    const before = liveTimers();
    const timer = setTimeout(() => {}, 60_000);
    expect(liveTimers()).toBe(before + 1);
    clearTimeout(timer);
    expect(liveTimers()).toBe(before);
  });
});
