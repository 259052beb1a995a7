/**
 * Rows about the package itself: the hot paths an application calls on every response, the
 * bundle a user ships, the cold import it pays, the generator's growth and ingest's memory.
 *
 * Hot paths are ratios against the inline code a user would otherwise write, measured side by
 * side in this process (framework.ts). Bundle rows are absolute bytes of what esbuild keeps from
 * the built package (openai external). Cold import and generator rows run fresh processes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { APIError, InternalServerError, RateLimitError } from 'openai/core/error';
import { classifyFailure, isRetryable, raiseForFailedResponse } from '../src/index.ts';
import { buildFailure } from '../src/classify.ts';
import { CLASSES } from '../generated/errors.ts';
import { consume, measureRatio, median, round, type BenchRow, type RowProvider } from './framework.ts';
import { ingestMemoryRow } from './ingest.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** Completed responses as an application sees them: distinct objects, the same shape. */
const completed = Array.from({ length: 256 }, (_, i) => ({ id: `resp_${i}`, object: 'response', created_at: 0, status: 'completed', model: 'gpt-test', output: [], error: null, incomplete_details: null }));
const failed = { id: 'resp_f', object: 'response', created_at: 0, status: 'failed', model: 'gpt-test', output: [], error: { code: 'server_error', message: 'The server had an error while processing your request.' }, incomplete_details: null };
const plain: APIError = new APIError(503, { message: 'overloaded', type: 'server_error', code: null }, 'overloaded', new Headers({ 'x-request-id': 'req_1' }));

export const hotPathRows: RowProvider = {
  name: 'hot paths',
  async run(quick) {
    const rounds = quick ? 7 : 11;
    const batchMs = quick ? 10 : 40;
    let i = 0;
    const rows: BenchRow[] = [];
    rows.push(
      measureRatio({
        what: 'raiseForFailedResponse on a completed Response',
        ours: () => raiseForFailedResponse(completed[i++ & 255]),
        baseline: () => {
          const r = completed[i++ & 255];
          if (r?.status === 'failed') throw new Error('failed');
          return r;
        },
        maxRatio: 2,
        rounds,
        batchMs,
        note: 'baseline: an inline status === "failed" check',
      }),
    );
    // The error's construction and throw, as an application pays it for a failure it catches.
    const facts = classifyFailure(failed);
    if (facts === undefined) throw new Error('bench: the failed response did not classify');
    rows.push(
      measureRatio({
        what: 'classify, construct and throw a failure',
        ours: () => {
          try {
            raiseForFailedResponse(failed);
          } catch (e) {
            return e;
          }
          return undefined;
        },
        baseline: () => {
          try {
            throw new InternalServerError(500, failed.error, failed.error.message, new Headers());
          } catch (e) {
            return e;
          }
        },
        maxRatio: 1.3,
        rounds,
        batchMs,
        note: 'baseline: throw new InternalServerError(...) from openai',
      }),
    );
    rows.push(
      measureRatio({
        what: 'isRetryable(e) on a plain openai APIError',
        ours: () => isRetryable(plain),
        baseline: () => {
          const status: number | undefined = plain.status;
          return plain.headers?.get('x-should-retry') !== 'false' && status !== undefined && (status === 408 || status === 409 || status === 429 || status >= 500);
        },
        maxRatio: 3,
        rounds,
        batchMs,
        note: "baseline: what openai's client reads per attempt (status and x-should-retry)",
      }),
    );
    consume(buildFailure(CLASSES, { facts, failedObject: failed }));
    consume(new RateLimitError(429, undefined, undefined, new Headers()));
    return rows;
  },
};

/** min+gzip bytes of what esbuild keeps of an entry (openai external). */
async function gzipBytes(contents: string): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    external: ['openai', 'openai/*'],
    // The generated modules import the runtime by its public name; tsconfig maps it to src/runtime.ts.
    tsconfig: join(ROOT, 'tsconfig.json'),
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return gzipSync(code, { level: 9 }).length;
}

/** What esbuild keeps of the built package for an entry that imports `names`. */
const bundleBytes = (names: string) => gzipBytes(`import { ${names} } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\nconsole.log(${names});\n`);

/**
 * The registry's part of a bundle: what esbuild keeps of the generated tables and classes an
 * entry point reads (`names` of generated/registry.ts, and every class when `classes`), bundled
 * alone. The classes bring the class factory they are built by. The rest of a row is runtime code.
 */
