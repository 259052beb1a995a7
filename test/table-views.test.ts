// The generated views of the tables (HTTP_TABLES, RESPONSE_TABLES) judge what their functions
// read exactly as the whole tables do: every code over every status a thrown error arrives with,
// every code and reason on a polled Response, with and without the messages refinements read.
import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { CODES, HTTP_TABLES, OBJECT_TABLES, RESPONSE_TABLES, TABLES } from '../generated/registry.js';
import { classifyErrorIn, classifyFailureIn, classifyOnSurface } from '../src/classify.js';
import { codeClassName } from '../src/spec.js';
import { runtimeTables } from '../scripts/pipeline/emit/typescript.ts';
import { modelOf } from './helpers.ts';

const codes = Object.keys(CODES);
const messages = ['Please try again in 2s.', 'Request too large for gpt-4o', 'Timeout while downloading https://example.com/a.png', ''];
const statuses = [400, 401, 403, 404, 409, 429, 500, 503];

describe('CODES', () => {
  it("unpacks to each code's facts as the model gives them, a class named only where it is not the code's own name", () => {
    const model = modelOf('registry/openai.yaml');
    expect(CODES).toEqual(runtimeTables(model).codes);
    const named = model.codes.filter((c) => c.class !== codeClassName(c.code)).map((c) => c.code);
    // 429 (AzureRateLimitError) and a few codes whose class says more than the code.
    expect(named).toContain('429');
    expect(named.length).toBeLessThan(model.codes.length / 4);
    expect(codeClassName('account_deactivated')).toBe('AccountDeactivatedError');
    expect(codeClassName('DeploymentNotFound')).toBe('DeploymentNotFoundError');
  });
});

describe('table views', () => {
  it("OBJECT_TABLES is TABLES' own codes, surfaces, dispatch, settled statuses, fallbacks and profiles, and nothing else", () => {
    expect(Object.keys(OBJECT_TABLES).sort()).toEqual(['backoff', 'codes', 'dispatch', 'fallbacks', 'settled', 'surfaces']);
    for (const key of Object.keys(OBJECT_TABLES) as (keyof typeof OBJECT_TABLES)[]) expect(OBJECT_TABLES[key], key).toBe(TABLES[key]);
  });

  it('HTTP_TABLES judges every thrown error as TABLES does', () => {
    let compared = 0;
    for (const code of [...codes, 'not_a_code']) {
      for (const status of statuses) {
        for (const message of messages) {
          for (const type of [undefined, 'insufficient_quota', 'requests']) {
            const e = APIError.generate(status, { error: { code, message, type } }, message, new Headers({ 'x-request-id': 'req_1' }));
            const whole = classifyErrorIn(TABLES, e);
            expect(whole).toBeTypeOf('object');
            expect(classifyErrorIn(HTTP_TABLES, e)).toEqual(whole);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe((codes.length + 1) * statuses.length * messages.length * 3);
  });

  it('RESPONSE_TABLES, read on the response surface as waitForResponse reads it, judges every failed, incomplete and settled Response as TABLES does', () => {
    const objects: unknown[] = [{ object: 'response', id: 'resp_1', status: 'completed', output: [] }, { object: 'response', id: 'resp_1', status: 'in_progress' }];
    for (const code of [...codes, 'not_a_code', null]) {
      for (const message of messages) objects.push({ object: 'response', id: 'resp_1', status: 'failed', error: { code, message }, output: [] });
      objects.push({ object: 'response', id: 'resp_1', status: 'incomplete', incomplete_details: { reason: code }, output: [{ type: 'message' }] });
    }
    let failures = 0;
    for (const obj of objects) {
      const whole = classifyFailureIn(TABLES, obj);
      if (whole !== undefined) failures++;
      expect(classifyOnSurface(RESPONSE_TABLES, 'response', obj)).toEqual(whole);
    }
    // Every object but the two settled ones is a failure.
    expect(failures).toBe(objects.length - 2);
  });
});
