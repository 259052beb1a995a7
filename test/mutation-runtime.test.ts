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
