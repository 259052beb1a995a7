import OpenAI from 'openai';
import * as sdk from 'openai/core/error';
import { VERSION } from 'openai/version';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CODES } from '../../generated/registry.ts';
import {
  InsufficientQuotaError,
  RateLimitExceededError,
  RetryBudget,
  ServerError,
  ServerIsOverloadedError,
  UnknownResponseFailureError,
  classifyError,
  isQuotaFailure,
  isRateLimitFailure,
  isRetryable,
  raiseForStreamEvents,
  retryDelayMs,
  waitForResponse,
  withRetry,
} from '../../src/index.ts';
import { playServer, response, type PlayServer } from './server.ts';

type JsonOutcome = { class: string; extends: string; retryable: boolean };
const registryJson = (await import('../../generated/registry.json', { with: { type: 'json' } })).default as {
  codes: Record<string, JsonOutcome & { surfaces: string[]; overrides?: Record<string, Partial<JsonOutcome>> }>;
};

let server: PlayServer;
let client: OpenAI;
const noSleep = async () => {};
const fast = { sleep: noSleep, pollIntervalMs: 1 };

beforeAll(async () => {
  server = await playServer();
  client = new OpenAI({ apiKey: 'test-key', baseURL: server.baseURL, maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe(`openai ${VERSION}: a background run that fails, polled by a real client`, () => {
  const responseCodes = Object.entries(registryJson.codes).filter(([, c]) => c.surfaces.includes('response'));

  it.each(responseCodes)('queued -> in_progress -> failed with %s throws its typed error', async (code, codeEntry) => {
    const entry = { ...codeEntry, ...codeEntry.overrides?.['response'] };
    server.script('POST /responses', { body: response('queued') });
    server.script(
      'GET /responses/resp_1',
      { body: response('queued'), headers: { 'openai-poll-after-ms': '1' } },
      { body: response('in_progress') },
      { body: response('failed', { error: { code, message: `failed with ${code}` } }) },
    );
    const started = await client.responses.create({ model: 'gpt-test', input: 'hi', background: true });
    const e = await rejection(waitForResponse(client, started.id, fast));
    expect(e).toBeInstanceOf((sdk as Record<string, unknown>)[entry.extends] as typeof sdk.APIError);
    expect(e).toBeInstanceOf(sdk.APIError);
    expect(e).toMatchObject({ name: entry.class, code, retryable: entry.retryable, transportStatus: 200, objectId: 'resp_1' });
    expect(isRetryable(e)).toBe(entry.retryable);
    expect(server.requests.filter((r) => r === 'GET /responses/resp_1')).toHaveLength(3);
  });

  it('a failed run with an unknown code throws the response fallback, on openai\'s InternalServerError, with its replay facts', async () => {
    server.script('GET /responses/resp_1', {
      body: response('failed', { error: { code: 'code_from_the_future', message: 'new' }, output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'partial', annotations: [] }] }], previous_response_id: 'resp_0' }),
    });
    const e = await rejection(waitForResponse(client, 'resp_1', fast));
    expect(e).toBeInstanceOf(UnknownResponseFailureError);
    expect(e).toBeInstanceOf(sdk.InternalServerError);
    expect(e).toMatchObject({ code: 'code_from_the_future', known: false, category: 'unknown', retryable: false, status: 500, transportStatus: 200, objectId: 'resp_1' });
    // The run started (may have billed) and continued a conversation; its partial output was polled, never delivered.
    expect((e as UnknownResponseFailureError).replay).toEqual({ mayHaveBilled: true, outputDelivered: false, continuesConversation: true });
    expect(isRetryable(e)).toBe(false);
  });

  it('returns a completed response, and an incomplete one unless asked to raise', async () => {
    server.script('GET /responses/resp_1', { body: response('in_progress') }, { body: response('completed', { output_text: 'ok' }) });
    await expect(waitForResponse(client, 'resp_1', fast)).resolves.toMatchObject({ status: 'completed' });
    const incomplete = response('incomplete', { incomplete_details: { reason: 'max_output_tokens' } });
    server.script('GET /responses/resp_1', { body: incomplete });
    await expect(waitForResponse(client, 'resp_1', fast)).resolves.toMatchObject({ status: 'incomplete' });
    const e = await rejection(waitForResponse(client, 'resp_1', { ...fast, raiseOnIncomplete: true }));
    expect(e).toMatchObject({ name: 'MaxOutputTokensError', kind: 'incomplete', code: 'max_output_tokens' });
  });

  it('survives transient failures of the poll itself without losing the response id', async () => {
    server.script(
      'GET /responses/resp_1',
      { status: 500, body: { error: { message: 'boom', type: 'server_error', code: 'server_error' } } },
      { drop: true },
      { status: 429, body: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } } },
      { body: response('in_progress') },
      { body: response('completed') },
    );
    await expect(waitForResponse(client, 'resp_1', fast)).resolves.toMatchObject({ status: 'completed' });
    expect(server.requests).toEqual(Array(5).fill('GET /responses/resp_1'));
  });

  it('does not retry a poll that fails for good (401)', async () => {
    server.script('GET /responses/resp_1', { status: 401, body: { error: { message: 'bad key', type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const e = await rejection(waitForResponse(client, 'resp_1', fast));
    expect(e).toBeInstanceOf(sdk.AuthenticationError);
    expect(server.requests).toHaveLength(1);
  });

  it('withRetry resubmits a run that failed with a retryable code, never re-polling the failed one', async () => {
    server.script('POST /responses', { body: response('queued', { id: 'resp_a' }) }, { body: response('queued', { id: 'resp_b' }) });
    server.script('GET /responses/resp_a', { body: response('failed', { id: 'resp_a', error: { code: 'server_error', message: 'oops' } }) });
    server.script('GET /responses/resp_b', { body: response('completed', { id: 'resp_b' }) });
    const retries: string[] = [];
    const result = await withRetry(
      async () => {
        const started = await client.responses.create({ model: 'gpt-test', input: 'hi', background: true });
        return waitForResponse<{ id: string }>(client, started.id, fast);
      },
      { sleep: noSleep, budget: new RetryBudget(), onRetry: (r) => retries.push(`${(r.error as ServerError).code}@${r.attempt}`) },
    );
    expect(result.id).toBe('resp_b');
    expect(retries).toEqual(['server_error@1']);
    expect(server.requests).toEqual(['POST /responses', 'GET /responses/resp_a', 'POST /responses', 'GET /responses/resp_b']);
  });
});

describe(`openai ${VERSION}: streams`, () => {
  it('a stream that ends in response.failed throws the typed error', async () => {
    server.script('POST /responses', {
      sse: [
        { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: response('in_progress') } },
        { event: 'response.failed', data: { type: 'response.failed', sequence_number: 1, response: response('failed', { error: { code: 'server_error', message: 'stream died' } }) } },
      ],
    });
    const stream = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const seen: string[] = [];
    const e = await rejection(
      (async () => {
        for await (const event of raiseForStreamEvents(stream)) seen.push(event.type);
      })(),
    );
    expect(seen).toEqual(['response.created']);
    expect(e).toBeInstanceOf(ServerError);
    expect(e).toBeInstanceOf(sdk.InternalServerError);
    expect(e).toMatchObject({ surface: 'response.stream', retryable: true, objectId: 'resp_1' });
  });

  it('an error event inside a 200 stream becomes the typed error instead of a status-less APIError', async () => {
    server.script('POST /responses', {
      sse: [
        { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: response('in_progress') } },
        { event: 'error', data: { type: 'error', sequence_number: 1, error: { type: 'service_unavailable_error', code: 'server_is_overloaded', message: 'Our servers are currently overloaded.' } } },
      ],
    });
    const stream = await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true });
    const e = await rejection(
      (async () => {
        for await (const _ of raiseForStreamEvents(stream)) void _;
      })(),
    );
    expect(e).toBeInstanceOf(ServerIsOverloadedError);
    expect(e).toMatchObject({ surface: 'response.stream.error', retryable: true, code: 'server_is_overloaded' });
  });
});

