import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sdkErrors from 'openai/core/error';
import { APIError, RateLimitError } from 'openai/core/error';
import {
  CLASSES,
  ExpiredError,
  FAILURE_FIELDS,
  InsufficientQuotaError,
  MaxOutputTokensError,
  RateLimitExceededError,
  RequestTooLargeError,
  ServerError,
  UnknownResponseFailureError,
  classifyBatchLine,
  classifyError,
  classifyFailure,
  isOpenAIFailure,
  raiseForFailedResponse,
  raiseForStreamEvents,
} from '../src/index.ts';
import { buildFailure } from '../src/classify.ts';
import { CODES, FALLBACKS, SURFACES, TABLES } from '../generated/registry.ts';
import { dispatchTag, failedObject, thrown } from './helpers.ts';

type JsonOutcome = { class: string; extends: string };
const registryJson = JSON.parse(readFileSync('generated/registry.json', 'utf8')) as {
  codes: Record<string, JsonOutcome & { surfaces: string[]; overrides?: Record<string, Partial<JsonOutcome>> }>;
  fallbacks: Record<string, JsonOutcome>;
};

/** openai's error class by name. */
const sdkClass = (name: string | undefined) => (sdkErrors as Record<string, unknown>)[name ?? ''] as typeof APIError;

describe('raiseForFailedResponse over the embedded registry', () => {
  const cases: [string, string, 'failed' | 'incomplete', Record<string, unknown>][] = [];
  for (const [code, spec] of Object.entries(registryJson.codes)) {
    for (const name of spec.surfaces) {
      const surface = SURFACES.find((s) => s.name === name);
      for (const as of ['failed', 'incomplete'] as const) {
        const obj = surface && failedObject(TABLES, surface, code, as, { message: 'something happened', id: 'obj_1', dispatched: false });
        if (obj !== undefined) cases.push([code, name, as, obj]);
      }
    }
  }

  it('builds a failed object for every code on every surface it lists (except http)', () => {
    const covered = new Set(cases.map(([code, surface]) => `${code} on ${surface}`));
    const missing = Object.entries(registryJson.codes).flatMap(([code, s]) => s.surfaces.filter((n) => n !== 'http').map((n) => `${code} on ${n}`)).filter((c) => !covered.has(c));
    expect(missing).toEqual([]);
    expect(cases.length).toBeGreaterThan(150);
  });

  it.each(cases)('%s on %s (%s) throws its class, instanceof the SDK base and APIError', (code, surface, _as, obj) => {
    const spec = CODES[code as keyof typeof CODES];
    const outcome = spec.bySurface?.[surface as keyof typeof spec.bySurface] ?? spec;
    const entry = registryJson.codes[code];
    // Surfaces with a dispatch tag are raised from the object; batch lines are read by their own helper.
    const e = dispatchTag(TABLES, surface) === undefined
      ? buildFailure(CLASSES, { facts: classifyBatchLine(obj) ?? expect.unreachable(`${code} on ${surface} is not a failure`), failedObject: obj })
      : thrown(() => raiseForFailedResponse(obj, { raiseOnIncomplete: true }));
    expect(e).toBeInstanceOf(CLASSES[outcome.class]);
    expect(entry?.overrides?.[surface]?.class ?? entry?.class).toBe(outcome.class);
    expect(e).toBeInstanceOf(sdkClass(entry?.overrides?.[surface]?.extends ?? entry?.extends));
    expect(e).toBeInstanceOf(APIError);
    const hasId = (SURFACES.find((s) => s.name === surface)?.fields.id.length ?? 0) > 0;
    expect(e).toMatchObject({ code, retryable: outcome.retryable, category: outcome.category, surface, known: true, transportStatus: 200, objectId: hasId ? 'obj_1' : null });
    expect((e as { facts: { status: number | null; backoff: { name: string } } }).facts).toMatchObject({ status: outcome.status, backoff: { name: outcome.backoff } });
    expect(isOpenAIFailure(e)).toBe(true);
  });
});

