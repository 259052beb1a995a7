/**
 * Runtime defects of the hostile review (issue 11): connection errors are not classified but are
 * retried (13); openai's CommonJS and ESM copies mixed in one process keep poll fault tolerance
 * and the stream error conversion working (14); options that make no sense are a TypeError
 * naming the option (15).
 */
import { createRequire } from 'node:module';
import * as esm from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { classifyError, isOpenAIFailure, isRetryable, raiseForFailedResponse, raiseForStreamEvents, retryDelayMs, ServerError, waitForResponse, withRetry, type ResponsesClient } from '../src/index.ts';

const cjs = createRequire(import.meta.url)('openai/core/error') as typeof esm;
const noSleep = async () => {};

/** A client whose polls answer, in order, with the given outcomes (a value, or an error to throw). */
function pollingClient(...answers: unknown[]): ResponsesClient & { polls: number } {
  const client = {
    polls: 0,
    responses: {
      retrieve: () => ({
        withResponse: async () => {
          const answer = answers[Math.min(client.polls++, answers.length - 1)];
          if (answer instanceof Error) throw answer;
          return { data: answer, response: { headers: new Headers() } };
        },
      }),
    },
  };
  return client;
}

describe('defect 13: connection errors', () => {
  it('classifyError and isRetryable say nothing of a connection error or timeout (it has no code), as the README says', () => {
    for (const copy of [esm, cjs]) {
      expect(classifyError(new copy.APIConnectionError({ message: 'socket hang up' }))).toBeUndefined();
      expect(classifyError(new copy.APIConnectionTimeoutError())).toBeUndefined();
      expect(isRetryable(new copy.APIConnectionError({ message: 'socket hang up' }))).toBe(false);
    }
  });

  it("the caller's own abort (APIUserAbortError, the same shape) is not a connection error: not retried, no delay", async () => {
    for (const copy of [esm, cjs]) {
      let calls = 0;
      const abort = new copy.APIUserAbortError();
      await expect(withRetry(async () => { calls++; throw abort; }, { sleep: noSleep, limiter: false, budget: false })).rejects.toBe(abort);
      expect(calls).toBe(1);
      expect(retryDelayMs(abort, 1)).toBeUndefined();
      // a copy a minifier renamed is told apart by the message openai gives it
      class Renamed extends copy.APIError {}
      expect(retryDelayMs(new Renamed(undefined, undefined, 'Request was aborted.', undefined), 1)).toBeUndefined();
      expect(retryDelayMs(new Renamed(undefined, undefined, 'Connection error.', undefined), 1)).toBeGreaterThanOrEqual(0);
    }
  });

  it('withRetry retries them', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new cjs.APIConnectionError({ message: 'socket hang up' });
        return 'done';
      },
      { sleep: noSleep, limiter: false, budget: false },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });
});

describe("defect 14: openai's CommonJS and ESM copies in one process", () => {
  it("a poll failing with the other copy's connection error is a tolerated fault", async () => {
    expect(new cjs.APIConnectionError({ message: 'x' }) instanceof esm.APIConnectionError).toBe(false);
    const client = pollingClient(new cjs.APIConnectionError({ message: 'reset' }), { id: 'resp_1', object: 'response', status: 'completed' });
    const done = await waitForResponse(client, 'resp_1', { sleep: noSleep, limiterKey: 'defect-14' });
    expect(done).toMatchObject({ status: 'completed' });
    expect(client.polls).toBe(2);
  });

  it("a stream error the other copy turned into a status-less APIError is rethrown as the registry's error", async () => {
    async function* stream() {
      yield { type: 'response.created' };
      throw new cjs.APIError(undefined, { code: 'server_error', message: 'The server had an error' }, 'The server had an error', new Headers());
    }
    const seen: unknown[] = [];
    let thrown: unknown;
    try {
      for await (const event of raiseForStreamEvents(stream())) seen.push(event);
    } catch (e) {
      thrown = e;
    }
    expect(seen).toHaveLength(1);
    expect(isOpenAIFailure(thrown)).toBe(true);
    expect(thrown).toBeInstanceOf(ServerError);
    expect((thrown as ServerError).code).toBe('server_error');
  });
});

