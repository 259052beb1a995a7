/** Registry 2 behaviour: fallbacks per surface, categories, server hints, replay facts, log safety, bounds, batch lines, the settled fast path. */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import * as sdkErrors from 'openai/core/error';
import { APIError, BadRequestError, InternalServerError, RateLimitError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import {
  CLASSES,
  InsufficientQuotaError,
  classifyBatchLine,
  classifyError,
  classifyFailure,
  isOpenAIFailure,
  isQuotaFailure,
  isRateLimitFailure,
  isRetryable,
  raiseForFailedResponse,
  raiseForStreamEvents,
} from '../src/index.ts';
import * as exported from '../src/index.ts';
import { classTable, failureClass } from '../src/runtime.ts';
import { buildFailure, classifyOnSurface, MAX_CODE } from '../src/classify.ts';
import { CODES, TABLES } from '../generated/registry.ts';
import type { FailureClass } from '../src/failure.ts';
import { dispatchTag, failedObject, thrown } from './helpers.ts';

const classes: Readonly<Record<string, FailureClass>> = CLASSES;

const registryJson = JSON.parse(readFileSync('generated/registry.json', 'utf8')) as { fallbacks: Record<string, { class: string; extends: string }> };
const sdkClass = (name: string | undefined) => (sdkErrors as Record<string, unknown>)[name ?? ''] as typeof APIError;
const UNKNOWN = 'code_from_the_future';
const response = (status: string, extra: Record<string, unknown> = {}) => ({ object: 'response', id: 'resp_1', status, ...extra });

describe("an unknown code gets its surface's fallback, on every surface of the embedded registry", () => {
  it.each(TABLES.surfaces.map((s) => [s.name, s] as const))('%s', (name, s) => {
    const fallback = TABLES.fallbacks[s.unknown];
    const json = registryJson.fallbacks[s.unknown];
    expect(fallback, `fallback ${s.unknown}`).toBeDefined();
    expect(json?.class).toBe(fallback?.class);
    let e: unknown;
    if (name === 'http') {
      // A plain openai error: classifyError answers for it; the registry's class is what a raise would build.
      const plain = new APIError(400, { code: UNKNOWN, message: 'x' }, 'x', new Headers());
      const facts = classifyError(plain);
      expect(facts).toMatchObject({ class: fallback?.class, code: UNKNOWN, known: false, surface: 'http', kind: 'http', category: 'unknown', retryable: false, status: 400 });
      e = buildFailure(CLASSES, { facts: facts ?? expect.unreachable(), failedObject: plain });
    } else if (dispatchTag(TABLES, name) === undefined) {
      // Surfaces without a dispatch tag (batch output lines) are read by their own helper.
      const obj = failedObject(TABLES, s, UNKNOWN, 'failed', { dispatched: false }) ?? expect.unreachable(`no failed ${name} object`);
      const facts = classifyOnSurface(TABLES, name, obj);
      expect(facts).toMatchObject({ class: fallback?.class, code: UNKNOWN, known: false, surface: name });
      e = buildFailure(CLASSES, { facts: facts ?? expect.unreachable(), failedObject: obj });
    } else {
      const obj = failedObject(TABLES, s, UNKNOWN, 'failed') ?? failedObject(TABLES, s, UNKNOWN, 'incomplete') ?? expect.unreachable(`no ${name} object`);
      if (s.status !== undefined && s.fields.reason.some((p) => p.join('.') === s.status?.path.join('.')) && s.fields.code.length === 0) {
        // Where the reason is the status itself (a chat completion's finish_reason), an unknown
        // value is an unknown status, not a failure: the object is returned as it is.
        expect(classifyFailure(obj)).toBeUndefined();
        expect(raiseForFailedResponse(obj, { raiseOnIncomplete: true })).toBe(obj);
        return;
      }
      e = thrown(() => raiseForFailedResponse(obj, { raiseOnIncomplete: true }));
      expect(e).toMatchObject({ code: UNKNOWN, known: false, surface: name, category: 'unknown', retryable: false });
    }
    expect(e).toBeInstanceOf(classes[fallback?.class ?? '']);
    expect(e).toBeInstanceOf(sdkClass(json?.extends));
    expect(e).toBeInstanceOf(APIError);
    expect(isOpenAIFailure(e)).toBe(true);
  });

  it('covers every surface, each naming a fallback of the registry', () => {
    expect(TABLES.surfaces.length).toBeGreaterThanOrEqual(15);
    expect(TABLES.surfaces.filter((s) => !Object.hasOwn(TABLES.fallbacks, s.unknown)).map((s) => s.name)).toEqual([]);
  });

  it('a failed response with an unknown code is the service\'s failure: UnknownResponseFailureError on InternalServerError', () => {
    const e = thrown(() => raiseForFailedResponse(response('failed', { error: { code: UNKNOWN, message: 'x' } })));
    expect(e).toBeInstanceOf(classes['UnknownResponseFailureError']);
    expect(e).toBeInstanceOf(InternalServerError);
    expect(e).toMatchObject({ name: 'UnknownResponseFailureError', status: 500, transportStatus: 200 });
  });
});

describe('category guards', () => {
  const quota = (code: string, type = code) => new RateLimitError(429, { code, type, message: 'x' }, 'x', new Headers());

  it('isQuotaFailure: a failed response with insufficient_quota, and a plain openai 429 with that code', () => {
    const failed = thrown(() => raiseForFailedResponse(response('failed', { error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } })));
    expect(failed).toBeInstanceOf(InsufficientQuotaError);
    expect(isQuotaFailure(failed)).toBe(true);
    expect(isRateLimitFailure(failed)).toBe(false);
    expect(isQuotaFailure(quota('insufficient_quota'))).toBe(true);
    expect(isRateLimitFailure(quota('insufficient_quota'))).toBe(false);
  });

  it('isQuotaFailure is false for rate_limit_exceeded (a rate limit, not a quota) and for anything that is not an API error', () => {
    const limited = thrown(() => raiseForFailedResponse(response('failed', { error: { code: 'rate_limit_exceeded', message: 'Please try again in 2s.' } })));
    expect(isQuotaFailure(limited)).toBe(false);
    expect(isRateLimitFailure(limited)).toBe(true);
    expect(isQuotaFailure(quota('rate_limit_exceeded', 'requests'))).toBe(false);
    expect(isRateLimitFailure(quota('rate_limit_exceeded', 'requests'))).toBe(true);
    expect(isQuotaFailure(new Error('insufficient_quota'))).toBe(false);
    expect(isQuotaFailure({ code: 'insufficient_quota', status: 429 })).toBe(false);
    expect(isQuotaFailure(undefined)).toBe(false);
  });

  it('the quota family is never retryable; the codes that arrive as 429 (insufficient_quota, credit_balance_exhausted) extend RateLimitError', () => {
    const quotaCodes = Object.entries(CODES).filter(([, c]) => c.category === 'quota');
    expect(quotaCodes.map(([code]) => code)).toEqual(expect.arrayContaining(['insufficient_quota', 'credit_balance_exhausted']));
    for (const [code, c] of quotaCodes) expect(c.retryable, code).toBe(false);
    for (const code of ['insufficient_quota', 'credit_balance_exhausted'] as const) {
      expect(CLASSES[CODES[code].class]?.prototype instanceof RateLimitError, `${code} extends RateLimitError`).toBe(true);
      expect(CODES[code].status).toBe(429);
    }
  });
});

