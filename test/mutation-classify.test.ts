/**
 * Classification at its edges: the bounds on codes and messages, refinements, codes in `type`,
 * per-surface outcomes, status fallbacks and the should-retry header, request ids, connection
 * and transport failures, headers an error keeps, the settled fast path, and broken tables.
 */
import { APIConnectionError, APIError, BadRequestError, InternalServerError, RateLimitError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { CLASSES, TABLES, createRuntime, raiseForFailedResponse } from '../src/index.ts';
import {
  backoffProfile,
  buildFailure,
  categoryOf,
  classifyErrorIn,
  classifyFailureIn,
  classifyOnSurface,
  isConnectionError,
  isRetryableIn,
  isTransportFailure,
  MAX_CODE,
  MAX_MESSAGE,
  raiseIn,
  readString,
  runningStatuses,
} from '../src/classify.ts';
import type { RegistryTables } from '../src/spec.ts';

const http = (status: number | undefined, body: Record<string, unknown> | undefined, headers: Record<string, string> = {}) => new APIError(status, body, 'msg', new Headers(headers));
const failed = (error: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ object: 'response', id: 'resp_1', status: 'failed', error, ...extra });
const raise = (obj: unknown, options?: object): unknown => {
  try {
    raiseIn({ tables: TABLES, classes: CLASSES }, obj, options);
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('bounds', () => {
  it(`a code of ${MAX_CODE} characters is kept; one more is cut to ${MAX_CODE} with an ellipsis and marked`, () => {
    expect(MAX_CODE).toBe(200);
    const exact = classifyFailureIn(TABLES, failed({ code: 'c'.repeat(200), message: 'm' }));
    expect(exact).toMatchObject({ code: 'c'.repeat(200), truncated: false });
    const cut = classifyFailureIn(TABLES, failed({ code: 'c'.repeat(201), message: 'm' }));
    expect(cut).toMatchObject({ code: `${'c'.repeat(199)}…`, truncated: true });
  });

  it(`a message of ${MAX_MESSAGE} characters is kept; one more is cut and marked`, () => {
    expect(MAX_MESSAGE).toBe(10_000);
    const exact = classifyFailureIn(TABLES, failed({ code: 'server_error', message: 'm'.repeat(10_000) }));
    expect(exact?.message).toHaveLength(10_000);
    expect(exact?.truncated).toBe(false);
    const cut = classifyFailureIn(TABLES, failed({ code: 'server_error', message: 'm'.repeat(10_001) }));
    expect(cut?.message).toBe(`${'m'.repeat(9_999)}…`);
    expect(cut?.truncated).toBe(true);
    const huge = classifyFailureIn(TABLES, failed({ code: 'server_error', message: 'm'.repeat(50_000) }));
    expect(huge?.message).toHaveLength(10_000);
  });

  it('a secret straddling the bound is still redacted', () => {
    const message = `${'m'.repeat(9_980)} sk-proj-${'a'.repeat(100)}`;
    const facts = classifyFailureIn(TABLES, failed({ code: 'server_error', message }));
    expect(facts?.message).not.toMatch(/aaaaaa/);
    expect(facts?.message).toContain('sk-proj-[redacted]');
    expect(facts?.truncated).toBe(true);
  });

  it('a refinement reads a message past the bound only up to it', () => {
    const late = `${'x'.repeat(10_000)} request too large`;
    expect(classifyErrorIn(TABLES, http(429, { code: 'rate_limit_exceeded', message: late }))?.class).toBe('RateLimitExceededError');
    const early = `${'x'.repeat(9_000)} Request too large`;
    expect(classifyErrorIn(TABLES, http(429, { code: 'rate_limit_exceeded', message: early }))?.class).toBe('RequestTooLargeError');
  });

  it('an empty message says what there is', () => {
    expect(classifyFailureIn(TABLES, failed({ code: 'server_error' }))?.message).toBe('no message (server_error)');
    expect(classifyFailureIn(TABLES, failed({ message: '' }))?.message).toBe('no message (no code)');
  });
});

describe('what a code resolves to', () => {
  it('refinements: by message (case-insensitive) and by type, the first that matches', () => {
    expect(classifyErrorIn(TABLES, http(429, { code: 'rate_limit_exceeded', message: 'REQUEST TOO LARGE for gpt' }))).toMatchObject({ class: 'RequestTooLargeError', code: 'rate_limit_exceeded', retryable: false, known: true });
    expect(classifyErrorIn(TABLES, http(429, { code: 'rate_limit_exceeded', message: 'x', type: 'insufficient_quota' }))).toMatchObject({ class: 'InsufficientQuotaError', code: 'insufficient_quota', category: 'quota' });
    expect(classifyErrorIn(TABLES, http(429, { code: 'rate_limit_exceeded', message: 'x', type: 'requests' }))).toMatchObject({ class: 'RateLimitExceededError', code: 'rate_limit_exceeded', retryable: true, type: 'requests' });
  });

  it('a code in type with no code is read as the code; an unknown type is not', () => {
    expect(classifyErrorIn(TABLES, http(429, { code: null, type: 'insufficient_quota', message: 'x' }))).toMatchObject({ code: 'insufficient_quota', known: true });
    expect(classifyErrorIn(TABLES, http(400, { code: null, type: 'invalid_request_error', message: 'x' }))).toMatchObject({ code: null, known: false, type: 'invalid_request_error' });
  });

  it('a per-surface outcome applies on its surface only', () => {
    expect(classifyFailureIn(TABLES, { object: 'batch', id: 'b', status: 'expired' })).toMatchObject({ code: 'expired', retryable: false, kind: 'expired' });
    expect(classifyFailureIn(TABLES, { object: 'thread.run', id: 'r', status: 'expired' })).toMatchObject({ code: 'expired', retryable: true, kind: 'expired' });
  });

  it('an incomplete object is read by its reason; the object id, the type and output are read', () => {
    const facts = classifyFailureIn(TABLES, { object: 'response', id: 'resp_5', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{}] });
    expect(facts).toMatchObject({ kind: 'incomplete', code: 'max_output_tokens', objectId: 'resp_5', type: null, transportStatus: 200 });
    expect(facts?.replay.outputDelivered).toBe(true);
  });

  it('output is delivered by a non-empty array or string only', () => {
    // On the stream surface, whose response.output was streamed to the caller (a polled response's never was).
    const delivered = (output: unknown) => classifyFailureIn(TABLES, { type: 'response.failed', response: failed({ code: 'server_error', message: 'x' }, { output }) })?.replay.outputDelivered;
    expect([delivered([]), delivered(['x']), delivered(''), delivered('x'), delivered(3)]).toEqual([false, true, false, true, false]);
  });

  it('an empty code falls to the next path; a statusless surface is failed by an error object', () => {
    expect(classifyErrorIn(TABLES, Object.assign(http(400, { code: 'context_length_exceeded', message: 'x' }), { code: '' }))).toMatchObject({ code: 'context_length_exceeded' });
    expect(classifyOnSurface(TABLES, 'batch.line', { id: 'x', error: null, response: { status_code: 200, body: {} } })).toBeUndefined();
    expect(classifyOnSurface(TABLES, 'batch.line', { id: 'x', error: 'text' })).toBeUndefined();
    expect(classifyOnSurface(TABLES, 'no.such.surface', { error: {} })).toBeUndefined();
    expect(classifyOnSurface(TABLES, 'batch.line', null)).toBeUndefined();
    expect(classifyOnSurface(TABLES, 'batch.line', 'line')).toBeUndefined();
  });
});

describe('plain openai errors', () => {
  it('an unknown code: the status fallback (408, 409, 429, >= 500 retryable), the status kept', () => {
    const retryable = (status: number) => classifyErrorIn(TABLES, http(status, { code: 'brand_new', message: 'x' }))?.retryable;
    expect([400, 404, 408, 409, 429, 499, 500, 503].map(retryable)).toEqual([false, false, true, true, true, false, true, true]);
    expect(classifyErrorIn(TABLES, http(429, { code: 'brand_new', message: 'x' }))?.backoff.name).toBe('rate_limit');
    expect(classifyErrorIn(TABLES, http(503, { code: 'brand_new', message: 'x' }))).toMatchObject({ status: 503, transportStatus: 503, backoff: { name: 'default' } });
  });

  it('should-retry: false always wins; true upgrades an unknown code with the hints profile; anything else is ignored', () => {
    expect(classifyErrorIn(TABLES, http(500, { code: 'server_error', message: 'x' }, { 'x-should-retry': 'false' }))?.retryable).toBe(false);
    expect(classifyErrorIn(TABLES, http(400, { code: 'brand_new', message: 'x' }, { 'x-should-retry': 'true' }))).toMatchObject({ retryable: true, backoff: { name: 'default' } });
    expect(classifyErrorIn(TABLES, http(400, { code: 'brand_new', message: 'x' }, { 'x-should-retry': 'yes' }))?.retryable).toBe(false);
    expect(classifyErrorIn(TABLES, http(429, { code: 'rate_limit_exceeded', message: 'x' }, { 'x-should-retry': 'true' }))?.backoff.name).toBe('rate_limit');
    expect(isRetryableIn(TABLES, http(500, { code: 'server_error', message: 'x' }, { 'x-should-retry': 'false' }))).toBe(false);
    expect(isRetryableIn(TABLES, http(400, { code: 'brand_new', message: 'x' }, { 'x-should-retry': 'true' }))).toBe(true);
  });

  it('reads should-retry from plain-object headers too, by lower-case name', () => {
    const e = Object.assign(http(500, { code: 'server_error', message: 'x' }), { headers: { 'X-Should-Retry': 'false' } });
    expect(classifyErrorIn(TABLES, e)?.retryable).toBe(false);
    const notString = Object.assign(http(500, { code: 'server_error', message: 'x' }), { headers: { 'x-should-retry': false } });
    expect(classifyErrorIn(TABLES, notString)?.retryable).toBe(true);
    const getter = Object.assign(http(500, { code: 'server_error', message: 'x' }), { headers: { get: () => 'false' } });
    expect(classifyErrorIn(TABLES, getter)?.retryable).toBe(false);
    const noString = Object.assign(http(500, { code: 'server_error', message: 'x' }), { headers: { get: () => false } });
    expect(classifyErrorIn(TABLES, noString)?.retryable).toBe(true);
  });

  it('headers that cannot be read say nothing; the code decides', () => {
    const e = http(500, { code: 'server_error', message: 'x' });
    Object.defineProperty(e, 'headers', { get() { throw new Error('unreadable'); } });
    expect(classifyErrorIn(TABLES, e)?.retryable).toBe(true);
    expect(isRetryableIn(TABLES, e)).toBe(true);
  });

  it('keeps a string request id, else null; a non-number status is no status', () => {
    expect(classifyErrorIn(TABLES, Object.assign(http(500, { code: 'server_error', message: 'x' }), { requestID: 'req_1' }))?.requestID).toBe('req_1');
    expect(classifyErrorIn(TABLES, Object.assign(http(500, { code: 'server_error', message: 'x' }), { requestID: 5 }))?.requestID).toBeNull();
    const odd = Object.assign(http(500, { code: 'brand_new', message: 'x' }), { status: '500' });
    expect(classifyErrorIn(TABLES, odd)).toMatchObject({ transportStatus: null, retryable: false });
  });

  it('a registry error answers for itself; non-API errors and connection errors get nothing', () => {
    const e = raise(failed({ code: 'server_error', message: 'x' })) as { facts: unknown; retryable: boolean };
    expect(classifyErrorIn(TABLES, e)).toBe(e.facts);
    expect(isRetryableIn(TABLES, e)).toBe(true);
    expect(isRetryableIn(TABLES, Object.assign(Object.create(Object.getPrototypeOf(e) as object) as object, {}))).toBe(false);
    expect(classifyErrorIn(TABLES, new Error('x'))).toBeUndefined();
    expect(classifyErrorIn(TABLES, new APIConnectionError({ message: 'x' }))).toBeUndefined();
    expect(isRetryableIn(TABLES, new APIConnectionError({ message: 'x' }))).toBe(false);
    expect(isRetryableIn(TABLES, { status: 500 })).toBe(false);
    expect(categoryOf(TABLES, http(429, { code: 'rate_limit_exceeded', message: 'x' }))).toBe('rate_limit');
    expect(categoryOf(TABLES, new Error('x'))).toBeUndefined();
  });

  it('a registry without an http surface answers nothing for plain errors', () => {
    const tables = { ...TABLES, surfaces: TABLES.surfaces.filter((s) => s.name !== 'http') } as RegistryTables;
    expect(classifyErrorIn(tables, http(500, { code: 'server_error', message: 'x' }))).toBeUndefined();
    expect(isRetryableIn(tables, http(500, { code: 'server_error', message: 'x' }))).toBe(false);
  });
});

describe('connection and transport failures', () => {
  it('connection errors: by class name up the chain, or by shape; never with a status', () => {
    class APIConnectionTimeoutError extends Error { status = undefined; }
    class Sub extends APIConnectionTimeoutError {}
    expect(isConnectionError(new Sub('x'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { status: undefined, error: undefined, headers: undefined }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('x'), { status: undefined, error: {}, headers: undefined }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('x'), { status: undefined, error: undefined, headers: new Headers() }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('x'), { status: undefined, error: undefined }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('x'), { status: undefined, headers: undefined }))).toBe(false);
    expect(isConnectionError(Object.assign(new APIConnectionError({ message: 'x' }), { status: 500 }))).toBe(false);
    expect(isConnectionError(new Error('x'))).toBe(false);
    expect(isConnectionError({ status: undefined, error: undefined, headers: undefined })).toBe(false);
    const hostile = new Proxy(new Error('x'), { has: () => { throw new Error('hostile'); } });
    expect(isConnectionError(hostile)).toBe(false);
  });

  it('a TypeError caused, up to four levels down, by a socket error code is a transport failure', () => {
    const socket = (code: unknown) => ({ code });
    const caused = (cause: unknown) => new TypeError('terminated', { cause });
    expect(isTransportFailure(caused(socket('ECONNRESET')))).toBe(true);
    expect(isTransportFailure(caused(socket('UND_ERR_SOCKET')))).toBe(true);
    expect(isTransportFailure(caused({ cause: { cause: { cause: socket('EPIPE') } } }))).toBe(true);
    expect(isTransportFailure(caused({ cause: { cause: { cause: { cause: socket('EPIPE') } } } }))).toBe(false);
    expect(isTransportFailure(caused(socket('econnreset')))).toBe(false);
    expect(isTransportFailure(caused(socket('XECONNRESET')))).toBe(false);
    expect(isTransportFailure(caused(socket('ECONNRESET1')))).toBe(false);
    expect(isTransportFailure(caused(socket('E')))).toBe(false);
    expect(isTransportFailure(caused(socket('UND_ERR_')))).toBe(false);
    expect(isTransportFailure(caused(socket(5)))).toBe(false);
    expect(isTransportFailure(caused('ECONNRESET'))).toBe(false);
    expect(isTransportFailure(new Error('x', { cause: socket('ECONNRESET') }))).toBe(false);
    expect(isTransportFailure(new APIConnectionError({ message: 'x' }))).toBe(true);
  });
});

describe('raising', () => {
  it('returns anything that is not an object, or whose status is settled, without reading further', () => {
    expect(raiseIn({ tables: TABLES, classes: CLASSES }, 'failed', undefined)).toBe('failed');
    expect(raiseIn({ tables: TABLES, classes: CLASSES }, null, undefined)).toBeNull();
    const settled = { status: 'completed', get object(): string { throw new Error('read'); } };
    expect(raiseIn({ tables: TABLES, classes: CLASSES }, settled, undefined)).toBe(settled);
    const unreadable = { get status(): string { throw new Error('read'); } };
    expect(raiseIn({ tables: TABLES, classes: CLASSES }, unreadable, undefined)).toBe(unreadable);
    const odd = { object: 'response', status: 5 };
    expect(raiseIn({ tables: TABLES, classes: CLASSES }, odd, undefined)).toBe(odd);
  });

  it('every settled status is settled, whatever the surface', () => {
    for (const status of TABLES.settled) {
      const obj = { object: 'response', id: 'r', status, error: { code: 'server_error', message: 'x' } };
      expect(raiseIn({ tables: TABLES, classes: CLASSES }, obj, undefined)).toBe(obj);
    }
  });

  it("the error's stack starts at the caller, and the stack limit is restored", () => {
    const limit = Error.stackTraceLimit;
    const e = (function callerOfRaise() {
      return raise(failed({ code: 'server_error', message: 'x' }));
    })() as Error;
    expect(Error.stackTraceLimit).toBe(limit);
    expect(e.stack).toContain('callerOfRaise');
    expect(e.stack).not.toMatch(/at (raiseIn|withStackFrom|buildFailure) /);
  });

  it('raiseForFailedResponse (embedded and of a runtime): the stack starts at its caller, with no frame of ours', () => {
    const rt = createRuntime({ tables: TABLES, classes: CLASSES });
    for (const fn of [raiseForFailedResponse, rt.raiseForFailedResponse]) {
      let e: unknown;
      (function callerOfPublicRaise() {
        try {
          fn(failed({ code: 'server_error', message: 'x' }));
        } catch (thrown) {
          e = thrown;
        }
      })();
      const stack = String((e as Error).stack);
      expect(stack.split('\n')[1]).toContain('callerOfPublicRaise');
      expect(stack).not.toMatch(/at (raiseForFailedResponse|failureIn|buildUnstacked|buildFailure|thrownFrom) /);
    }
  });

  it('plain-object headers become Headers (string values only); other headers are dropped', () => {
    const withPlain = raise(failed({ code: 'server_error', message: 'x' }), { headers: { 'x-request-id': 'req_7', other: 5 } }) as { requestID: unknown; headers: Headers };
    expect(withPlain.requestID).toBe('req_7');
    expect(withPlain.headers.get('other')).toBeNull();
    const withText = raise(failed({ code: 'server_error', message: 'x' }), { headers: 'x-request-id: req_7' }) as { requestID: unknown };
    expect(withText.requestID ?? null).toBeNull();
    const headers = new Headers({ 'x-request-id': 'req_8' });
    const withWeb = raise(failed({ code: 'server_error', message: 'x' }), { headers }) as { headers: Headers };
    expect(withWeb.headers).toBe(headers);
  });

  it('buildFailure names an unknown class; an own class only', () => {
    const facts = classifyFailureIn(TABLES, failed({ code: 'server_error', message: 'x' }))!;
    expect(() => buildFailure(CLASSES, { facts: { ...facts, class: 'NoSuchError' }, failedObject: {} })).toThrow('registry tables name an unknown class: NoSuchError');
    expect(() => buildFailure(CLASSES, { facts: { ...facts, class: 'toString' }, failedObject: {} })).toThrow('registry tables name an unknown class: toString');
  });
});

describe('tables', () => {
  it('runningStatuses: the statuses of kind running on a surface; none for an unknown surface', () => {
    expect([...runningStatuses(TABLES, 'response')].sort()).toEqual(['in_progress', 'queued']);
    expect(runningStatuses(TABLES, 'nope').size).toBe(0);
  });

  it('backoffProfile names an unknown profile', () => {
    expect(backoffProfile(TABLES, 'rate_limit').name).toBe('rate_limit');
    expect(() => backoffProfile(TABLES, 'nope')).toThrow('registry tables name an unknown backoff profile: nope');
  });

  it('broken tables: an unknown dispatch surface or fallback classifies nothing rather than throwing', () => {
    const badDispatch = { ...TABLES, dispatch: [{ path: ['object'], surfaces: [['response', 'nope']] }] } as unknown as RegistryTables;
    expect(classifyFailureIn(badDispatch, failed({ code: 'server_error', message: 'x' }))).toBeUndefined();
    const badFallback = { ...TABLES, fallbacks: {} } as unknown as RegistryTables;
    expect(classifyFailureIn(badFallback, failed({ code: 'server_error', message: 'x' }))).toBeUndefined();
    expect(classifyErrorIn(badFallback, http(500, { code: 'server_error', message: 'x' }))).toBeUndefined();
  });

  it('readString: strings only, through own or inherited properties', () => {
    expect(readString({ a: { b: 'x' } }, ['a', 'b'])).toBe('x');
    expect(readString({ a: { b: 5 } }, ['a', 'b'])).toBeUndefined();
    expect(readString({ a: 'x' }, ['a', 'b'])).toBeUndefined();
    expect(readString({ a: null }, ['a', 'b'])).toBeUndefined();
    expect(readString(Object.create({ a: 'inherited' }), ['a'])).toBe('inherited');
  });
});

describe('openai classes as they arrive', () => {
  it('a 400, a 429 and a 500 of openai', () => {
    expect(classifyErrorIn(TABLES, new BadRequestError(400, { code: 'context_length_exceeded', message: 'x' }, 'x', new Headers()))).toMatchObject({ retryable: false, status: 400 });
    expect(classifyErrorIn(TABLES, new RateLimitError(429, { code: 'rate_limit_exceeded', message: 'x' }, 'x', new Headers()))).toMatchObject({ retryable: true, status: 429 });
    expect(classifyErrorIn(TABLES, new InternalServerError(500, { code: 'server_error', message: 'x' }, 'x', new Headers()))).toMatchObject({ retryable: true, status: 500 });
  });
});
