/**
 * waitForResponse and raiseForStreamEvents, decision by decision: checked options and defaults,
 * what each poll answer means (a wrong id, no status, a bad body, a terminal error), the waits
 * after faults, the limiter, the events and the error messages.
 */
import { inspect } from 'node:util';
import { APIConnectionError, APIError, BadRequestError, RateLimitError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { PollFaultError, PollTimeoutError, raiseForStreamEvents, ServerError, waitForResponse, type ResponsesClient } from '../src/index.ts';
import { FINAL_REQUEST_GRACE_MS } from '../src/poll.ts';
import { sharedLimiter } from '../src/limiter.ts';
import { pacedFetch } from '../src/pacing.ts';
import { drain, recordingLimiter } from './helpers.ts';

type Answer = { data: unknown; headers?: Record<string, string> | Headers } | Error;

/** A client answering each retrieve() from a script (the last answer repeats). */
function scripted(script: Answer[]) {
  const calls: string[] = [];
  const cancelled: string[] = [];
  const client: ResponsesClient = {
    responses: {
      async cancel(id: string) {
        cancelled.push(id);
      },
      retrieve(id: string) {
        calls.push(id);
        const next = (script.length > 1 ? script.shift() : script[0]) as Answer;
        return {
          async withResponse() {
            if (next instanceof Error) throw next;
            return { data: next.data, response: { headers: next.headers instanceof Headers ? next.headers : new Headers(next.headers ?? {}) } };
          },
        };
      },
    },
  };
  return { client, calls, cancelled };
}
const running = (id = 'resp_1', headers?: Record<string, string>): Answer => ({ data: { object: 'response', id, status: 'in_progress' }, ...(headers ? { headers } : {}) });
const done = (id = 'resp_1'): Answer => ({ data: { object: 'response', id, status: 'completed' } });
const base = { limiter: false as const, random: () => 0 };

describe('waitForResponse options', () => {
  it.each([
    ['pollIntervalMs', { pollIntervalMs: -1 }, '-1'],
    ['maxPollIntervalMs', { maxPollIntervalMs: Number.NaN }, 'NaN'],
    ['timeoutMs', { timeoutMs: '5' }, '5'],
    ['maxPollFaults', { maxPollFaults: -0.5 }, '-0.5'],
  ])('rejects a bad %s, naming it', async (name, options, shown) => {
    const { client, calls } = scripted([done()]);
    await expect(waitForResponse(client, 'resp_1', { ...base, ...(options as object) })).rejects.toThrow(new TypeError(`waitForResponse: ${name} must be a number >= 0, got ${shown}`));
    expect(calls).toEqual([]);
  });

  it('accepts zeros: no wait between polls, and a zero timeout polls once more at the deadline', async () => {
    const sleeps: number[] = [];
    const { client, calls } = scripted([running(), done()]);
    await waitForResponse(client, 'resp_1', { ...base, pollIntervalMs: 0, maxPollFaults: 0, sleep: async (ms) => void sleeps.push(ms) });
    expect(sleeps).toEqual([0]);
    expect(calls).toHaveLength(2);
    const stuck = scripted([running()]);
    const e = await waitForResponse(stuck.client, 'resp_1', { ...base, timeoutMs: 0, now: () => 0, sleep: async () => {} }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PollTimeoutError);
    expect(stuck.calls).toHaveLength(1);
  });

  it('defaults: polls every second, at most every 10 s, for 30 minutes', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const { client, calls } = scripted([running('resp_1', { 'openai-poll-after-ms': '60000' }), running()]);
    const e = await waitForResponse(client, 'resp_1', { ...base, now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; } }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'PollTimeoutError', timeoutMs: 1_800_000, message: 'response resp_1 is still in_progress after 1800000 ms' });
    expect(sleeps.slice(0, 3)).toEqual([10_000, 1_000, 1_000]);
    expect(now).toBe(1_800_000);
    expect(calls).toHaveLength(1 + 1 + (1_800_000 - 10_000) / 1_000);
  });

  it('a poll-after header that is negative waits nothing; one that is not a number waits the interval', async () => {
    const sleeps: number[] = [];
    const { client } = scripted([running('resp_1', { 'openai-poll-after-ms': '-50' }), running('resp_1', { 'openai-poll-after-ms': 'soon' }), running('resp_1', { 'openai-poll-after-ms': '12.5' }), done()]);
    await waitForResponse(client, 'resp_1', { ...base, pollIntervalMs: 700, sleep: async (ms) => void sleeps.push(ms) });
    expect(sleeps).toEqual([0, 700, 12.5]);
  });
});