describe('raiseForFailedResponse behaviour', () => {
  const response = (status: string, extra: Record<string, unknown> = {}) => ({ object: 'response', id: 'resp_1', status, ...extra });

  it('returns non-failures unchanged (same reference)', () => {
    for (const status of ['completed', 'queued', 'in_progress', 'cancelled']) {
      const r = response(status);
      expect(raiseForFailedResponse(r)).toBe(r);
    }
  });

  it('returns incomplete responses by default and throws a typed error carrying them on request', () => {
    const r = response('incomplete', { incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message' }] });
    expect(raiseForFailedResponse(r)).toBe(r);
    const e = thrown(() => raiseForFailedResponse(r, { raiseOnIncomplete: true }));
    expect(e).toBeInstanceOf(MaxOutputTokensError);
    expect(e).toMatchObject({ kind: 'incomplete', code: 'max_output_tokens', failedObject: r });
  });

  it('gives the nominal status of the SDK base and says the transport answered 200', () => {
    const e = thrown(() => raiseForFailedResponse(response('failed', { error: { code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 20s.' } })));
    expect(e).toBeInstanceOf(RateLimitExceededError);
    expect(e).toBeInstanceOf(RateLimitError);
    expect(e).toMatchObject({ status: 429, transportStatus: 200, retryable: true, name: 'RateLimitExceededError' });
    const s = thrown(() => raiseForFailedResponse(response('failed', { error: { code: 'server_error', message: 'boom' } })));
    expect(s).toBeInstanceOf(ServerError);
    expect(s).toBeInstanceOf(sdkErrors.InternalServerError);
    expect(s).toMatchObject({ status: 500, transportStatus: 200 });
  });

  it('applies refinements: message substring and error type', () => {
    const tooLarge = thrown(() =>
      raiseForFailedResponse({ type: 'error', code: 'rate_limit_exceeded', message: 'Request too large for gpt-4o on tokens per min (TPM)' }),
    );
    expect(tooLarge).toBeInstanceOf(RequestTooLargeError);
    expect(tooLarge).toBeInstanceOf(RateLimitError);
    expect(tooLarge).toMatchObject({ retryable: false, code: 'rate_limit_exceeded' });
    const quota = thrown(() => raiseForFailedResponse({ type: 'error', error: { code: 'rate_limit_exceeded', type: 'insufficient_quota', message: 'quota' } }));
    expect(quota).toBeInstanceOf(InsufficientQuotaError);
    expect(quota).toMatchObject({ retryable: false, code: 'insufficient_quota' });
  });

  it('uses the type as the code when the code is null', () => {
    const e = thrown(() => raiseForFailedResponse({ type: 'error', error: { code: null, type: 'insufficient_quota', message: 'You exceeded your current quota' } }));
    expect(e).toBeInstanceOf(InsufficientQuotaError);
  });

  it("throws the surface's fallback class for a null or unknown code, keeping the raw code", () => {
    // v2: a failed response's unknown code is the service's failure after acceptance (InternalServerError), not a bare APIError.
    const unknown = thrown(() => raiseForFailedResponse(response('failed', { error: { code: 'brand_new_code', message: 'x' } })));
    expect(unknown).toBeInstanceOf(UnknownResponseFailureError);
    expect(unknown).toBeInstanceOf(sdkErrors.InternalServerError);
    expect(unknown).toMatchObject({ code: 'brand_new_code', known: false, retryable: false, category: 'unknown', status: 500, name: 'UnknownResponseFailureError' });
    const none = thrown(() => raiseForFailedResponse(response('failed', { error: null })));
    expect(none).toBeInstanceOf(UnknownResponseFailureError);
    expect(none).toMatchObject({ code: null, known: false });
  });

  it('reports an expired batch or run without a code as ExpiredError', () => {
    expect(thrown(() => raiseForFailedResponse({ object: 'batch', id: 'batch_1', status: 'expired', errors: null }))).toBeInstanceOf(ExpiredError);
    expect(thrown(() => raiseForFailedResponse({ object: 'thread.run', id: 'run_1', status: 'expired', last_error: null }))).toBeInstanceOf(ExpiredError);
    expect(classifyFailure({ object: 'batch', id: 'batch_1', status: 'expired', errors: null })).toMatchObject({ code: 'expired', kind: 'expired', known: true, surface: 'batch', objectId: 'batch_1' });
  });

  it('classifyFailure answers without throwing', () => {
    expect(classifyFailure(response('failed', { error: { code: 'server_error', message: 'x' } }))).toMatchObject({
      code: 'server_error',
      surface: 'response',
      kind: 'failed',
      class: 'ServerError',
      retryable: true,
      known: true,
      objectId: 'resp_1',
    });
    expect(classifyFailure(response('completed'))).toBeUndefined();
  });

  it('toJSON is log-safe: the FailureFacts record, no headers, no raw object', () => {
    const failed = response('failed', { error: { code: 'server_error', message: 'boom' }, instructions: 'raw-object-only' });
    const e = thrown(() => raiseForFailedResponse(failed, { headers: new Headers({ 'x-request-id': 'req_9', 'set-cookie': 'session=raw-header-only' }) })) as ServerError;
    const text = JSON.stringify(e);
    const json = JSON.parse(text) as Record<string, unknown>;
    // v2: toJSON returns the FailureFacts record (class, not name; null, not undefined).
    expect(Object.keys(json)).toEqual([...FAILURE_FIELDS]);
    expect(json).toEqual({
      class: 'ServerError',
      code: 'server_error',
      known: true,
      surface: 'response',
      kind: 'failed',
      category: 'server',
      retryable: true,
      backoff: { ...TABLES.backoff[CODES.server_error.backoff] },
      message: 'boom',
      type: null,
      objectId: 'resp_1',
      status: 500,
      transportStatus: 200,
      requestID: 'req_9',
      truncated: false,
      replay: { mayHaveBilled: true, outputDelivered: false, continuesConversation: false },
    });
    expect(text).not.toContain('raw-object-only');
    expect(text).not.toContain('raw-header-only');
  });

  it('never throws anything but a registry error, and never mutates, whatever the input', () => {
    const hostile: unknown[] = [
      null,
      undefined,
      42,
      'failed',
      [],
      [{ object: 'response', status: 'failed' }],
      Object.freeze({ object: 'response', status: 'failed', error: Object.freeze({ code: 'server_error' }) }),
      { get object(): string { throw new Error('getter'); } },
      new Proxy({}, { get() { throw new Error('trap'); } }),
      { object: 'response', status: { toString: () => 'failed' } },
      { object: 'response', status: 'failed', error: { code: 42 } },
      { object: 'response', status: 'failed', error: { code: '__proto__' } },
      { object: 'response', status: 'failed', error: { code: 'constructor', message: { evil: true } } },
    ];
    const cyclic: Record<string, unknown> = { object: 'response', status: 'failed' };
    cyclic['error'] = cyclic;
    hostile.push(cyclic);
    for (const input of hostile) {
      const before = input !== null && typeof input === 'object' ? safeJson(input) : undefined;
      try {
        expect(raiseForFailedResponse(input)).toBe(input);
      } catch (e) {
        expect(isOpenAIFailure(e)).toBe(true);
      }
      if (before !== undefined) expect(safeJson(input)).toBe(before);
    }
  });
});

function safeJson(v: unknown): string {
  const seen = new WeakSet();
  try {
    return JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'object' && x !== null) {
        if (seen.has(x)) return '[cycle]';
        seen.add(x);
      }
      return x;
    });
  } catch {
    return 'unreadable';
  }
}

describe('raiseForStreamEvents', () => {
  async function* events(...list: unknown[]) {
    for (const e of list) yield e;
  }
  async function drain(it: AsyncIterable<unknown>): Promise<unknown> {
    try {
      for await (const _ of it) void _;
    } catch (e) {
      return e;
    }
    return undefined;
  }

  it('throws a response.failed event\'s error as is (no re-wrapping), even for unknown codes', async () => {
    const failed = { type: 'response.failed', response: { object: 'response', id: 'resp_7', status: 'failed', error: { code: 'never_seen', message: 'x' } } };
    const e = await drain(raiseForStreamEvents(events({ type: 'response.created' }, failed)));
    expect(e).toBeInstanceOf(CLASSES[FALLBACKS.response.class]);
    expect(e).toBeInstanceOf(UnknownResponseFailureError);
    expect(e).toMatchObject({ surface: 'response.stream', kind: 'failed', objectId: 'resp_7', failedObject: failed, code: 'never_seen' });
  });

  it('counts output as delivered only after an event that showed some: lifecycle events carrying an empty response do not', async () => {
    const failed = { type: 'response.failed', response: { object: 'response', id: 'resp_9', status: 'failed', output: [], error: { code: 'server_error', message: 'x' } } };
    const lifecycle = [{ type: 'response.created', response: { id: 'resp_9', status: 'queued', output: [] } }, { type: 'response.in_progress', response: { id: 'resp_9', status: 'in_progress', output: [] } }];
    expect(await drain(raiseForStreamEvents(events(...lifecycle, failed)))).toMatchObject({ retryable: true, replay: { outputDelivered: false } });
    const delta = { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' };
    expect(await drain(raiseForStreamEvents(events(...lifecycle, delta, failed)))).toMatchObject({ replay: { outputDelivered: true } });
    const withOutput = { type: 'response.in_progress', response: { id: 'resp_9', status: 'in_progress', output: [{ type: 'message' }] } };
    expect(await drain(raiseForStreamEvents(events(withOutput, failed)))).toMatchObject({ replay: { outputDelivered: true } });
  });

  it('a chat stream that fails after the role-only first chunk showed nothing: it can be resubmitted', async () => {
    const role = { object: 'chat.completion.chunk', id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] };
    const text = { object: 'chat.completion.chunk', id: 'c', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] };
    const error = { type: 'error', error: { code: 'server_error', message: 'x' } };
    expect(await drain(raiseForStreamEvents(events(role, error)))).toMatchObject({ name: 'ServerError', replay: { outputDelivered: false } });
    expect(await drain(raiseForStreamEvents(events(role, text, error)))).toMatchObject({ replay: { outputDelivered: true } });
    const audio = { object: 'chat.completion.chunk', id: 'c', choices: [{ index: 0, delta: { content: null, audio: { id: 'a', data: 'UklGRg==', transcript: 'Hel' } }, finish_reason: null }] };
    expect(await drain(raiseForStreamEvents(events(role, audio, error)))).toMatchObject({ replay: { outputDelivered: true } });
  });

  it("reads the events openai's Responses WebSocket iterator wraps: { type: 'message', message } and a WebSocketError's server event", async () => {
    // The SDK's WebSocketError (resources/responses/internal-base) keeps the server's error event on a non-enumerable `error`.
    class WebSocketError extends Error {
      declare readonly error: unknown;
      constructor(message: string, event: unknown) {
        super(message);
        Object.defineProperty(this, 'error', { value: event ?? undefined, enumerable: false });
      }
    }
    const failed = { type: 'response.failed', response: { object: 'response', id: 'resp_w', status: 'failed', output: [], error: { code: 'server_error', message: 'x' } } };
    const created = { type: 'message', message: { type: 'response.created', response: { id: 'resp_w', status: 'in_progress', output: [] } } };
    // the iterator's items about the socket itself (raw repeats a frame it also yields parsed) show nothing
    const socket = [{ type: 'connecting' }, { type: 'open' }, { type: 'raw', data: '{"type":"response.created"}' }, { type: 'reconnecting', reconnect: {} }, { type: 'reconnected' }];
    expect(await drain(raiseForStreamEvents(events(...socket, created, { type: 'message', message: failed })))).toMatchObject({ name: 'ServerError', objectId: 'resp_w', replay: { outputDelivered: false } });
    const delta = { type: 'message', message: { type: 'response.output_text.delta', item_id: 'm', output_index: 0, content_index: 0, delta: 'Hi' } };
    expect(await drain(raiseForStreamEvents(events(...socket, created, delta, { type: 'message', message: failed })))).toMatchObject({ replay: { outputDelivered: true } });
    const limited = new WebSocketError('rate limited', { type: 'error', error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 1s.' } });
    expect(await drain(raiseForStreamEvents(events({ type: 'error', error: limited })))).toMatchObject({ name: 'RateLimitExceededError', retryable: true });
    // the socket's own trouble, with no server event, is passed through for the caller to see
    expect(await drain(raiseForStreamEvents(events({ type: 'error', error: new WebSocketError('socket closed', null) })))).toBeUndefined();
  });

  it("reads the { event, data } items of openai's Assistants stream; only deltas show output", async () => {
    const run = (status: string, extra: object = {}) => ({ id: 'run_1', object: 'thread.run', status, ...extra });
    const items = [{ event: 'thread.run.created', data: run('queued') }, { event: 'thread.run.in_progress', data: run('in_progress') }, { event: 'thread.run.failed', data: run('failed', { last_error: { code: 'server_error', message: 'x' } }) }];
    expect(await drain(raiseForStreamEvents(events(...items)))).toMatchObject({ surface: 'assistants.run', objectId: 'run_1', code: 'server_error', replay: { outputDelivered: false } });
    const delta = { event: 'thread.message.delta', data: { id: 'msg_1', object: 'thread.message.delta', delta: { content: [{ type: 'text', text: { value: 'Hi' } }] } } };
    expect(await drain(raiseForStreamEvents(events(items[0], delta, items[2])))).toMatchObject({ replay: { outputDelivered: true } });
  });

  it("a failed Response's error.type refines its code as over HTTP: rate_limit_exceeded of type insufficient_quota is the quota failure, polled or streamed", async () => {
    const error = { code: 'rate_limit_exceeded', type: 'insufficient_quota', message: 'You exceeded your current quota.' };
    const polled = { object: 'response', id: 'resp_q', status: 'failed', output: [], error };
    expect(classifyFailure(polled)).toMatchObject({ class: 'InsufficientQuotaError', category: 'quota', retryable: false });
    expect(await drain(raiseForStreamEvents(events({ type: 'response.failed', response: polled })))).toMatchObject({ name: 'InsufficientQuotaError', retryable: false });
    expect(classifyFailure({ ...polled, error: { ...error, type: null } })).toMatchObject({ class: 'RateLimitExceededError', retryable: true });
  });

  it('throws response.incomplete only when asked, as the incomplete class', async () => {
    const incomplete = { type: 'response.incomplete', response: { object: 'response', id: 'resp_8', status: 'incomplete', incomplete_details: { reason: 'content_filter' } } };
    expect(await drain(raiseForStreamEvents(events(incomplete)))).toBeUndefined();
    const e = await drain(raiseForStreamEvents(events(incomplete), { raiseOnIncomplete: true }));
    expect(e).toMatchObject({ name: 'ContentFilterError', surface: 'response.stream', kind: 'incomplete', objectId: 'resp_8' });
  });
});

describe('hostile options and headers', () => {
  const failed = { object: 'response', id: 'r', status: 'failed', error: { code: 'server_error', message: 'x' } };
  it.each([
    ['null options', null],
    ['headers whose get throws', { headers: { get() { throw new Error('boom'); } } }],
    ['plain-object headers', { headers: { 'x-request-id': 'req_1' } }],
    ['options with a throwing getter', { get raiseOnIncomplete(): boolean { throw new Error('getter'); } }],
  ])('%s still give a registry error', (_name, options) => {
    const e = thrown(() => raiseForFailedResponse(failed, options as never));
    expect(e).toBeInstanceOf(ServerError);
  });

  it('plain-object headers keep their request id', () => {
    expect(thrown(() => raiseForFailedResponse(failed, { headers: { 'x-request-id': 'req_1' } as never }))).toMatchObject({ requestID: 'req_1' });
  });
});

describe('classifyError', () => {
  it('answers only for API errors', () => {
    expect(classifyError({ status: 503 })).toBeUndefined();
    expect(classifyError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(classifyError(new sdkErrors.InternalServerError(503, undefined, 'down', new Headers()))).toMatchObject({ retryable: true, known: false, class: FALLBACKS.http.class, category: 'unknown', status: 503, transportStatus: 503, surface: 'http', kind: 'http' });
    expect(classifyError(new sdkErrors.BadRequestError(400, { code: 'brand_new_code' }, 'x', new Headers()))).toMatchObject({ retryable: false, known: false, code: 'brand_new_code', status: 400 });
    expect(classifyError(new sdkErrors.BadRequestError(400, { code: 'context_length_exceeded', message: 'too long' }, 'x', new Headers()))).toMatchObject({
      code: 'context_length_exceeded',
      retryable: false,
      surface: 'http',
      message: 'too long',
    });
  });
});
