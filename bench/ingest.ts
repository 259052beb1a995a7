/**
 * Ingest memory benchmark: peak memory of `ingest` over 10 MB and over 200 MB of generated JSON
 * Lines (failed responses with known and unknown codes, stream events, batch lines, toJSON()
 * records, junk), each measured in a fresh child process. Streaming keeps memory flat: the target
 * is a 200 MB / 10 MB peak ratio of at most 1.5.
 *
 *   npx tsx bench/ingest.ts            prints the row
 *   import { ingestMemoryRow } from './ingest.ts'   returns it (for a bench runner)
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './framework.ts';

/** One benchmark result, in the shape the bench runner collects. */
export interface BenchRow {
  readonly what: string;
  readonly ours: number;
  readonly baseline: number;
  readonly ratio: number;
  readonly target: number;
  readonly meets: boolean;
}

const MB = 1024 * 1024;
/** The largest peak-memory ratio (200 MB input / 10 MB input) that counts as flat. */
export const TARGET_RATIO = 1.5;

/** A block of about 1 MB of varied log lines; `seed` varies ids so lines are not all equal. */
function block(seed: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < MB; i++) {
    const n = seed * 100_000 + i;
    const unknown = `observed_code_${i % 40}`;
    const line = [
      JSON.stringify({ id: `resp_${n}`, object: 'response', status: 'failed', created_at: 1767225600 + n, error: { code: i % 3 === 0 ? unknown : 'server_error', message: `The server had an error processing request ${n}; key sk-proj-${'x'.repeat(24)}` } }),
      JSON.stringify({ type: 'response.failed', response: { id: `resp_${n}`, object: 'response', status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Please try again in 20s.' } } }),
      JSON.stringify({ custom_id: `req-${n}`, response: { status_code: 400, body: { error: { code: i % 5 === 0 ? 'batch_line_unknown' : 'invalid_request', message: 'bad line' } } }, error: null }),
      JSON.stringify({ class: 'ServerError', code: 'server_error', surface: 'response', message: 'x', timestamp: '2026-01-01T00:00:00Z' }),
      JSON.stringify({ id: `resp_${n}`, object: 'response', status: 'completed', output: [] }),
      `junk line ${n} {`,
    ][i % 6] as string;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** Writes about `mb` megabytes of log lines to `path`. */
export function writeLog(path: string, mb: number): void {
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < mb; i++) writeSync(fd, block(i % 16));
  } finally {
    closeSync(fd);
  }
}

/** Runs of each size; the row reports the medians. */
const ROUNDS = 3;

/** Peak resident set and peak sampled heap of one ingest run, in MB, measured in a child process. */
function measure(path: string): { rssMb: number; heapMb: number; lines: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path], { encoding: 'utf8', maxBuffer: MB });
  return JSON.parse(out) as { rssMb: number; heapMb: number; lines: number };
}

/** Runs the benchmark and returns its row (peak RSS in MB: ours = 200 MB input, baseline = 10 MB input). */
export function ingestMemoryRow(sizes: { small: number; large: number } = { small: 10, large: 200 }): BenchRow & { heap: { ours: number; baseline: number; ratio: number } } {
  const dir = mkdtempSync(join(tmpdir(), 'oer-bench-ingest-'));
  try {
    const small = join(dir, 'small.jsonl');
    const large = join(dir, 'large.jsonl');
    writeLog(small, sizes.small);
    writeLog(large, sizes.large);
    // Peak RSS depends on when the collector runs, which a busy machine shifts: the median of
    // alternated runs, as for every other row.
    const runs: { small: ReturnType<typeof measure>[]; large: ReturnType<typeof measure>[] } = { small: [], large: [] };
    for (let r = 0; r < ROUNDS; r++) {
      runs.small.push(measure(small));
      runs.large.push(measure(large));
    }
    const a = { rssMb: median(runs.small.map((x) => x.rssMb)), heapMb: median(runs.small.map((x) => x.heapMb)) };
    const b = { rssMb: median(runs.large.map((x) => x.rssMb)), heapMb: median(runs.large.map((x) => x.heapMb)) };
    const ratio = b.rssMb / a.rssMb;
    return {
      what: `ingest peak RSS, ${sizes.large} MB vs ${sizes.small} MB of JSON Lines (MB)`,
      ours: round(b.rssMb),
      baseline: round(a.rssMb),
      ratio: round(ratio),
      target: TARGET_RATIO,
      meets: ratio <= TARGET_RATIO,
      heap: { ours: round(b.heapMb), baseline: round(a.heapMb), ratio: round(b.heapMb / a.heapMb) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The child: ingest one file, sampling the heap, then print peaks as JSON. */
async function child(path: string): Promise<void> {
  const { ingest } = await import('../scripts/tooling/ingest.ts');
  let heapPeak = 0;
  const sample = () => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 5);
  const report = await ingest([path]);
  clearInterval(timer);
  sample();
  // maxRSS is in kilobytes.
  process.stdout.write(`${JSON.stringify({ rssMb: process.resourceUsage().maxRSS / 1024, heapMb: heapPeak / MB, lines: report.lines })}\n`);
}

const self = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (self && process.argv[2] === '--child') {
  await child(process.argv[3] ?? '');
} else if (self) {
  const row = ingestMemoryRow();
  process.stdout.write(`${JSON.stringify(row)}\n`);
  process.stdout.write(`${row.what}: ${row.ours} vs ${row.baseline}, ratio ${row.ratio} (target <= ${row.target}: ${row.meets ? 'meets' : 'MISSES'}); heap ${row.heap.ours} vs ${row.heap.baseline} MB\n`);
}