describe('x-should-retry', () => {
  const headers = (value: string) => new Headers({ 'x-should-retry': value });

  it('true makes an unknown code retryable, with the hints profile', () => {
    const e = new APIError(400, { code: UNKNOWN, message: 'x' }, 'x', headers('true'));
    expect(classifyError(e)).toMatchObject({ known: false, retryable: true, backoff: { name: TABLES.hints.shouldRetryBackoff } });
    expect(isRetryable(e)).toBe(true);
    expect(isRetryable(new APIError(400, { code: UNKNOWN, message: 'x' }, 'x', new Headers()))).toBe(false);
  });

  it('false always wins, even over a status that is retried', () => {
    const e = new InternalServerError(500, { code: UNKNOWN, message: 'x' }, 'x', headers('false'));
    expect(isRetryable(e)).toBe(false);
    expect(isRetryable(new InternalServerError(500, { code: UNKNOWN, message: 'x' }, 'x', new Headers()))).toBe(true);
    expect(isRetryable(new InternalServerError(500, { code: 'server_error', message: 'x' }, 'x', headers('false')))).toBe(false);
  });

  it('true does not upgrade a code the registry knows to be terminal (429 insufficient_quota)', () => {
    const e = new RateLimitError(429, { code: 'insufficient_quota', type: 'insufficient_quota', message: 'quota' }, 'quota', headers('true'));
    expect(classifyError(e)).toMatchObject({ known: true, code: 'insufficient_quota', retryable: false, backoff: { name: 'none' } });
    expect(isRetryable(e)).toBe(false);
  });
});