function registryBytes(names: readonly string[], classes: boolean): Promise<number> {
  const all = [...names, ...(classes ? ['CLASSES'] : [])];
  const imports = [
    `import { ${names.join(', ')} } from ${JSON.stringify(join(ROOT, 'generated/registry.ts'))};`,
    classes ? `import { CLASSES } from ${JSON.stringify(join(ROOT, 'generated/errors.ts'))};` : '',
  ];
  return gzipBytes(`${imports.join('\n')}\nconsole.log(${all.join(', ')});\n`);
}

export const bundleRows: RowProvider = {
  name: 'bundle',
  describe: (quick) => [quick ? 'bundle: skipped with --quick (it builds the package)' : 'bundle: esbuild --bundle --minify of dist/index.js (built first), openai external, gzip -9'],
  async run(quick) {
    if (quick) return [];
    execFileSync('npx', ['tsup', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    // Every value the built package exports.
    const exported = Object.keys((await import(join(ROOT, 'dist/index.js'))) as object);
    const everything = await bundleBytes([...new Set(exported)].join(', '));
    const row = (what: string, bytes: number, max: number, note?: string): BenchRow => ({
      what: `bundle, min+gzip, ${what}`,
      ours: bytes,
      baseline: null,
      ratio: null,
      target: `<= ${max.toLocaleString('en')} B`,
      meets: bytes <= max,
      unit: 'bytes',
      ...(note === undefined ? {} : { note }),
    });
    // The budgets as measured parts: what a program that uses one entry point ships, and of that
    // the registry's tables and classes alone (the views each entry point reads).
    const parts = async (names: readonly string[], classes: boolean) => `of which the registry's tables and classes alone: ${(await registryBytes(names, classes)).toLocaleString('en')} B`;
    const alone = async (name: string, max: number, tables: readonly string[], classes: boolean) => row(`${name} alone`, await bundleBytes(name), max, await parts(tables, classes));
    return [
      row('everything', everything, 14_336, `${new Set(exported).size} exports; ${await parts(['TABLES', 'OBJECT_TABLES', 'HTTP_TABLES', 'RESPONSE_TABLES', 'RETRY'], true)}`),
      await alone('raiseForFailedResponse', 6_144, ['OBJECT_TABLES'], true),
      await alone('withRetry', 8_192, ['HTTP_TABLES'], false),
      await alone('waitForResponse', 11_264, ['RESPONSE_TABLES'], true),
      await alone('isRetryable', 2_048, ['RETRY'], false),
    ];
  },
};

/** Milliseconds a fresh Node process takes to run `code` as an ES module. */
function processMs(code: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', code], { cwd: ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`bench: a cold-import process failed: ${code}`);
  return performance.now() - t0;
}

export const coldImportRows: RowProvider = {
  name: 'cold import',
  describe: (quick) => [quick ? 'cold import: skipped with --quick (it needs the built package)' : 'cold import: a fresh node process importing openai, then dist/index.js; alternated with openai alone'],
  async run(quick) {
    if (quick) return [];
    const rounds = quick ? 7 : 15;
    const base = "await import('openai');";
    const ours = `await import('openai'); await import(${JSON.stringify(join(ROOT, 'dist/index.js'))});`;
    processMs(base);
    processMs(ours);
    const a: number[] = [];
    const b: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let x: number;
      let y: number;
      if (r % 2 === 0) {
        x = processMs(ours);
        y = processMs(base);
      } else {
        y = processMs(base);
        x = processMs(ours);
      }
      a.push(x);
      b.push(y);
      ratios.push(x / y);
    }
    const ratio = median(ratios);
    return [{ what: "cold import() in a fresh Node process, on top of openai", ours: round(median(a)), baseline: round(median(b)), ratio: round(ratio), target: '<= 1.05x', meets: ratio <= 1.05, unit: 'ms', note: "baseline: import('openai') alone" }];
  },
};

/** A valid v2 registry of `n` synthetic codes (the rule fixtures' header). */
function synthetic(n: number): string {
  const parts = [readFileSync(join(ROOT, 'test/fixtures/rules/_base.yaml'), 'utf8'), 'codes:\n'];
  for (let i = 0; i < n; i++) {
    const even = i % 2 === 0;
    parts.push(`  code_${i}:
    class: Synthetic${i}Error
    extends: ${even ? 'InternalServerError' : 'BadRequestError'}
    category: ${even ? 'server' : 'quota'}
    retryable: ${even}
${even ? '    backoff: fast\n' : ''}    http: ${even ? 500 : 400}
    surfaces: [response]
    description: Synthetic code number ${i}, used to measure how generation time grows.
    since: 1.0.0
    evidence: [{ url: "https://example.com/${i}", note: synthetic }]
`);
  }
  return parts.join('');
}

/** Runs the whole pipeline (load, validate, model, emit) on `file` in a fresh process: ms and peak RSS. */
function generateOnce(file: string): { ms: number; rssMb: number } {
  const code = `
    import { checkRegistry } from ${JSON.stringify(join(ROOT, 'scripts/pipeline/check.ts'))};
    import { emitAll } from ${JSON.stringify(join(ROOT, 'scripts/pipeline/generate.ts'))};
    const t0 = performance.now();
    const r = checkRegistry([${JSON.stringify(file)}]);
    if (!r.ok) { console.error(JSON.stringify(r.diagnostics.slice(0, 3))); process.exit(1); }
    const files = emitAll(r.registry);
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024, files: files.length }));`;
  const r = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench: generating ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ms: number; rssMb: number };
}

