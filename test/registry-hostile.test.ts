import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistry, MAX_FILE_BYTES, parseRegistryText } from '../scripts/pipeline/load.ts';
import { buildModel } from '../scripts/pipeline/model.ts';
import { installedSdkFacts } from '../scripts/pipeline/sdk.ts';
import { validateRegistry } from '../scripts/pipeline/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'oer-hostile-'));
const base = readFileSync('test/fixtures/rules/_base.yaml', 'utf8');
const codeBlock = (code: string) => `
  ${code}:
    class: C${Math.abs(hash(code))}Error
    extends: APIError
    category: unknown
    retryable: false
    baseRule: a code of this test, never seen over HTTP
    surfaces: [response]
    description: a code named ${code}
    since: 1.0.0
    evidence: [{ url: "https://example.com/x", note: seen }]`;
function hash(s: string): number {
  let h = 7;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}

describe('hostile registry input gives positioned errors, never a crash', () => {
  it('a 10 MB file is refused before it is read', () => {
    const path = join(dir, 'huge.yaml');
    writeFileSync(path, `codes:\n${'  # padding\n'.repeat((10 * 1024 * 1024) / 12)}`);
    const { diagnostics, files } = loadRegistry([path]);
    expect(files.map((f) => f.value)).toEqual([undefined]);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['FILE_TOO_LARGE', 1, 1]]);
    expect(MAX_FILE_BYTES).toBeLessThan(10 * 1024 * 1024);
  });

  it('10,000-deep flow nesting stops at the cap, at the bracket that passes it', () => {
    const text = `codes: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    const { diagnostics } = parseRegistryText('deep.yaml', text);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['NESTING_TOO_DEEP', 1, 8 + 64]]);
  });

  it('10,000-deep block nesting (compact sequences) stops at the indentation cap', () => {
    const text = `codes:\n${'- '.repeat(10_000)}x\n`;
    const { diagnostics } = parseRegistryText('deep-block.yaml', text);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['NESTING_TOO_DEEP', 2, 257]]);
  });

  it('deep indentation with plain keys stops at the indentation cap', () => {
    let text = '';
    for (let i = 0; i < 300; i++) text += `${' '.repeat(i)}k${i}:\n`;
    const { diagnostics } = parseRegistryText('deep-keys.yaml', text);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['NESTING_TOO_DEEP', 258, 257]]);
  });

  it('brackets inside quoted strings and comments do not count as nesting', () => {
    const text = `# [[[[${'['.repeat(100)}\nname: "${'['.repeat(100)}"\nother: '${'{'.repeat(100)}'\n`;
    expect(parseRegistryText('quoted.yaml', text).diagnostics).toEqual([]);
  });

  it('codes named __proto__, constructor and toString are just codes', () => {
    const path = join(dir, 'proto.yaml');
    writeFileSync(path, `${base}codes:${['__proto__', 'constructor', 'toString', 'hasOwnProperty'].map(codeBlock).join('')}\n`);
    const loaded = loadRegistry([path]);
    const { view, diagnostics } = validateRegistry(loaded.files, installedSdkFacts());
    expect(loaded.diagnostics).toEqual([]);
    expect(diagnostics).toEqual([]);
    const model = buildModel(view, loaded.files);
    expect(model.codes.map((c) => c.code)).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    expect(({} as Record<string, unknown>)['class']).toBeUndefined();
    expect(Object.getPrototypeOf(loaded.files[0]?.value)).toBe(Object.prototype);
  });

  it('a __proto__ key where a property is expected is an unknown property, not a prototype', () => {
    const path = join(dir, 'proto-prop.yaml');
    const text = `${base}codes:${codeBlock('x_code')}\n    __proto__: { retryable: true }\n`;
    writeFileSync(path, text);
    const line = text.split('\n').findIndex((l) => l.includes('__proto__:')) + 1;
    const loaded = loadRegistry([path]);
    const { diagnostics } = validateRegistry(loaded.files, installedSdkFacts());
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['SCHEMA', line, 5]]);
    expect(diagnostics[0]?.message).toContain('unknown property __proto__');
  });

  it('a file of binary noise gives diagnostics, not an exception', () => {
    let noise = '';
    for (let i = 0; i < 4096; i++) noise += String.fromCharCode((i * 7919) % 256);
    const parsed = parseRegistryText('noise.yaml', noise);
    const diagnostics = [...parsed.diagnostics, ...validateRegistry([parsed.file], installedSdkFacts()).diagnostics];
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
  });

  it('a missing path is an input error (exit 2), not a diagnostic', () => {
    expect(() => loadRegistry([join(dir, 'nope.yaml')])).toThrow(/not found/);
  });
});

describe('the nesting scan is not fooled by apostrophes', () => {
  it("an apostrophe in a plain scalar does not hide deep nesting after it", () => {
    const { diagnostics } = parseRegistryText('apostrophe.yaml', `codes: don't ${'['.repeat(200_000)}\n`);
    expect(diagnostics.map((d) => d.code)).toEqual(['NESTING_TOO_DEEP']);
  });
});
