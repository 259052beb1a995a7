/**
 * Hostile registries, counted. Each file of test/fixtures/hostile/ (loaded after the tiny valid
 * header test/fixtures/rules/_base.yaml), plus inputs made at test time (a 20 MB file, special
 * files), must either be rejected with positioned diagnostics within 1 s and no stack trace, or,
 * when legal, generate code that compiles and runs nothing injected. A seeded fast-check fuzz
 * mutates the real registry's text the same way. The counts are printed at the end.
 *
 * A fixture states what it expects in `# expect:` lines: diagnostic codes (one line per
 * diagnostic), or `legal`. Positions are checked to lie inside the fixture, not pinned, so the
 * corpus survives changes to the registry format.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../scripts/pipeline/diagnostics.ts';
import { emitAll } from '../scripts/pipeline/generate.ts';
import { loadRegistry, parseRegistryText } from '../scripts/pipeline/load.ts';
import { buildModel, type Registry } from '../scripts/pipeline/model.ts';
import { installedSdkFacts } from '../scripts/pipeline/sdk.ts';
import { validateRegistry } from '../scripts/pipeline/validate.ts';
import { compileErrors, generateInto } from './helpers.ts';

const HOSTILE = 'test/fixtures/hostile';
const BASE = 'test/fixtures/rules/_base.yaml';
const sdk = installedSdkFacts();
const scratch = mkdtempSync(join(tmpdir(), 'oer-hostile-corpus-'));
/** Set by injected code, if any ever runs. */
const CANARY = '__hostile';

type Outcome =
  | { kind: 'rejected'; diagnostics: Diagnostic[]; ms: number }
  | { kind: 'legal'; registry: Registry; ms: number }
  | { kind: 'crashed'; why: string };

const tally = { tried: 0, rejected: 0, legal: 0, crashed: 0, fuzzTried: 0, fuzzRejected: 0, fuzzLegal: 0, fuzzCrashed: 0 };
const crashes: string[] = [];

/** Runs load, validate and model like the CLI, timing it; a throw or an unpositioned diagnostic is a crash. */
function attempt(run: () => { diagnostics: Diagnostic[]; registry?: Registry }, lines: number, file: string): Outcome {
  const start = performance.now();
  let result;
  try {
    result = run();
  } catch (e) {
    return { kind: 'crashed', why: `threw ${(e as Error).stack ?? String(e)}` };
  }
  const ms = performance.now() - start;
  if (ms > 1000) return { kind: 'crashed', why: `took ${ms.toFixed(0)} ms` };
  for (const d of result.diagnostics) {
    const positioned = d.file === file && d.line >= 1 && d.line <= lines + 1 && d.col >= 1;
    if (!positioned) return { kind: 'crashed', why: `unpositioned ${JSON.stringify(d)}` };
    if (/\n\s+at /.test(d.message) || /\n\s+at /.test(d.hint ?? '')) return { kind: 'crashed', why: `stack trace in ${JSON.stringify(d)}` };
  }
  if (result.diagnostics.length > 0) return { kind: 'rejected', diagnostics: result.diagnostics, ms };
  if (result.registry === undefined) return { kind: 'crashed', why: 'no diagnostics and no model' };
  return { kind: 'legal', registry: result.registry, ms };
}

/** The pipeline over files on disk (the base header first, when given). */
function pipeline(paths: string[]): { diagnostics: Diagnostic[]; registry?: Registry } {
  const loaded = loadRegistry(paths);
  const { view, diagnostics } = validateRegistry(loaded.files, sdk);
  const all = [...loaded.diagnostics, ...diagnostics];
  if (all.length > 0) return { diagnostics: all };
  const registry = buildModel(view, loaded.files);
  emitAll(registry); // emitting must not throw either
  return { diagnostics: [], registry };
}

function count(o: Outcome, name: string, fuzz = false): void {
  if (fuzz) tally.fuzzTried++;
  else tally.tried++;
  if (o.kind === 'crashed') {
    if (fuzz) tally.fuzzCrashed++;
    else tally.crashed++;
    crashes.push(`${name}: ${o.why}`);
  } else if (o.kind === 'rejected') {
    if (fuzz) tally.fuzzRejected++;
    else tally.rejected++;
  } else if (fuzz) tally.fuzzLegal++;
  else tally.legal++;
}

