/**
 * The benchmark: `npm run bench` prints a table and writes bench/results.json (an array of rows
 * {what, ours, baseline, ratio, target, meets}); `npm run bench -- --quick` runs a reduced set in
 * seconds (test/bench.test.ts runs it, so it cannot rot). `--out <file>` writes elsewhere.
 *
 * Row providers, in order: the package's hot paths, bundle, cold import, generator and ingest
 * (package-rows.ts), then retry under overload, outage and the hint scan in virtual time
 * (retry-rows.ts), the limiter's queue at scale (queue-rows.ts) and the real-time load matrix
 * (load-rows.ts: a real openai client against a local server; `npx tsx bench/load-only.ts` runs
 * only it), and a fleet of processes on one quota through a real redis-server (fleet-rows.ts;
 * `npx tsx bench/fleet-only.ts`), and telemetry on vs off (telemetry-rows.ts).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { formatTable, type BenchRow, type RowProvider } from './framework.ts';
import { bundleRows, coldImportRows, diagnosticsRows, generatorRows, hotPathRows, ingestRows } from './package-rows.ts';
import { outageRows, overloadRows, retryDetails, scanRows } from './retry-rows.ts';
import { queueRows } from './queue-rows.ts';
import { loadRows } from './load-rows.ts';
import { fleetRows } from './fleet-rows.ts';
import { telemetryRows } from './telemetry-rows.ts';

const PROVIDERS: readonly RowProvider[] = [hotPathRows, bundleRows, coldImportRows, generatorRows, diagnosticsRows, ingestRows, overloadRows, outageRows, scanRows, queueRows, loadRows, fleetRows, telemetryRows];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : quick ? undefined : 'bench/results.json';

const started = performance.now();
console.log(`openai-error-registry bench${quick ? ' (--quick)' : ''}: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
for (const p of PROVIDERS) for (const line of p.describe?.(quick) ?? []) console.log(line);
const rows: BenchRow[] = [];
for (const p of PROVIDERS) rows.push(...(await p.run(quick)));
console.log('');
console.log(formatTable(rows));
console.log('');
console.log('scenario details:');
for (const line of retryDetails) console.log(line);
if (out !== undefined) {
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
console.log(`${rows.filter((r) => r.meets).length}/${rows.length} rows meet their targets; ${((performance.now() - started) / 1000).toFixed(1)} s`);
