import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { APIError } from 'openai/core/error';
import * as sdkErrors from 'openai/core/error';
import { emitAll } from '../scripts/generate.ts';
import { createRuntime, type RegistryTables } from '../src/classify.ts';
import { failedObject, generateInto, modelOf, thrown } from './helpers.ts';

const GOLDEN = 'test/fixtures/golden';

/** Type-checks files in one strict program; returns the formatted errors. */
function compileErrors(files: readonly string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** Imports a generated folder's tables and builds a runtime over them. */
async function runtimeOf(dir: string) {
  const registry = await import(pathToFileURL(join(dir, 'registry.ts')).href);
  const errors = await import(pathToFileURL(join(dir, 'errors.ts')).href);
  const tables: RegistryTables = {
    codes: registry.CODES,
    surfaces: registry.SURFACES,
    backoff: registry.BACKOFF,
    defaults: registry.DEFAULTS,
    classes: errors.CLASSES,
  };
  return { runtime: createRuntime(tables), errors, tables };
}

describe('golden output', () => {
  const outputs = emitAll(modelOf(join(GOLDEN, 'registry.yaml')));

  it('matches the committed files byte for byte (UPDATE_GOLDEN=1 rewrites them)', () => {
    const dir = join(GOLDEN, 'expected');
    if (process.env['UPDATE_GOLDEN'] === '1') for (const f of outputs) writeFileSync(join(dir, f.path), f.content);
    expect(readdirSync(dir).sort()).toEqual(outputs.map((f) => f.path));
    for (const f of outputs) expect(f.content, f.path).toBe(readFileSync(join(dir, f.path), 'utf8'));
  });

  it('is byte-stable across runs', () => {
    expect(emitAll(modelOf(join(GOLDEN, 'registry.yaml')))).toEqual(outputs);
  });

  it('starts every file with the source, the content hash and the regenerate command, and ends with a newline', () => {
    for (const f of outputs) {
      const head = f.content.slice(0, 600);
      expect(head, f.path).toContain('test/fixtures/golden/registry.yaml');
      expect(head, f.path).toMatch(/sha256 [0-9a-f]{64}/);
      expect(head, f.path).toContain('npm run generate');
      expect(f.content.endsWith('\n'), f.path).toBe(true);
    }
  });
});

describe('the embedded registry, generated', () => {
  it('compiles with src/ in one strict program', () => {
    const files = [
      ...readdirSync('generated').filter((f) => f.endsWith('.ts')).map((f) => join('generated', f)),
      ...readdirSync('src').map((f) => join('src', f)),
    ];
    expect(compileErrors(files)).toEqual([]);
  });

  it('registry.json validates against registry.schema.json; both schemas compile in ajv strict mode', () => {
    const ajv = new Ajv2020({ strict: true });
    const validate = ajv.compile(JSON.parse(readFileSync('generated/registry.schema.json', 'utf8')));
    expect(validate(JSON.parse(readFileSync('generated/registry.json', 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
    expect(() => ajv.compile(JSON.parse(readFileSync('generated/failure.schema.json', 'utf8')))).not.toThrow();
  });

  it('failure.schema.json accepts a known failure on each surface and rejects an unknown code', () => {
    const ajv = new Ajv2020({ strict: true });
    const validate = ajv.compile(JSON.parse(readFileSync('generated/failure.schema.json', 'utf8')));
    const json = JSON.parse(readFileSync('generated/registry.json', 'utf8')) as { codes: Record<string, { surfaces: string[] }> };
    expect(validate({ object: 'response', status: 'failed', error: { code: 'server_error', message: 'x' } })).toBe(true);
    expect(validate({ object: 'batch', status: 'failed', errors: { data: [{ code: 'token_limit_exceeded' }] } })).toBe(true);
    expect(validate({ type: 'error', error: { code: 'server_is_overloaded' } })).toBe(true);
    expect(validate({ object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })).toBe(true);
    expect(validate({ object: 'response', status: 'failed', error: { code: 'no_such_code' } })).toBe(false);
    expect(validate({ object: 'response', status: 'completed', error: null })).toBe(false);
    expect(Object.keys(json.codes).length).toBeGreaterThan(50);
  });
});

describe('a hostile registry generates safe code', () => {
  const evil = '*/ globalThis.__injected = 1; /* `${globalThis.__injected = 2}` \\u0000 " \' \n second line \u2028 third \u2029 // end';
  const dir = mkdtempSync(join(tmpdir(), 'oer-hostile-gen-'));
  const source = readFileSync(join(GOLDEN, 'registry.yaml'), 'utf8')
    .replace('The service is overloaded. Retry later.', JSON.stringify(evil))
    .replace('  quota:\n', '  __proto__:\n')
    .replace('as: quota', 'as: __proto__')
    .replace('note: seen in a fixture }]\n  throttled', `note: ${JSON.stringify(evil)} }]\n  throttled`);
  writeFileSync(join(dir, 'hostile.yaml'), source);
  const registry = modelOf(join(dir, 'hostile.yaml'));
  const { dir: out, files } = generateInto('hostile', registry);

  it('keeps the hostile strings and the __proto__ code in the model', () => {
    expect(registry.codes.map((c) => c.code)).toContain('__proto__');
    expect(registry.codes.find((c) => c.code === 'overloaded')?.description).toContain('*/ globalThis');
  });

  it('compiles in one strict program with src/', () => {
    expect(compileErrors(files.filter((f) => f.endsWith('.ts')))).toEqual([]);
  });

  it('imports without running anything injected, and dispatches the __proto__ code like any other', async () => {
    const { runtime, errors } = await runtimeOf(out);
    expect((globalThis as Record<string, unknown>)['__injected']).toBeUndefined();
    const obj = { object: 'job', status: 'failed', errors: [{ code: '__proto__', message: 'out of quota' }] };
    const e = thrown(() => runtime.raiseForFailedResponse(obj));
    expect(e).toBeInstanceOf(errors.QuotaError);
    expect(e).toBeInstanceOf(sdkErrors.RateLimitError);
    expect((e as { code: unknown }).code).toBe('__proto__');
    expect(() => runtime.raiseForFailedResponse({ object: 'job', status: 'failed', errors: [{ code: 'toString' }] })).toThrow(errors.UnknownFailureError);
  });

  it('writes the registry.json with __proto__ as an own key', () => {
    const json = JSON.parse(readFileSync(join(out, 'registry.json'), 'utf8')) as { codes: object };
    expect(Object.keys(json.codes)).toContain('__proto__');
  });
});

describe('golden registry runtime', () => {
  it('dispatches every code on every surface to its class, SDK base and APIError', async () => {
    const registry = modelOf(join(GOLDEN, 'registry.yaml'));
    const { dir } = generateInto('golden', registry);
    const { runtime, errors, tables } = await runtimeOf(dir);
    let checked = 0;
    for (const c of registry.codes) {
      for (const name of c.surfaces) {
        const surface = tables.surfaces.find((s) => s.name === name);
        for (const as of ['failed', 'incomplete'] as const) {
          const obj = surface && failedObject(surface, c.code, as);
          if (obj === undefined) continue;
          const e = thrown(() => runtime.raiseForFailedResponse(obj, { raiseOnIncomplete: true }));
          expect(e, `${c.code} on ${name} (${as})`).toBeInstanceOf(errors[c.class]);
          expect(e).toBeInstanceOf((sdkErrors as Record<string, unknown>)[c.extends] as typeof APIError);
          expect(e).toBeInstanceOf(APIError);
          expect(e).toMatchObject({ code: c.code, retryable: c.retryable, surface: name, known: true });
          checked++;
        }
      }
    }
    expect(checked).toBe(9);
  });
});


describe('generate --check', () => {
  const bin = 'bin/openai-error-registry.mjs';
  const run = (...args: string[]) => spawnSync(process.execPath, ['--no-warnings', bin, ...args], { encoding: 'utf8' });

  it('passes on the committed generated/', () => {
    const r = run('generate', '--check');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails with the names of stale, missing and extra files', () => {
    const out = mkdtempSync(join(tmpdir(), 'oer-check-'));
    cpSync('generated', out, { recursive: true });
    writeFileSync(join(out, 'CODES.md'), 'edited by hand\n');
    writeFileSync(join(out, 'leftover.ts'), '// Generated by openai-error-registry (scripts/generate.ts). Do not edit by hand.\n');
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    const r = run('generate', '--check', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('stale: ');
    expect(r.stderr).toContain('CODES.md');
    expect(r.stderr).toContain('not generated: ');
    expect(r.stderr).toContain('leftover.ts');
    expect(r.stderr).not.toContain('notes.txt');
    expect(readFileSync(join(out, 'CODES.md'), 'utf8')).toBe('edited by hand\n');
    const json = run('generate', '--check', '--json', '--out', out);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ upToDate: false, stale: ['CODES.md'], notGenerated: ['leftover.ts'] });
  });

  it('writes outputs, removes only files it generated, and leaves other files alone', () => {
    const out = mkdtempSync(join(tmpdir(), 'oer-out-'));
    writeFileSync(join(out, 'leftover.ts'), '// Generated by openai-error-registry (scripts/generate.ts). Do not edit by hand.\n');
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    mkdirSync(join(out, 'sub'));
    const r = run('generate', '--out', out);
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['CODES.md', 'errors.ts', 'failure.schema.json', 'notes.txt', 'registry.json', 'registry.schema.json', 'registry.ts', 'sub']);
    expect(run('generate', '--check', '--out', out).status).toBe(0);
  });

  it('exits 2, without a stack trace, when the output folder cannot be written', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'oer-file-')), 'plain-file');
    writeFileSync(file, 'x');
    const r = run('generate', '--out', file);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
