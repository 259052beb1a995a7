/** The should-retry table: derived from the other tables, generated ready-made, and in agreement with classifyError. */
import { APIError } from 'openai/core/error';
import { describe, expect, it } from 'vitest';
import { classifyError, createRuntime, isRetryable } from '../src/index.ts';
import { retryTableOf } from '../src/retryable.ts';
import { CLASSES } from '../generated/errors.ts';
import { CODES, RETRY, TABLES } from '../generated/registry.ts';
import type { RegistryTables } from '../src/spec.ts';

const STATUSES = [undefined, 400, 404, 408, 409, 429, 500, 503];
const HEADERS = [undefined, 'true', 'false'];

/** The registry's own answer for a known code on the http surface, before the should-retry header. */
function expected(code: string, type: string | undefined, message: string): boolean {
  const spec = CODES[code as keyof typeof CODES];
  for (const r of spec.refinements ?? []) {
    if (r.when.type !== undefined && r.when.type !== type) continue;
    if (r.when.messageContains !== undefined && !message.toLowerCase().includes(r.when.messageContains)) continue;
    return r.retryable;
  }
  const own = spec.bySurface !== undefined && 'http' in spec.bySurface ? spec.bySurface.http : undefined;
  return (own ?? spec).retryable;
}

describe('RETRY', () => {
  it('is what retryTableOf derives from TABLES', () => {
    expect(retryTableOf(TABLES)).toEqual(RETRY);
  });

  it('lists every code exactly once', () => {
    const listed = [...RETRY.retryable, ...RETRY.final].sort();
    expect(listed).toEqual(Object.keys(CODES).sort());
  });

  it('throws for tables without an http surface or with an unknown fallback', () => {
    expect(() => retryTableOf({ ...TABLES, surfaces: TABLES.surfaces.filter((s) => s.name !== 'http') })).toThrow('no http surface');
    expect(() => retryTableOf({ ...TABLES, fallbacks: {} })).toThrow('unknown fallback: http');
  });
});

describe('isRetryable agrees with classifyError and with the registry, for every code, status and should-retry header', () => {
  const messages = ['plain', ...Object.values(CODES).flatMap((c) => (c.refinements ?? []).flatMap((r) => (r.when.messageContains === undefined ? [] : [`... ${r.when.messageContains.toUpperCase()} ...`])))];
  it.each(Object.keys(CODES))('%s', (code) => {
    for (const status of STATUSES)
      for (const header of HEADERS)
        for (const message of messages)
          for (const inType of [false, true]) {
            const body = inType ? { code: null, type: code, message } : { code, type: 'some_type', message };
            const e = new APIError(status, body, message, new Headers(header === undefined ? {} : { 'x-should-retry': header }));
            const want = header === 'false' ? false : expected(code, body.type, message);
            const where = `${code} status ${String(status)} header ${String(header)} message "${message}" ${inType ? 'in type' : 'in code'}`;
            expect(isRetryable(e), where).toBe(want);
            expect(classifyError(e)?.retryable, where).toBe(want);
          }
  });

  it('an unknown code: the status decides, and the header has the last word', () => {
    for (const status of STATUSES)
      for (const header of HEADERS) {
        const e = new APIError(status, { code: 'code_from_the_future', message: 'x' }, 'x', new Headers(header === undefined ? {} : { 'x-should-retry': header }));
        const byStatus = status !== undefined && (status === 408 || status === 409 || status === 429 || status >= 500);
        const want = header === 'false' ? false : header === 'true' ? true : byStatus;
        expect(isRetryable(e), `status ${String(status)} header ${String(header)}`).toBe(want);
        expect(classifyError(e)?.retryable, `status ${String(status)} header ${String(header)}`).toBe(want);
      }
  });

  it('a custom registry derives its own table', () => {
    const tables: RegistryTables = { ...TABLES, codes: { ...TABLES.codes, server_error: { ...CODES.server_error, retryable: false } } };
    const rt = createRuntime({ tables, classes: CLASSES });
    const e = new APIError(500, { code: 'server_error', message: 'x' }, 'x', new Headers());
    expect(isRetryable(e)).toBe(true);
    expect(rt.isRetryable(e)).toBe(false);
    expect(rt.classifyError(e)?.retryable).toBe(false);
  });
});
