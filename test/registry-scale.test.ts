/**
 * Diagnostics stay linear in the number of codes. The target (10x the codes in at most 11x the
 * time) is measured by the benchmark (`npm run bench`, row "diagnostics, 10x codes"), since
 * timings belong there; this test guards against the quadratic versions it replaced, which took
 * 70x to 100x, with a bound a linear pipeline meets on a busy machine and a quadratic one cannot.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRegistry } from '../scripts/pipeline/check.ts';
import { formatDiagnostic } from '../scripts/pipeline/diagnostics.ts';

const dir = mkdtempSync(join(tmpdir(), 'oer-scale-'));
const base = readFileSync('test/fixtures/rules/_base.yaml', 'utf8');

/**
 * Every code breaks the schema (seven missing properties), or is valid under the schema (registry
 * format 2) and breaks two semantic rules: CLASS_NAME_INVALID (no Error suffix) and
 * EVIDENCE_URL_NOT_HTTPS.
 */
const KINDS = {
  schema: (i: number) => `  c${i}: { class: B${i} }\n`,
  rules: (i: number) =>
    `  c${i}: { class: B${i}, extends: APIError, category: unknown, retryable: false, baseRule: r, surfaces: [response], description: d, since: 1.0.0, evidence: [{ url: "http://x", note: s }] }\n`,
};

function registryFile(kind: keyof typeof KINDS, codes: number): string {
  const path = join(dir, `${kind}-${codes}.yaml`);
  let text = `${base}codes:\n`;
  for (let i = 0; i < codes; i++) text += KINDS[kind](i);
  writeFileSync(path, text);
  return path;
}

/** Best of `runs` timings of the whole pipeline up to printed text, and the diagnostic count. */
function time(path: string, runs: number): { ms: number; diagnostics: number } {
  let best = Infinity;
  let diagnostics = 0;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const checked = checkRegistry([path]);
    const printed = checked.diagnostics.map(formatDiagnostic).join('\n');
    best = Math.min(best, performance.now() - start);
    diagnostics = checked.diagnostics.length;
    expect(printed.length).toBeGreaterThan(0);
  }
  return { ms: best, diagnostics };
}

describe('diagnostics scale linearly with the number of codes', () => {
  it.each([
    ['schema', 2_000],
    ['rules', 1_000],
  ] as const)('%s errors: 10x the codes take far less than 100x the time (not quadratic)', (kind, n) => {
    const small = registryFile(kind, n);
    const large = registryFile(kind, n * 10);
    time(small, 1); // warm up: schema compilation, JIT
    const one = time(small, 3);
    const ten = time(large, 2);
    expect(ten.diagnostics).toBe(one.diagnostics * 10);
    const ratio = ten.ms / one.ms;
    console.log(`${kind}: ${n} codes ${one.ms.toFixed(0)} ms, ${n * 10} codes ${ten.ms.toFixed(0)} ms, ratio ${ratio.toFixed(1)}`);
    expect(ratio).toBeLessThanOrEqual(25);
  }, 120_000);
});