describe(`openai ${VERSION}: synchronous 429s`, () => {
  it('429 insufficient_quota is not retryable although openai retries 429s', async () => {
    server.script('POST /responses', {
      status: 429,
      body: { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } },
    });
    const e = await rejection(client.responses.create({ model: 'gpt-test', input: 'hi' }));
    expect(e).toBeInstanceOf(sdk.RateLimitError);
    expect(isRetryable(e)).toBe(false);
    expect(isQuotaFailure(e)).toBe(true);
    expect(isRateLimitFailure(e)).toBe(false);
    expect(classifyError(e)).toMatchObject({ class: 'InsufficientQuotaError', code: 'insufficient_quota', category: 'quota', known: true, status: 429, transportStatus: 429, surface: 'http', kind: 'http' });
    expect(retryDelayMs(e, 1)).toBeUndefined();
    let calls = 0;
    await rejection(withRetry(() => (calls++, client.responses.create({ model: 'gpt-test', input: 'hi' })), { sleep: noSleep, budget: false }));
    expect(calls).toBe(1);
    expect(InsufficientQuotaError).toBeDefined();
  });

  it('429 rate_limit_exceeded with retry-after-ms is retried after the hinted delay (a floor: jitter goes on top)', async () => {
    server.script(
      'POST /responses',
      { status: 429, headers: { 'retry-after-ms': '150' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
      { body: response('completed') },
    );
    const delays: number[] = [];
    const result = await withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' }), {
      sleep: async (ms) => void delays.push(ms),
      budget: false,
      limiter: false,
      random: () => 0,
    });
    expect(result.status).toBe('completed');
    expect(delays).toEqual([150]);
    server.script(
      'POST /responses',
      { status: 429, headers: { 'retry-after-ms': '150' }, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } },
      { body: response('completed') },
    );
    await withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' }), { sleep: async (ms) => void delays.push(ms), budget: false, limiter: false, random: () => 1 });
    expect(delays[1]).toBe(250);
    expect(RateLimitExceededError).toBeDefined();
    expect(CODES.rate_limit_exceeded.retryable).toBe(true);
  });

  it('x-should-retry from the server has the last word on codes the registry does not decide', async () => {
    server.script('POST /responses', { status: 400, headers: { 'x-should-retry': 'true' }, body: { error: { message: 'try later', type: 'invalid_request_error', code: 'code_from_the_future' } } });
    const upgraded = await rejection(client.responses.create({ model: 'gpt-test', input: 'hi' }));
    expect(upgraded).toBeInstanceOf(sdk.BadRequestError);
    expect(isRetryable(upgraded)).toBe(true);
    server.script('POST /responses', { status: 500, headers: { 'x-should-retry': 'false' }, body: { error: { message: 'boom', type: 'server_error', code: 'server_error' } } });
    const vetoed = await rejection(client.responses.create({ model: 'gpt-test', input: 'hi' }));
    expect(vetoed).toBeInstanceOf(sdk.InternalServerError);
    expect(isRetryable(vetoed)).toBe(false);
    server.script('POST /responses', { status: 429, headers: { 'x-should-retry': 'true' }, body: { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } } });
    const quota = await rejection(client.responses.create({ model: 'gpt-test', input: 'hi' }));
    expect(isRetryable(quota)).toBe(false);
  });
});
