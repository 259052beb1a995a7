// The tooling tree has three wings with dependencies pointing one way: cli/ (argv, stdout, exit
// codes) -> tooling/ (diff, sync, ingest, SDK vocabularies: return data) -> pipeline/ (load,
// validate, model, emit, write) -> src/ and generated/. Every import counts, `import type` and
// dynamic `import()` included.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SCRIPTS = join(ROOT, 'scripts');
const WINGS = ['cli', 'tooling', 'pipeline'] as const;
type Wing = (typeof WINGS)[number];
/** What each wing may import, besides itself. */
const MAY_IMPORT: Record<Wing, readonly string[]> = { cli: ['tooling', 'pipeline', 'src', 'generated'], tooling: ['pipeline', 'src', 'generated'], pipeline: ['src', 'generated'] };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

/** Every relative module a file names: static imports and re-exports (type-only too), and dynamic import(). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*(['"])(\.[^'"]+)\1|import\s*\(\s*(['"])(\.[^'"]+)\3\s*\)|^import\s*(['"])(\.[^'"]+)\5/gm)) {
    out.push((m[2] ?? m[4] ?? m[6]) as string);
  }
  return out;
}

/** The wing (or top folder: src, generated) a path lies in. */
function areaOf(path: string): string {
  const rel = relative(ROOT, path).split(/[\\/]/);
  return rel[0] === 'scripts' ? (rel.length > 2 ? (rel[1] as string) : 'scripts (top level)') : (rel[0] as string);
}

const all = files(SCRIPTS);
const edges = new Map(all.map((f) => [f, importsOf(readFileSync(f, 'utf8')).map((s) => resolve(dirname(f), s))]));

describe('scripts/: three wings, one direction', () => {
  it('the import reader sees every form of import', () => {
    const text = "import { a } from './a.ts';\nimport type { B } from '../b.ts';\nexport { c } from './c.ts';\nconst d = await import('./d.ts');\nimport './e.ts';\nimport x from 'node:fs';";
    expect(importsOf(text)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts']);
  });

  it('every file is in a wing', () => {
    expect(all.map((f) => areaOf(f)).filter((a) => !(WINGS as readonly string[]).includes(a))).toEqual([]);
  });

  it('no import runs against the direction', () => {
    const against: string[] = [];
    for (const [from, targets] of edges) {
      const wing = areaOf(from) as Wing;
      for (const to of targets) {
        const area = areaOf(to);
        if (area !== wing && !MAY_IMPORT[wing].includes(area)) against.push(`${relative(ROOT, from)} -> ${relative(ROOT, to)}`);
      }
    }
    expect(against).toEqual([]);
  });

  it('no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(SCRIPTS, p)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const to of edges.get(f) ?? []) if (edges.has(to)) visit(to, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of all) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('only cli/ reads argv or writes to standard output and error', () => {
    const outside = all.filter((f) => areaOf(f) !== 'cli' && /process\.(argv|stdout|stderr|exit)|console\./.test(readFileSync(f, 'utf8')));
    expect(outside.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