export const generatorRows: RowProvider = {
  name: 'generator',
  async run(quick) {
    const dir = mkdtempSync(join(tmpdir(), 'oer-bench-'));
    try {
      const [small, large] = quick ? [200, 2_000] : [1_000, 10_000];
      const smallFile = join(dir, `r${small}.yaml`);
      const largeFile = join(dir, `r${large}.yaml`);
      writeFileSync(smallFile, synthetic(small));
      writeFileSync(largeFile, synthetic(large));
      const runs = quick ? 1 : 7;
      const s: { ms: number; rssMb: number }[] = [];
      const l: { ms: number; rssMb: number }[] = [];
      for (let i = 0; i < runs; i++) {
        s.push(generateOnce(smallFile));
        l.push(generateOnce(largeFile));
      }
      const timeRatio = median(l.map((x) => x.ms)) / median(s.map((x) => x.ms));
      const memRatio = median(l.map((x) => x.rssMb)) / median(s.map((x) => x.rssMb));
      const label = `${large.toLocaleString('en-US')} vs ${small.toLocaleString('en-US')} codes`;
      return [
        { what: `generator, ${label}: time`, ours: round(median(l.map((x) => x.ms))), baseline: round(median(s.map((x) => x.ms))), ratio: round(timeRatio), target: '<= 11x', meets: timeRatio <= 11, unit: 'ms', note: 'load, validate, model and emit in a fresh process' },
        { what: `generator, ${label}: peak memory`, ours: round(median(l.map((x) => x.rssMb))), baseline: round(median(s.map((x) => x.rssMb))), ratio: round(memRatio), target: '<= 3x', meets: memRatio <= 3, unit: 'MB RSS' },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** A registry whose every code breaks the schema and two rules' worth of checks: diagnostics for each. */
function badRegistry(dir: string, n: number): string {
  const parts = [readFileSync(join(ROOT, 'test/fixtures/rules/_base.yaml'), 'utf8'), 'codes:\n'];
  for (let i = 0; i < n; i++) parts.push(`  c${i}: { class: B${i} }\n`);
  const file = join(dir, `bad-${n}.yaml`);
  writeFileSync(file, parts.join(''));
  return file;
}

export const diagnosticsRows: RowProvider = {
  name: 'diagnostics',
  async run(quick) {
    const dir = mkdtempSync(join(tmpdir(), 'oer-bench-'));
    try {
      const n = quick ? 500 : 2_000;
      const small = badRegistry(dir, n);
      const large = badRegistry(dir, n * 10);
      const { checkRegistry } = await import('../scripts/pipeline/check.ts');
      const { formatDiagnostic } = await import('../scripts/pipeline/diagnostics.ts');
      const once = (file: string) => {
        const t0 = performance.now();
        const checked = checkRegistry([file]);
        consume(checked.diagnostics.map(formatDiagnostic).join('\n'));
        return performance.now() - t0;
      };
      once(small);
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < (quick ? 3 : 7); r++) {
        if (r % 2 === 0) {
          a.push(once(large));
          b.push(once(small));
        } else {
          b.push(once(small));
          a.push(once(large));
        }
      }
      const ratio = median(a) / median(b);
      return [{ what: `diagnostics, ${(n * 10).toLocaleString('en-US')} vs ${n.toLocaleString('en-US')} bad codes: time`, ours: round(median(a)), baseline: round(median(b)), ratio: round(ratio), target: '<= 11x', meets: ratio <= 11, unit: 'ms', note: 'load, validate and print every diagnostic' }];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const ingestRows: RowProvider = {
  name: 'ingest',
  async run(quick) {
    const row = ingestMemoryRow(quick ? { small: 2, large: 20 } : { small: 10, large: 200 });
    const { heap: _heap, target, ...rest } = row;
    return [{ ...rest, target: `<= ${String(target)}x`, unit: 'MB RSS' }];
  },
};
