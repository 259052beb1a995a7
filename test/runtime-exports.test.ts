import { describe, expect, it } from 'vitest';
import * as runtime from '../src/index.ts';
import * as generated from '../generated/errors.ts';
import { RUNTIME_ERROR_EXPORTS } from '../scripts/pipeline/validate.ts';

describe('names a generated class may not take', () => {
  it("lists every hand-written runtime export whose name could be a class name (a PascalCase name ending in Error)", () => {
    const generatedNames = new Set(Object.keys(generated));
    const handWritten = Object.keys(runtime).filter((name) => /^[A-Z][A-Za-z0-9]*Error$/.test(name) && !generatedNames.has(name));
    expect([...handWritten].sort()).toEqual([...RUNTIME_ERROR_EXPORTS].sort());
  });
});