describe('replay facts', () => {
  it('a response.failed stream event whose response carries output says it was delivered; a polled response never does', () => {
    const failedWithOutput = response('failed', { error: { code: 'server_error', message: 'x' }, output: [{ type: 'message', content: [] }] });
    const streamed = classifyFailure({ type: 'response.failed', sequence_number: 9, response: failedWithOutput });
    expect(streamed?.replay).toEqual({ mayHaveBilled: true, outputDelivered: true, continuesConversation: false });
    // A poll's partial output never reached the caller: resubmitting repeats nothing they saw.
    expect(classifyFailure(failedWithOutput)?.replay).toEqual({ mayHaveBilled: true, outputDelivered: false, continuesConversation: false });
    const bare = classifyFailure({ type: 'response.failed', sequence_number: 9, response: response('failed', { error: { code: 'server_error', message: 'x' }, output: [] }) });
    expect(bare?.replay.outputDelivered).toBe(false);
  });

  it('raiseForStreamEvents marks a failure after events went through as delivered', async () => {
    async function* stream() {
      yield { type: 'response.output_text.delta', delta: 'Hel' };
      yield { type: 'error', code: 'server_error', message: 'boom' };
    }
    let caught: unknown;
    try {
      for await (const _ of raiseForStreamEvents(stream())) void _;
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'server_error', replay: { outputDelivered: true } });
    async function* first() {
      yield { type: 'error', code: 'server_error', message: 'boom' };
    }
    caught = undefined;
    try {
      for await (const _ of raiseForStreamEvents(first())) void _;
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'server_error', replay: { outputDelivered: false } });
  });

  it('previous_response_id means a resubmission continues the conversation again', () => {
    const f = classifyFailure(response('failed', { error: { code: 'server_error', message: 'x' }, previous_response_id: 'resp_0' }));
    expect(f?.replay).toEqual({ mayHaveBilled: true, outputDelivered: false, continuesConversation: true });
    expect(classifyFailure(response('failed', { error: { code: 'server_error', message: 'x' }, previous_response_id: '' }))?.replay.continuesConversation).toBe(false);
  });

  it('the thrown error carries the same replay facts; a synchronous HTTP error started nothing', () => {
    const e = thrown(() => raiseForFailedResponse({ type: 'response.failed', response: response('failed', { error: { code: 'server_error', message: 'x' }, output: ['x'], previous_response_id: 'resp_0' }) }));
    expect(e).toMatchObject({ replay: { mayHaveBilled: true, outputDelivered: true, continuesConversation: true } });
    expect(classifyError(new BadRequestError(400, { code: 'context_length_exceeded', message: 'x' }, 'x', new Headers()))?.replay).toEqual({ mayHaveBilled: false, outputDelivered: false, continuesConversation: false });
  });
});

describe('log safety', () => {
  const SECRET = 'sk-proj-FAKESECRET0123456789';
  const HEADER_SECRET = 'Bearer hdr-FAKESECRET-abcdef';
  const failed = () =>
    response('failed', {
      error: { code: 'server_error', message: `upstream refused key ${SECRET}` },
      instructions: `system prompt with ${SECRET}`,
      metadata: { api_key: SECRET, note: 'object-only-marker' },
    });

  it('util.inspect of a thrown failure shows its facts, not the failed object or the headers', () => {
    const obj = failed();
    const e = thrown(() => raiseForFailedResponse(obj, { headers: new Headers({ authorization: HEADER_SECRET, 'x-request-id': 'req_42' }) }));
    const shown = inspect(e, { depth: 10 });
    expect(shown).toContain('ServerError');
    expect(shown).toContain('server_error');
    expect(shown).toContain('req_42');
    for (const leak of [SECRET, 'FAKESECRET', 'object-only-marker', 'system prompt', 'authorization', 'hdr-']) expect(shown, leak).not.toContain(leak);
    const json = JSON.stringify(e);
    for (const leak of [SECRET, 'FAKESECRET', 'object-only-marker', 'authorization']) expect(json, leak).not.toContain(leak);
    // The raw object and the headers stay reachable for the caller, untouched.
    expect((e as { failedObject: unknown }).failedObject).toBe(obj);
    expect((e as APIError).headers?.get('authorization')).toBe(HEADER_SECRET);
    expect((e as { message: string }).message).toContain('sk-proj-[redacted]');
  });
});

describe('bounds', () => {
  it('a 10 MB code is cut to at most 200 characters and marked; the raw object keeps the whole', () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const obj = response('failed', { error: { code: huge, message: 'x' } });
    const e = thrown(() => raiseForFailedResponse(obj)) as { code: string; truncated: boolean; known: boolean; failedObject: { error: { code: string } } };
    expect(e.truncated).toBe(true);
    expect(e.known).toBe(false);
    expect(e.code.length).toBeLessThanOrEqual(MAX_CODE);
    expect(MAX_CODE).toBe(200);
    expect(e.failedObject).toBe(obj);
    expect(e.failedObject.error.code).toHaveLength(huge.length);
    expect(JSON.stringify(e).length).toBeLessThan(20_000);
    expect(thrown(() => raiseForFailedResponse(response('failed', { error: { code: 'server_error', message: 'x' } })))).toMatchObject({ truncated: false });
  });
});