const fixtures = readdirSync(HOSTILE).filter((f) => f.endsWith('.yaml')).sort();
/** The `# expect:` lines of a fixture (read as Latin-1, so a file of invalid UTF-8 still has them). */
const expectations = (path: string) => [...readFileSync(path, 'latin1').matchAll(/^(?:\uFEFF|ï»¿)?# expect: (\S+)\r?$/gm)].map((m) => m[1] ?? '');
const legalRegistries = new Map<string, Registry>();

describe('hostile registry corpus', () => {
  it('has at least 30 files', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  // Warm the schema compiler and the SDK facts, so the first fixture's 1 s is its own.
  pipeline([BASE]);

  it.each(fixtures)('%s', (name) => {
    const path = join(HOSTILE, name);
    const expected = expectations(path);
    expect(expected.length, 'the fixture states what it expects').toBeGreaterThan(0);
    const lines = readFileSync(path, 'latin1').split('\n').length;
    const outcome = attempt(() => pipeline([BASE, path]), lines, path);
    count(outcome, name);
    if (outcome.kind === 'crashed') throw new Error(outcome.why);
    if (expected[0] === 'legal') {
      expect(outcome.kind === 'rejected' ? outcome.diagnostics : []).toEqual([]);
      if (outcome.kind === 'legal') legalRegistries.set(name, outcome.registry);
    } else {
      expect(outcome.kind === 'rejected' ? outcome.diagnostics.map((d) => d.code).sort() : ['(legal)']).toEqual([...expected].sort());
    }
  });

  describe('made at test time', () => {
    const made: [string, () => string][] = [
      ['a 20 MB file', () => {
        const path = join(scratch, 'huge.yaml');
        const line = '  # padding padding padding padding padding padding padding padding\n';
        writeFileSync(path, `codes:\n${line.repeat(Math.ceil((20 * 1024 * 1024) / line.length))}`);
        return path;
      }],
      ['/dev/zero', () => '/dev/zero'],
      ['/dev/urandom', () => '/dev/urandom'],
      ['a FIFO with no writer', () => {
        const path = join(scratch, 'fifo.yaml');
        execFileSync('mkfifo', [path]);
        return path;
      }],
      ['a folder named like a registry file', () => {
        const folder = join(scratch, 'folder');
        mkdirSync(join(folder, 'inner.yaml'), { recursive: true });
        return folder;
      }],
      ['a 1 MB description', () => {
        const path = join(scratch, 'long-string.yaml');
        writeFileSync(path, `codes:\n  x_code: { class: XError, description: "${'x'.repeat(1024 * 1024)}" }\n`);
        return path;
      }],
    ];
    it.each(made)('%s', (name, make) => {
      const path = make();
      const outcome = attempt(() => pipeline([path]), 1, loadRegistry([path]).diagnostics[0]?.file ?? path);
      count(outcome, name);
      if (outcome.kind === 'crashed') throw new Error(outcome.why);
      expect(outcome.kind).toBe('rejected');
    });
  });

  describe('legal hostile registries generate safe code', () => {
    it('every legal fixture generates code that compiles in one strict program and runs nothing injected', async () => {
      expect(legalRegistries.size).toBeGreaterThanOrEqual(6);
      const dirs = [...legalRegistries].map(([name, registry]) => ({ name, ...generateInto(`hostile-corpus-${name.replace(/\W/g, '-')}`, registry), registry }));
      expect(compileErrors(dirs.flatMap((d) => d.files.filter((f) => f.endsWith('.ts'))))).toEqual([]);
      for (const d of dirs) {
        const tables = await import(pathToFileURL(join(d.dir, 'registry.ts')).href);
        const errors = await import(pathToFileURL(join(d.dir, 'errors.ts')).href);
        expect(Object.keys(tables.CODES).sort(), d.name).toEqual(d.registry.codes.map((c) => c.code).sort());
        for (const c of d.registry.codes) expect(typeof errors.CLASSES[c.class], `${d.name} ${c.class}`).toBe('function');
        JSON.parse(readFileSync(join(d.dir, 'registry.json'), 'utf8'));
        // Markdown renders raw HTML: registry text must reach CODES.md escaped (\< renders a plain <).
        expect(readFileSync(join(d.dir, 'CODES.md'), 'utf8'), d.name).not.toMatch(/(?<!\\)<(script|img)/i);
      }
      expect((globalThis as Record<string, unknown>)[CANARY]).toBeUndefined();
    }, 60_000);
  });
});

describe('seeded mutation fuzz of the real registry', () => {
  const real = readFileSync('registry/openai.yaml', 'utf8');
  /** Snippets a hostile edit would insert: YAML syntax, tags, anchors, controls, separators. */
  const SNIPPETS = ['!!str ', '!!omap', '!custom ', '&a ', '*a', '<<: *a', '%YAML 1.1\n', '---\n', '? ', '- ', ': ', '[', ']', '{', '}', ',', '"', "'", '#', '|', '>', '\t', '\n', '\r\n',
    '\u0000', '\u001b[31m', '\u202e', '\u2066', '\u2028', '\ufeff', '0777', 'yes', '__proto__', '*/', '`${x}`', '</script>', '\\', 'SuppressedError', '429: '];
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), other: fc.nat() }),
  );
  function apply(text: string, m: { kind: string; at: number; text?: string; length?: number; other?: number }): string {
    const at = m.at % (text.length + 1);
    if (m.kind === 'insert') return text.slice(0, at) + (m.text ?? '') + text.slice(at);
    if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + (m.length ?? 1));
    const lines = text.split('\n');
    const i = m.at % lines.length;
    if (m.kind === 'duplicate-line') lines.splice(i, 0, lines[i] ?? '');
    else {
      const j = (m.other ?? 0) % lines.length;
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
    }
    return lines.join('\n');
  }

  it('150 mutated registries: each positioned diagnostics or a model, within 1 s, never a throw', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const text = mutations.reduce((t, m) => apply(t, m), real);
        const outcome = attempt(() => {
          const parsed = parseRegistryText('registry/openai.yaml', text);
          const { view, diagnostics } = validateRegistry([parsed.file], sdk);
          const all = [...parsed.diagnostics, ...diagnostics];
          if (all.length > 0) return { diagnostics: all };
          const registry = buildModel(view, [parsed.file]);
          emitAll(registry);
          return { diagnostics: [], registry };
        }, text.split('\n').length, 'registry/openai.yaml');
        count(outcome, `fuzz ${JSON.stringify(mutations)}`, true);
        return outcome.kind !== 'crashed';
      }),
      { seed: 20261201, numRuns: 150 },
    );
  }, 120_000);
});

afterAll(() => {
  console.log(
    `hostile registries tried: ${tally.tried} / rejected with a position: ${tally.rejected} / legal, generated safely: ${tally.legal} / crashed: ${tally.crashed}\n` +
      `fuzzed registries tried: ${tally.fuzzTried} / rejected with a position: ${tally.fuzzRejected} / legal: ${tally.fuzzLegal} / crashed: ${tally.fuzzCrashed}` +
      (crashes.length > 0 ? `\n${crashes.join('\n')}` : ''),
  );
});