describe('waitForResponse answers', () => {
  it('tells onPoll each status and the count of good polls', async () => {
    const seen: [string | undefined, number][] = [];
    const { client } = scripted([{ data: { id: 'resp_1', status: 'queued' } }, new APIConnectionError({ message: 'x' }), running(), done()]);
    const result = await waitForResponse(client, 'resp_1', { ...base, sleep: async () => {}, onPoll: (s, n) => seen.push([s, n]) });
    expect(result).toEqual({ object: 'response', id: 'resp_1', status: 'completed' });
    expect(seen).toEqual([['queued', 1], ['in_progress', 2], ['completed', 3]]);
  });

  it("an answer without an id is taken; another response's id, or no status, is a poll fault", async () => {
    const { client } = scripted([{ data: { status: 'in_progress' } }, { data: { id: 'resp_2', status: 'completed' } }, { data: { id: 'resp_1' } }, done()]);
    const seen: string[] = [];
    await waitForResponse(client, 'resp_1', { ...base, sleep: async () => {}, onPoll: (s) => seen.push(String(s)) });
    expect(seen).toEqual(['in_progress', 'completed']);
    const wrong = scripted([{ data: { id: 'resp_2', status: 'completed' } }]);
    const e = await waitForResponse(wrong.client, 'resp_1', { ...base, sleep: async () => {}, maxPollFaults: 1 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PollFaultError);
    expect((e as Error).cause).toMatchObject({ message: 'poll of resp_1 answered resp_2 with status completed' });
    const empty = scripted([{ data: {} }]);
    const f = await waitForResponse(empty.client, 'resp_1', { ...base, sleep: async () => {}, maxPollFaults: 0 }).catch((x: unknown) => x);
    expect((f as Error).cause).toMatchObject({ message: 'poll of resp_1 answered without an id with status none' });
  });

  it('an unparseable body is a poll fault; an error that is not transient is thrown as it is', async () => {
    const { client } = scripted([new SyntaxError('Unexpected token'), done()]);
    await expect(waitForResponse(client, 'resp_1', { ...base, sleep: async () => {} })).resolves.toMatchObject({ status: 'completed' });
    const bad = new BadRequestError(400, { code: 'invalid_request_error', message: 'bad id' }, 'bad id', new Headers());
    const terminal = scripted([bad, done()]);
    await expect(waitForResponse(terminal.client, 'resp_1', { ...base, sleep: async () => {} })).rejects.toBe(bad);
    expect(terminal.calls).toHaveLength(1);
    const bug = new TypeError('a bug');
    const thrown = scripted([bug, done()]);
    await expect(waitForResponse(thrown.client, 'resp_1', { ...base, sleep: async () => {} })).rejects.toBe(bug);
  });

  it('PollFaultError: the count, the last status and the message; faults reset after a good poll', async () => {
    const drop = () => new APIConnectionError({ message: 'reset' });
    const { client } = scripted([drop(), running(), drop(), drop(), drop()]);
    const e = await waitForResponse(client, 'resp_1', { ...base, sleep: async () => {}, maxPollFaults: 2 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ faults: 3, lastStatus: 'in_progress', message: 'polling response resp_1 failed 3 times in a row (last status in_progress)' });
    const never = scripted([drop()]);
    const f = await waitForResponse(never.client, 'resp_1', { ...base, sleep: async () => {}, maxPollFaults: 0 }).catch((x: unknown) => x);
    expect(f).toMatchObject({ faults: 1, lastStatus: undefined, message: 'polling response resp_1 failed 1 times in a row (last status unknown)' });
  });

  it('waits after faults: the fault profile from the interval, the code profile for API errors, a hint, all capped', async () => {
    const sleeps: number[] = [];
    const drop = () => new APIConnectionError({ message: 'reset' });
    const { client } = scripted([drop(), drop(), drop(), done()]);
    await waitForResponse(client, 'resp_1', { ...base, pollIntervalMs: 400, maxPollIntervalMs: 1_000, sleep: async (ms) => void sleeps.push(ms) });
    expect(sleeps).toEqual([200, 400, 500]); // equal jitter at 0: half of 400, 800, 1000 (capped)
    const hinted = scripted([new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x' }, 'x', new Headers({ 'retry-after-ms': '300' })), done()]);
    const waits: number[] = [];
    await waitForResponse(hinted.client, 'resp_1', { ...base, sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([300]);
    const capped = scripted([new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x' }, 'x', new Headers({ 'retry-after-ms': '300000' })), done()]);
    const capWaits: number[] = [];
    await waitForResponse(capped.client, 'resp_1', { ...base, maxPollIntervalMs: 2_000, sleep: async (ms) => void capWaits.push(ms) });
    expect(capWaits).toEqual([2_000]);
  });

  it('raiseOnIncomplete and the caller headers pass through to the raise', async () => {
    const incomplete = { data: { object: 'response', id: 'resp_1', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } };
    const kept = scripted([incomplete]);
    await expect(waitForResponse(kept.client, 'resp_1', { ...base })).resolves.toMatchObject({ status: 'incomplete' });
    const raised = scripted([incomplete]);
    await expect(waitForResponse(raised.client, 'resp_1', { ...base, raiseOnIncomplete: true })).rejects.toMatchObject({ kind: 'incomplete' });
    const plainHeaders: ResponsesClient = {
      responses: {
        retrieve: () => ({ withResponse: async () => ({ data: { object: 'response', id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'x' } }, response: { headers: { get: () => null } } }) }),
      },
    };
    const e = await waitForResponse(plainHeaders, 'resp_1', { ...base, headers: new Headers({ 'x-request-id': 'req_caller' }) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServerError);
    expect(e).toMatchObject({ requestID: 'req_caller' });
  });
});

describe('waitForResponse and the limiter', () => {
  it('each poll takes a slot; a good poll is a success; a 429 is a throttle with its hint; other faults teach nothing', async () => {
    const { limiter, calls } = recordingLimiter();
    const { client } = scripted([running(), new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x' }, 'x', new Headers({ 'retry-after-ms': '20' })), new APIConnectionError({ message: 'x' }), done()]);
    await waitForResponse(client, 'resp_1', { limiter, random: () => 0, sleep: async () => {} });
    expect(calls).toEqual(['acquire', 'success', 'acquire', 'throttle 20', 'acquire', 'acquire', 'success']);
  });

  it('polls answered through pacedFetch are not paced twice', async () => {
    const { limiter, calls } = recordingLimiter();
    const upstream = recordingLimiter();
    const fetch = pacedFetch(async () => new Response('{}', { status: 200 }), { limiter: upstream.limiter });
    const answers = [running(), running(), done()];
    const client: ResponsesClient = {
      responses: {
        retrieve: () => ({
          async withResponse() {
            const res = await fetch('https://api.example.test/v1/responses/resp_1');
            return { data: (answers.shift() as { data: unknown }).data, response: { headers: res.headers } };
          },
        }),
      },
    };
    await waitForResponse(client, 'resp_1', { limiter, sleep: async () => {} });
    expect(calls).toEqual(['acquire', 'success']);
    expect(upstream.calls.filter((c) => c === 'acquire')).toHaveLength(3);
  });

  it('by default, the process-wide limiter of limiterKey', async () => {
    const key = `poll-${Math.random()}`;
    const { client } = scripted([running(), done()]);
    await waitForResponse(client, 'resp_1', { limiterKey: key, sleep: async () => {} });
    expect(sharedLimiter(key).snapshot().successes).toBe(2);
  });
});

describe('waitForResponse abandons', () => {
  it('a cancel that fails does not hide the reason the wait was abandoned', async () => {
    let now = 0;
    const client: ResponsesClient = {
      responses: {
        retrieve: (id) => ({ withResponse: async () => ({ data: { id, status: 'in_progress' }, response: { headers: new Headers() } }) }),
        cancel: async () => { throw new Error('cancel failed'); },
      },
    };
    await expect(waitForResponse(client, 'resp_1', { ...base, cancelOnAbandon: true, timeoutMs: 1_000, now: () => now, sleep: async (ms) => void (now += ms) })).rejects.toBeInstanceOf(PollTimeoutError);
  });

  it('an aborted signal stops it before the first poll, cancelling when asked', async () => {
    const c = new AbortController();
    c.abort(new Error('before'));
    const { client, calls, cancelled } = scripted([done()]);
    await expect(waitForResponse(client, 'resp_1', { ...base, signal: c.signal, cancelOnAbandon: true })).rejects.toThrow('before');
    expect(calls).toEqual([]);
    expect(cancelled).toEqual(['resp_1']);
  });

  it('the grace of the last request is a second', () => {
    expect(FINAL_REQUEST_GRACE_MS).toBe(1_000);
  });
});

describe('PollFaultError in util.inspect', () => {
  it('shows its fields and the cause redacted', () => {
    const cause = new Error('bad key sk-proj-abcdefghijkl');
    const e = new PollFaultError('resp_1', 'queued', 3, { cause });
    const shown = inspect(e);
    expect(shown).toContain("responseId: 'resp_1'");
    expect(shown).toContain("lastStatus: 'queued'");
    expect(shown).toContain('faults: 3');
    expect(shown).toContain("cause: 'Error: bad key sk-proj-[redacted]'");
    expect(shown).not.toContain('abcdefghijkl');
    expect(inspect(new PollFaultError('resp_1', undefined, 1, { cause: 'text' }))).toContain("cause: 'string'");
  });

  it('shows a registry error cause as its record', async () => {
    const { client } = scripted([new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x' }, 'x', new Headers())]);
    const e = await waitForResponse(client, 'resp_1', { ...base, maxPollFaults: 0, sleep: async () => {} }).catch((x: unknown) => x);
    expect(inspect(e)).toContain("cause: 'Error: 429 x'"); // openai's own error, not a registry one: a line
    const { raiseForFailedResponse } = await import('../src/index.ts');
    let failure: unknown;
    try {
      raiseForFailedResponse({ object: 'response', id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'boom sk-abcdefghijkl' } });
    } catch (x) {
      failure = x;
    }
    expect(failure).toBeInstanceOf(ServerError);
    const shown = inspect(new PollFaultError('resp_1', undefined, 1, { cause: failure }));
    expect(shown).toContain("code: 'server_error'");
    expect(shown).not.toContain('abcdefghijkl');
  });
});

describe('raiseForStreamEvents', () => {
  async function* events(list: unknown[], error?: unknown) {
    for (const e of list) yield e;
    if (error !== undefined) throw error;
  }

  it('passes events through unchanged', async () => {
    const list = [{ type: 'response.created' }, { type: 'response.output_text.delta', delta: 'hi' }];
    const { seen, error } = await drain(raiseForStreamEvents(events(list)));
    expect(seen).toEqual(list);
    expect(seen[0]).toBe(list[0]);
    expect(error).toBeUndefined();
  });

  it("turns openai's status-less APIError of an error event into the registry's error, keeping its headers", async () => {
    const sdk = new APIError(undefined, { code: 'server_error', message: 'boom' }, 'boom', new Headers({ 'x-request-id': 'req_s' }));
    const { seen, error } = await drain(raiseForStreamEvents(events([{ type: 'response.created' }], sdk)));
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'server_error', requestID: 'req_s' });
  });

  it('rethrows anything else as it is: errors with a status, connection errors, errors without a body, other errors', async () => {
    const withStatus = new APIError(500, { code: 'server_error', message: 'x' }, 'x', new Headers());
    const connection = new APIConnectionError({ message: 'reset' });
    const noBody = new APIError(undefined, undefined, 'x', undefined);
    const other = new TypeError('bug');
    for (const e of [withStatus, connection, noBody, other]) expect((await drain(raiseForStreamEvents(events([], e)))).error).toBe(e);
  });
});
