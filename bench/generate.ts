/**
 * Generator scale benchmark: synthetic registries of 1,000 and 10,000 codes through every stage
 * (parse, validate, model, emit). Prints times and the 10k/1k ratio, measured in this process
 * against the 1k baseline; linear growth gives a ratio near 10. Also times the hostile inputs.
 *
 *   npx tsx bench/generate.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseRegistryText } from '../scripts/load.ts';
import { buildModel } from '../scripts/model.ts';
import { installedSdkFacts } from '../scripts/sdk.ts';
import { validateRegistry } from '../scripts/validate.ts';
import { emitAll } from '../scripts/generate.ts';

const base = readFileSync('test/fixtures/rules/_base.yaml', 'utf8');
const sdk = installedSdkFacts();

function synthetic(n: number): string {
  const parts = [base, 'codes:\n'];
  for (let i = 0; i < n; i++) {
    parts.push(`  code_${i}:
    class: Synthetic${i}Error
    extends: ${i % 2 === 0 ? 'InternalServerError' : 'BadRequestError'}
    retryable: ${i % 2 === 0}
    surfaces: [response]
    description: Synthetic code number ${i}, used to measure how generation time grows.
    since: 1.0.0
    evidence: [{ url: "https://example.com/${i}", note: synthetic }]
`);
  }
  return parts.join('');
}

function stages(n: number) {
  const text = synthetic(n);
  const t0 = performance.now();
  const parsed = parseRegistryText(`synthetic-${n}.yaml`, text);
  const t1 = performance.now();
  const { view, diagnostics } = validateRegistry([parsed.file], sdk);
  const t2 = performance.now();
  if (parsed.diagnostics.length + diagnostics.length > 0) throw new Error(`synthetic registry invalid: ${JSON.stringify([...parsed.diagnostics, ...diagnostics][0])}`);
  const model = buildModel(view, [parsed.file]);
  const t3 = performance.now();
  const files = emitAll(model);
  const t4 = performance.now();
  return { parse: t1 - t0, validate: t2 - t1, model: t3 - t2, emit: t4 - t3, total: t4 - t0, bytes: files.reduce((s, f) => s + f.content.length, 0) };
}

function best(n: number, runs: number) {
  let min: ReturnType<typeof stages> | undefined;
  for (let i = 0; i < runs; i++) {
    const r = stages(n);
    if (min === undefined || r.total < min.total) min = r;
  }
  return min as ReturnType<typeof stages>;
}

const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
stages(200); // warm up the JIT and ts-morph
const small = best(1_000, 3);
const large = best(10_000, 2);
console.log('stage      1,000 codes   10,000 codes   ratio');
for (const k of ['parse', 'validate', 'model', 'emit', 'total'] as const) {
  console.log(`${k.padEnd(9)} ${fmt(small[k])}   ${fmt(large[k])}     ${(large[k] / small[k]).toFixed(1)}x`);
}
console.log(`output: ${(small.bytes / 1024).toFixed(0)} KiB for 1,000 codes, ${(large.bytes / 1024).toFixed(0)} KiB for 10,000 codes`);
console.log(`linear growth would be 10.0x; measured total ${(large.total / small.total).toFixed(1)}x`);

// Hostile inputs: each must be refused quickly with a positioned diagnostic.
const hostile: [string, string][] = [
  ['billion laughs', readFileSync('test/fixtures/yaml/BILLION_LAUGHS.yaml', 'utf8')],
  ['10,000-deep flow', `codes: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
  ['10,000-deep block', `codes:\n${'- '.repeat(10_000)}x\n`],
  ['10 MB file', `codes:\n${'  # padding\n'.repeat((10 * 1024 * 1024) / 12)}`],
];
for (const [name, text] of hostile) {
  const t0 = performance.now();
  const { diagnostics } = parseRegistryText(name, text);
  const ms = performance.now() - t0;
  console.log(`hostile ${name.padEnd(18)} ${ms.toFixed(1).padStart(7)} ms  ${diagnostics[0]?.code ?? 'no diagnostic'} at ${diagnostics[0]?.line}:${diagnostics[0]?.col}`);
}