describe('classifyBatchLine', () => {
  it('reads a line whose error says batch_expired', () => {
    const line = { id: 'batch_req_1', custom_id: 'line-1', response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } };
    const spec = CODES.batch_expired;
    expect(classifyBatchLine(line)).toMatchObject({
      class: spec.class,
      code: 'batch_expired',
      known: true,
      surface: 'batch.line',
      kind: 'failed',
      category: spec.category,
      retryable: spec.retryable,
      objectId: 'line-1',
      transportStatus: 200,
      replay: { mayHaveBilled: false, outputDelivered: false, continuesConversation: false },
    });
    expect(spec.category).toBe('expired');
  });

  it('reads a line whose response carries an HTTP 400 with context_length_exceeded in its body', () => {
    const line = {
      id: 'batch_req_2',
      custom_id: 'line-2',
      response: { status_code: 400, request_id: 'req_2', body: { error: { message: 'too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } },
      error: null,
    };
    expect(classifyBatchLine(line)).toMatchObject({
      class: 'ContextLengthExceededError',
      code: 'context_length_exceeded',
      known: true,
      surface: 'batch.line',
      category: 'invalid_request',
      retryable: false,
      status: 400,
      type: 'invalid_request_error',
      message: 'too long',
      objectId: 'line-2',
    });
  });

  it('answers undefined for a line that succeeded, and for anything that is not a line', () => {
    expect(classifyBatchLine({ id: 'batch_req_3', custom_id: 'line-3', response: { status_code: 200, body: { id: 'resp_1', object: 'response' } }, error: null })).toBeUndefined();
    for (const x of [null, undefined, 'line', 42, []]) expect(classifyBatchLine(x)).toBeUndefined();
  });
});

describe('the settled fast path', () => {
  it('returns a completed response (same reference) after reading only its status', () => {
    const reads: PropertyKey[] = [];
    const completed = new Proxy(response('completed', { output: [{ type: 'message' }] }), {
      get(target, key, receiver) {
        reads.push(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(raiseForFailedResponse(completed)).toBe(completed);
    expect(reads).toEqual(['status']);
  });

  it('reads further only when the status may be a failure somewhere', () => {
    const reads: PropertyKey[] = [];
    const failed = new Proxy(response('failed', { error: { code: 'server_error', message: 'x' } }), {
      get(target, key, receiver) {
        reads.push(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    expect(() => raiseForFailedResponse(failed)).toThrow();
    expect(reads.length).toBeGreaterThan(1);
    expect(TABLES.settled).toContain('completed');
    expect(TABLES.settled).not.toContain('failed');
  });
});

describe('the generated classes', () => {
  type Named = { class: string; extends: string };
  const json = JSON.parse(readFileSync('generated/registry.json', 'utf8')) as {
    codes: Record<string, Named & { refinements?: Named[]; overrides?: Record<string, Named> }>;
    fallbacks: Record<string, Named>;
  };
  const named: Named[] = [...Object.values(json.fallbacks)];
  for (const c of Object.values(json.codes)) named.push(c, ...(c.refinements ?? []), ...Object.values(c.overrides ?? {}));
  // A refinement `as:` another code names no class of its own.
  const bases = new Map(named.filter((n) => n.class !== undefined).map((n) => [n.class, n.extends]));

  it.each([...bases].sort(([a], [b]) => (a < b ? -1 : 1)))('%s extends the openai class registry.json names (%s), directly, and is the export of its name', (name, base) => {
    const cls = classes[name] ?? expect.unreachable(`no class ${name}`);
    // OAuthError stands in for AuthenticationError where the installed openai lacks it.
    const sdk = sdkClass(base) ?? sdkClass(base === 'OAuthError' ? 'AuthenticationError' : '');
    expect(Object.getPrototypeOf(cls.prototype)).toBe(sdk.prototype);
    expect(cls.name).toBe(name);
    expect((cls.prototype as { name: string }).name).toBe(name);
    expect((exported as Record<string, unknown>)[name]).toBe(cls);
  });

  it('are exactly the classes registry.json names', () => {
    expect(Object.keys(CLASSES).sort()).toEqual([...bases.keys()].sort());
  });
});

describe('classTable (what errors.ts generated by 0.5.2 builds CLASSES with)', () => {
  it('keys each class by the name failureClass fixed on its prototype', () => {
    const Proxy = failureClass(RateLimitError, 'ProxyThrottledError', 429);
    const Other = failureClass(BadRequestError, 'ProxyRejectedError', 400);
    const table = classTable<'ProxyThrottledError' | 'ProxyRejectedError'>([Proxy as never, Other as never]);
    expect(Object.keys(table).sort()).toEqual(['ProxyRejectedError', 'ProxyThrottledError']);
    expect(table.ProxyThrottledError).toBe(Proxy);
    expect(table.ProxyRejectedError).toBe(Other);
  });
});
