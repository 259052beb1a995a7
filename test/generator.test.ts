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
import { createRuntime } from '../src/runtime.ts';
import { raiseForFailedResponse } from '../src/index.ts';
import type { RegistryTables } from '../src/spec.ts';
import type { FailureClass } from '../src/failure.ts';
import { RUNTIME_PATHS, failedObject, generateInto, modelOf, thrown } from './helpers.ts';

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
    // Generated code imports the runtime as openai-error-registry/runtime (tsconfig.json maps it the same way).
    paths: { ...RUNTIME_PATHS },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** Imports a generated folder's tables and builds a runtime over them. */
async function runtimeOf(dir: string) {
  const registry = (await import(pathToFileURL(join(dir, 'registry.ts')).href)) as { TABLES: RegistryTables };
  // The generated module's exports (classes, CLASSES, guards) differ per registry: typed loosely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const errors: Record<string, any> = await import(pathToFileURL(join(dir, 'errors.ts')).href);
  const tables = registry.TABLES;
  return { runtime: createRuntime({ tables, classes: errors['CLASSES'] as Record<string, FailureClass> }), errors, tables };
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

/** Compiling and spawning the CLI take seconds on a busy machine. */
const SLOW = { timeout: 120_000 };

describe('the embedded registry, generated', SLOW, () => {
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
    // failure-record.schema.json describes what toJSON() writes.
    const record = ajv.compile(JSON.parse(readFileSync('generated/failure-record.schema.json', 'utf8')));
    const e = thrown(() => raiseForFailedResponse({ object: 'response', id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'x' } }));
    expect(record(JSON.parse(JSON.stringify(e))), JSON.stringify(record.errors)).toBe(true);
    expect(record({ ...JSON.parse(JSON.stringify(e)), headers: {} })).toBe(false);
  });

  it('failure.schema.json accepts known and unknown codes of failed objects, and rejects objects that are no failure', () => {
    const ajv = new Ajv2020({ strict: true });
    const validate = ajv.compile(JSON.parse(readFileSync('generated/failure.schema.json', 'utf8')));
    const json = JSON.parse(readFileSync('generated/registry.json', 'utf8')) as { codes: Record<string, { surfaces: string[] }> };
    expect(validate({ object: 'response', status: 'failed', error: { code: 'server_error', message: 'x' } })).toBe(true);
    expect(validate({ object: 'batch', status: 'failed', errors: { data: [{ code: 'token_limit_exceeded' }] } })).toBe(true);
    expect(validate({ type: 'error', error: { code: 'server_is_overloaded' } })).toBe(true);
    expect(validate({ object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })).toBe(true);
    // v2: an unknown code is still a failure (it gets the surface fallback), so the schema accepts any string there.
    expect(validate({ object: 'response', status: 'failed', error: { code: 'no_such_code' } })).toBe(true);
    expect(validate({ object: 'response', status: 'completed', error: null })).toBe(false);
    expect(validate({ object: 'response', status: 'in_progress' })).toBe(false);
    expect(validate({ object: 'no_such_object', status: 'failed', last_error: { code: 'server_error' } })).toBe(false);
    // A batch output line has no object tag: any line whose error is an object is a failed line.
    expect(validate({ custom_id: 'line-1', response: null, error: { code: 'batch_expired', message: 'x' } })).toBe(true);
    expect(validate({ custom_id: 'line-1', response: { status_code: 200, body: {} }, error: null })).toBe(false);
    expect(Object.keys(json.codes).length).toBeGreaterThan(50);
  });
});

describe('a hostile registry generates safe code', SLOW, () => {
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
          const obj = surface && failedObject(tables, surface, c.code, as);
          if (obj === undefined) continue;
          const outcome = c.overrides.find((o) => o.surface === name) ?? c;
          const e = thrown(() => runtime.raiseForFailedResponse(obj, { raiseOnIncomplete: true }));
          expect(e, `${c.code} on ${name} (${as})`).toBeInstanceOf(errors[outcome.class]);
          expect(e).toBeInstanceOf((sdkErrors as Record<string, unknown>)[outcome.extends] as typeof APIError);
          expect(e).toBeInstanceOf(APIError);
          expect(e).toMatchObject({ code: c.code, retryable: outcome.retryable, category: outcome.category, surface: name, known: true });
          checked++;
        }
      }
    }
    expect(checked).toBe(9);
  });

  it('applies overrides, fallbacks, status-based retryability and category guards of the golden registry', async () => {
    const { dir } = generateInto('golden-facts', modelOf(join(GOLDEN, 'registry.yaml')));
    const { runtime, errors } = await runtimeOf(dir);
    // overloaded is retryable, except on the event surface (an override).
    expect(runtime.classifyFailure({ object: 'job', status: 'failed', errors: [{ code: 'overloaded' }] })).toMatchObject({ retryable: true, backoff: { name: 'slow' } });
    expect(runtime.classifyFailure({ type: 'error', code: 'overloaded' })).toMatchObject({ class: 'OverloadedError', retryable: false, backoff: { name: 'none' } });
    // An unknown code on a job gets the job fallback, on openai's InternalServerError.
    const unknown = thrown(() => runtime.raiseForFailedResponse({ object: 'job', status: 'failed', errors: [{ code: 'never_seen' }] }));
    expect(unknown).toBeInstanceOf(errors['UnknownFailureError']);
    expect(unknown).toBeInstanceOf(sdkErrors.InternalServerError);
    expect(unknown).toMatchObject({ code: 'never_seen', known: false, category: 'unknown', status: 500 });
    // Replay facts come from the surface's replay paths.
    expect(runtime.classifyFailure({ object: 'job', status: 'failed', errors: [{ code: 'quota' }], output: ['partial'], previous_job_id: 'job_0' })?.replay).toEqual({ mayHaveBilled: true, outputDelivered: true, continuesConversation: true });
    // A synchronous unknown code is retried by status, with the status's profile.
    expect(runtime.classifyError(new sdkErrors.RateLimitError(429, { code: 'never_seen' }, 'x', new Headers()))).toMatchObject({ class: 'UnknownHttpFailureError', retryable: true, backoff: { name: 'slow' } });
    expect(runtime.classifyError(new sdkErrors.BadRequestError(400, { code: 'never_seen' }, 'x', new Headers()))).toMatchObject({ retryable: false, backoff: { name: 'none' } });
    // Category guards read the registry, for registry errors and for plain openai errors.
    const isBilling = errors['isBillingFailure'] as (e: unknown) => boolean;
    expect(isBilling(thrown(() => runtime.raiseForFailedResponse({ object: 'job', status: 'failed', errors: [{ code: 'quota' }] })))).toBe(true);
    expect(isBilling(new sdkErrors.RateLimitError(429, { code: 'throttled', type: 'quota' }, 'x', new Headers()))).toBe(true);
    expect(isBilling(new sdkErrors.RateLimitError(429, { code: 'throttled' }, 'x', new Headers()))).toBe(false);
  });
});


describe('generate --check', SLOW, () => {
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
    expect(readdirSync(out).sort()).toEqual(['CODES.md', 'errors.ts', 'failure-record.schema.json', 'failure.schema.json', 'notes.txt', 'registry.json', 'registry.schema.json', 'registry.ts', 'sub']);
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
