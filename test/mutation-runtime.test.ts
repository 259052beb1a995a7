/**
 * createRuntime answers as the package's own exports do (they are the same runtime over the
 * embedded registry), and a failure's message, status, record and inspect view, kind by kind.
 */
import { inspect } from 'node:util';
import { APIConnectionError, APIError, InternalServerError, RateLimitError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';
import { CLASSES, TABLES } from '../src/index.ts';
import { createRuntime } from '../src/runtime.ts';
import { FAILURE_BRAND, isOpenAIFailure, type FailureClass } from '../src/failure.ts';
import { FAILURE_FIELDS } from '../src/failure-record.generated.ts';

const runtime = createRuntime({ tables: TABLES, classes: CLASSES });
const failedResponse = { object: 'response', id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'boom' } };
const rateLimit = new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x', type: 'requests' }, 'x', new Headers({ 'retry-after-ms': '40' }));
const caught = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('createRuntime over the embedded registry', () => {
  it('raises and classifies as the package does', () => {
    const e = caught(() => runtime.raiseForFailedResponse(failedResponse));
    expect(e).toBeInstanceOf(api.ServerError);
    expect(runtime.raiseForFailedResponse({ status: 'completed' })).toEqual({ status: 'completed' });
    expect(runtime.classifyFailure(failedResponse)).toEqual(api.classifyFailure(failedResponse));
    expect(runtime.classifyFailure(failedResponse)).toMatchObject({ code: 'server_error', surface: 'response' });
    expect(runtime.classifyError(rateLimit)).toEqual(api.classifyError(rateLimit));
    expect(runtime.classifyError(rateLimit)).toMatchObject({ code: 'rate_limit_exceeded', retryable: true });
    expect(runtime.isRetryable(rateLimit)).toBe(true);
    expect(runtime.isRetryable(new Error('x'))).toBe(false);
  });

  it('reads batch lines on the batch.line surface', () => {
    const line = { id: 'batch_req_1', custom_id: 'a', response: null, error: { code: 'batch_expired', message: 'expired' } };
    expect(runtime.classifyBatchLine(line)).toEqual(api.classifyBatchLine(line));
    expect(runtime.classifyBatchLine(line)).toMatchObject({ surface: 'batch.line', code: 'batch_expired' });
  });

  it("retries with the registry's hints and connection backoff", async () => {
    expect(runtime.retryDelayMs(rateLimit, 1, { random: () => 0 })).toBe(40);
    expect(runtime.retryDelayMs(new APIConnectionError({ message: 'x' }), 1, { random: () => 1 })).toBe(TABLES.backoff[TABLES.defaults.connectionBackoff]?.initialMs);
    let n = 0;
    expect(await runtime.withRetry(async () => { if (n++ === 0) throw rateLimit; return 'ok'; }, { limiter: false, budget: false, sleep: async () => {} })).toBe('ok');
  });

  it('waits for responses and raises for stream events', async () => {
    const client = { responses: { retrieve: (id: string) => ({ withResponse: async () => ({ data: { id, status: 'completed' }, response: { headers: new Headers() } }) }) } };
    expect(await runtime.waitForResponse(client, 'resp_1', { limiter: false })).toEqual({ id: 'resp_1', status: 'completed' });
    async function* events() {
      yield { type: 'response.created' };
      yield { type: 'response.failed', response: failedResponse };
    }
    const seen: unknown[] = [];
    const e = await (async () => {
      try {
        for await (const x of runtime.raiseForStreamEvents(events())) seen.push(x);
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(seen).toEqual([{ type: 'response.created' }]);
    expect(e).toBeInstanceOf(api.ServerError);
  });
});

describe('a failure, kind by kind', () => {
  it('failed: "<surface> failed (<code>): <message>", the nominal status of its class', () => {
    const e = caught(() => api.raiseForFailedResponse(failedResponse)) as api.ServerError;
    expect(e.message).toBe('response failed (server_error): boom');
    expect(e.status).toBe(500);
    expect(e).toBeInstanceOf(InternalServerError);
    expect(e.name).toBe('ServerError');
    expect(e[FAILURE_BRAND]).toBe(true);
  });

  it('incomplete and error events are named as such; no code is "no code"', () => {
    const incomplete = caught(() => api.raiseForFailedResponse({ object: 'response', id: 'r', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }, { raiseOnIncomplete: true })) as Error;
    expect(incomplete.message).toMatch(/^response incomplete \(max_output_tokens\): /);
    const event = caught(() => api.raiseForFailedResponse({ type: 'error', error: { code: 'server_error', message: 'x' } })) as Error & { kind: string; surface: string };
    expect(event.kind).toBe('error_event');
    expect(event.message).toBe(`${event.surface} error event (server_error): x`);
    const noCode = caught(() => api.raiseForFailedResponse({ object: 'response', id: 'r', status: 'failed', error: { message: 'x' } })) as Error;
    expect(noCode.message).toBe('response failed (no code): x');
  });

  it('an HTTP failure keeps the status it arrived with', () => {
    const facts = api.classifyError(new APIError(418, { code: 'teapot', message: 'x' }, 'x', new Headers())) ?? expect.unreachable();
    const e = new (CLASSES as Record<string, FailureClass>)[facts.class]!({ facts, failedObject: undefined, headers: undefined });
    expect(e.status).toBe(418);
    expect(e.message).toBe('http http (teapot): x');
  });

  it('fields come from the facts; toJSON is the record of every field, with the class name, status and request id', () => {
    const e = caught(() => api.raiseForFailedResponse(failedResponse, { headers: new Headers({ 'x-request-id': 'req_9' }) })) as api.ServerError;
    const f = e.facts;
    expect([e.known, e.surface, e.kind, e.category, e.retryable, e.backoff, e.objectId, e.transportStatus, e.truncated, e.replay]).toEqual([f.known, f.surface, f.kind, f.category, f.retryable, f.backoff, f.objectId, f.transportStatus, f.truncated, f.replay]);
    expect(e.failedObject).toBe(failedResponse);
    const record = e.toJSON() as unknown as Record<string, unknown>;
    expect(Object.keys(record)).toEqual([...FAILURE_FIELDS]);
    expect(record).toMatchObject({ class: 'ServerError', status: 500, requestID: 'req_9', code: 'server_error', objectId: 'resp_1' });
    expect(JSON.parse(JSON.stringify(e))).toEqual(JSON.parse(JSON.stringify(record)));
    expect(Object.keys(e)).not.toContain('facts');
    expect(Object.keys(e)).not.toContain('failedObject');
  });

  it('without a request id, toJSON says null; a prototype has no record', () => {
    const e = caught(() => api.raiseForFailedResponse(failedResponse)) as api.ServerError;
    expect(e.toJSON()).toMatchObject({ requestID: null });
    const proto = Object.getPrototypeOf(e) as { toJSON(): unknown };
    expect(proto.toJSON()).toEqual({});
  });

  it('util.inspect shows the record', () => {
    const e = caught(() => api.raiseForFailedResponse(failedResponse)) as api.ServerError;
    const shown = inspect(e);
    expect(shown).toContain("class: 'ServerError'");
    expect(shown).toContain("code: 'server_error'");
    expect(shown).not.toContain('failedObject');
  });

  it('isOpenAIFailure: the brand, not the class', () => {
    expect(isOpenAIFailure(caught(() => api.raiseForFailedResponse(failedResponse)))).toBe(true);
    expect(isOpenAIFailure({ [FAILURE_BRAND]: true })).toBe(true);
    expect(isOpenAIFailure({ [FAILURE_BRAND]: 'yes' })).toBe(false);
    expect(isOpenAIFailure(rateLimit)).toBe(false);
    expect(isOpenAIFailure(null)).toBe(false);
    expect(isOpenAIFailure('x')).toBe(false);
  });

  it('name, toJSON and the inspect hook may be overridden on an instance; the fields from the facts may be redefined', () => {
    const e = caught(() => api.raiseForFailedResponse(failedResponse)) as api.ServerError;
    e.name = 'Renamed';
    expect(e.name).toBe('Renamed');
    e.toJSON = () => 'mine' as never;
    expect(JSON.stringify(e)).toBe('"mine"');
    const proto = Object.getPrototypeOf(Object.getPrototypeOf(e)) as object;
    for (const key of ['name', 'toJSON', Symbol.for('nodejs.util.inspect.custom')]) {
      const d = Object.getOwnPropertyDescriptor(proto, key) ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(e) as object, key);
      expect(d, String(key)).toMatchObject({ writable: true, configurable: true });
    }
    for (const key of ['known', 'surface', 'kind', 'category', 'retryable', 'backoff', 'objectId', 'transportStatus', 'truncated', 'replay']) {
      const d = Object.getOwnPropertyDescriptor(proto, key) ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(e) as object, key);
      expect(d?.configurable, key).toBe(true);
    }
  });
});

describe('createRuntime over tables it cannot use', () => {
  const failed = (code: string) => ({ object: 'response', id: 'r', status: 'failed', error: { code, message: 'm' } });
  const withCode = (spec: object) => ({ ...TABLES, codes: { ...TABLES.codes, proxy_down: { class: 'ServerError', category: 'server', retryable: true, backoff: 'default', status: 500, ...spec } } });

  it.each([
    ['a misspelt backoff', withCode({ backoff: 'rate-limit' }), /^createRuntime: code "proxy_down" names backoff "rate-limit"/],
    ['an unknown class', withCode({ class: 'NoSuchError' }), /^createRuntime: code "proxy_down" names class "NoSuchError"/],
    ['an inherited key as a class', withCode({ class: 'constructor' }), /names class "constructor"/],
    ['a refinement with an unknown backoff', withCode({ refinements: [{ when: { type: 't' }, code: 'proxy_down', class: 'ServerError', category: 'server', retryable: false, backoff: 'nope', status: 500 }] }), /refinement 0 names backoff "nope"/],
    ['a fallback with an unknown class', { ...TABLES, fallbacks: { ...TABLES.fallbacks, response: { ...TABLES.fallbacks['response']!, class: 'NoSuchError' } } }, /fallback "response" names class "NoSuchError"/],
    ['a surface naming an inherited fallback', { ...TABLES, surfaces: TABLES.surfaces.map((s) => (s.name === 'http' ? { ...s, unknown: 'constructor' } : s)) }, /surface "http" names fallback "constructor"/],
    ['an override of a surface that does not exist', withCode({ bySurface: { respnse: { class: 'ServerError', category: 'server', retryable: false, backoff: 'none', status: 500 } } }), /code "proxy_down" overrides surface "respnse"/],
    ['no settled list', { ...TABLES, settled: undefined }, /tables\.settled must be an array/],
    ['no http surface', { ...TABLES, surfaces: TABLES.surfaces.filter((s) => s.name !== 'http') }, /no "http" surface/],
    ['an unknown polling backoff', { ...TABLES, polling: { ...TABLES.polling, faultBackoff: 'nope' } }, /polling\.faultBackoff names backoff "nope"/],
  ])('refuses %s with a TypeError naming it, instead of letting that failure pass as a success later', (_name, tables, message) => {
    expect(() => createRuntime({ tables: tables as never, classes: CLASSES })).toThrow(TypeError);
    expect(() => createRuntime({ tables: tables as never, classes: CLASSES })).toThrow(message);
  });

  it('accepts a custom code whose names all resolve, and raises it', () => {
    const rt = createRuntime({ tables: withCode({}), classes: CLASSES });
    expect(caught(() => rt.raiseForFailedResponse(failed('proxy_down')))).toBeInstanceOf(api.ServerError);
  });

  it('retryTableOf refuses an http fallback that is not an own key', async () => {
    const { retryTableOf } = await import('../src/runtime.ts');
    expect(() => retryTableOf({ ...TABLES, surfaces: TABLES.surfaces.map((s) => (s.name === 'http' ? { ...s, unknown: 'constructor' } : s)) })).toThrow(/unknown fallback: constructor/);
  });

  it('waitForResponse over tables without a response surface refuses to poll rather than return a running response', async () => {
    const { TABLES: GOLDEN, } = await import('./fixtures/golden/expected/registry.ts');
    const { CLASSES: GOLDEN_CLASSES } = await import('./fixtures/golden/expected/errors.ts');
    const rt = createRuntime({ tables: GOLDEN, classes: GOLDEN_CLASSES });
    let polls = 0;
    const client = { responses: { retrieve: () => ({ withResponse: async () => (polls++, { data: { id: 'r', status: 'queued' }, response: { headers: new Headers() } }) }) } };
    await expect(rt.waitForResponse(client, 'r', { limiter: false })).rejects.toThrow(/^waitForResponse: the registry names no running status of a "response" surface/);
    expect(polls).toBe(0);
  });
});

describe('raising under frozen intrinsics and odd errors', () => {
  it('raises the registry error when Error.stackTraceLimit cannot be written (node --frozen-intrinsics)', () => {
    const own = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
    Object.defineProperty(Error, 'stackTraceLimit', { value: 10, writable: false, configurable: true });
    let e: unknown;
    try {
      e = caught(() => api.raiseForFailedResponse(failedResponse));
    } finally {
      if (own) Object.defineProperty(Error, 'stackTraceLimit', own);
    }
    expect(e).toBeInstanceOf(api.ServerError);
    expect((e as Error).stack).toContain('mutation-runtime.test.ts');
  });

  it('a branded error without facts is not retryable, as classifyError says', () => {
    const e = Object.assign(new Error('x'), { [FAILURE_BRAND]: true, retryable: true });
    expect(api.classifyError(e)).toBeUndefined();
    expect(api.isRetryable(e)).toBe(false);
  });

  it('a stream event whose response cannot be read counts as output shown, and the stream goes on', async () => {
    const odd = { type: 'response.in_progress', get response(): unknown { throw new Error('getter'); } };
    const failed = { type: 'response.failed', response: { object: 'response', id: 'r', status: 'failed', output: [], error: { code: 'server_error', message: 'x' } } };
    async function* events() {
      yield odd;
      yield failed;
    }
    let e: unknown;
    try {
      for await (const _ of api.raiseForStreamEvents(events())) void _;
    } catch (x) {
      e = x;
    }
    expect(e).toMatchObject({ name: 'ServerError', replay: { outputDelivered: true } });
  });
});