describe('defect 15: options that make no sense', () => {
  const client = pollingClient({ id: 'resp_1', object: 'response', status: 'completed' });
  it.each([
    ['pollIntervalMs', { pollIntervalMs: Number.NaN }],
    ['maxPollIntervalMs', { maxPollIntervalMs: -1 }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['maxPollFaults', { maxPollFaults: Number.NaN }],
  ] as const)('waitForResponse rejects %s with a TypeError naming it', async (name, options) => {
    await expect(waitForResponse(client, 'resp_1', options)).rejects.toThrow(new RegExp(`^waitForResponse: ${name} must be`));
    await expect(waitForResponse(client, 'resp_1', options)).rejects.toBeInstanceOf(TypeError);
  });

  it('withRetry rejects a random that returns undefined, naming random', async () => {
    const fails = async () => {
      throw new esm.InternalServerError(500, { code: 'server_error' }, 'boom', new Headers());
    };
    await expect(withRetry(fails, { sleep: noSleep, limiter: false, budget: false, random: () => undefined as unknown as number })).rejects.toThrow(/random/);
  });
});

describe('replay safety: output already delivered is not resubmitted by default', () => {
  const response = { id: 'resp_1', object: 'response', status: 'failed', output: [{ type: 'message', content: [] }], error: { code: 'server_error', message: 'boom' } };
  // The stream event that carries the failed response: its output was streamed to the caller.
  const failedWithOutput = { type: 'response.failed', response };
  const failedBare = { type: 'response.failed', response: { ...response, output: [] } };

  it('gives up with output_delivered when the failure already returned output', async () => {
    const reasons: string[] = [];
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          return raiseForFailedResponse(failedWithOutput);
        },
        { sleep: noSleep, limiter: false, budget: false, onGiveUp: (e) => reasons.push(e.reason) },
      ),
    ).rejects.toBeInstanceOf(ServerError);
    expect(calls).toBe(1);
    expect(reasons).toEqual(['output_delivered']);
  });

  it('resubmits with resubmitAfterOutput: true, and always when nothing was delivered', async () => {
    let calls = 0;
    const fn = async () => {
      if (calls++ === 0) return raiseForFailedResponse(failedWithOutput);
      return 'second';
    };
    await expect(withRetry(fn, { sleep: noSleep, limiter: false, budget: false, resubmitAfterOutput: true })).resolves.toBe('second');
    let bare = 0;
    await expect(withRetry(async () => (bare++ === 0 ? raiseForFailedResponse(failedBare) : 'second'), { sleep: noSleep, limiter: false, budget: false })).resolves.toBe('second');
  });

  it('rejects a resubmitAfterOutput that is not a boolean', async () => {
    await expect(withRetry(async () => 1, { resubmitAfterOutput: 'yes' as unknown as boolean })).rejects.toThrow(/resubmitAfterOutput must be a boolean/);
  });
});

describe('building an error by hand', () => {
  it('new ServerError() without the runtime\'s init is a TypeError saying how to get one; a test catches what raiseForFailedResponse throws', () => {
    const Ctor = ServerError as unknown as new (...args: unknown[]) => unknown;
    for (const args of [[], [undefined], [{}], [{ facts: null }], ['server_error']]) {
      expect(() => new Ctor(...args)).toThrow(new TypeError("ServerError is built by the runtime: in a test, catch what raiseForFailedResponse throws for { object: 'response', status: 'failed', error: { code, message } }"));
    }
    let e: unknown;
    try {
      raiseForFailedResponse({ object: 'response', status: 'failed', error: { code: 'server_error', message: 'boom' } });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ServerError);
    expect(e).toMatchObject({ code: 'server_error', retryable: true });
  });
});

describe('registry 2.2: HTTP 400 codes seen from the Responses API', () => {
  it.each([
    ['invalid_value', "Invalid value: 'other'. Supported values are: 'search', 'open_page', and 'find_in_page'.", 'input[33].action.type', 'InvalidValueError'],
    ['missing_required_parameter', "Missing required parameter: 'input[18].id'.", 'input[18].id', 'MissingRequiredParameterError'],
  ])('a 400 %s is its own class, an invalid request, not retried', (code, message, param, cls) => {
    const e = new esm.BadRequestError(400, { message, type: 'invalid_request_error', param, code }, message, new Headers());
    expect(classifyError(e)).toMatchObject({ class: cls, code, category: 'invalid_request', retryable: false });
    expect(isRetryable(e)).toBe(false);
  });
});
