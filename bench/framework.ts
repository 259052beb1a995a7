/**
 * The benchmark's rows and how ratio rows are measured. Ratios are measured side by side in one
 * process (the machine is shared and noisy; absolute times mean little): each round times a batch
 * of ours and a batch of the baseline, alternating which goes first, every result is consumed
 * into a sink (so V8 cannot drop the work), and the row reports the median of the rounds' ratios.
 */
import { performance } from 'node:perf_hooks';

/** One row of bench/results.json. */
export interface BenchRow {
  readonly what: string;
  /** Our figure (a time per operation in ns, a ratio, a count, or bytes: see `unit`). */
  readonly ours: number | null;
  /** The baseline's figure in the same unit; null when the row has no baseline (an absolute target). */
  readonly baseline: number | null;
  /** ours / baseline for ratio rows; the figure compared with the target otherwise. */
  readonly ratio: number | null;
  /** The target, as a human-readable bound ("<= 1.5", "100%"). */
  readonly target: string;
  readonly meets: boolean;
  readonly unit?: string;
  /** Anything a reader needs to interpret the figures (baseline name, other policies). */
  readonly note?: string;
}

/** A group of rows: the other rows of the benchmark are added as more providers in bench/run.ts. */
export interface RowProvider {
  readonly name: string;
  /** Scenario parameters and other context printed before the rows. */
  readonly describe?: (quick: boolean) => string[];
  readonly run: (quick: boolean) => Promise<readonly BenchRow[]>;
}

const SINK: unknown[] = new Array<unknown>(1024);
let sinkAt = 0;

/** Keeps a result reachable so the optimiser cannot drop the computation that made it. */
export function consume(value: unknown): void {
  SINK[sinkAt++ & 1023] = value;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function timeBatch(fn: () => unknown, iterations: number): number {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) consume(fn());
  return performance.now() - t0;
}

/** Iterations that make one batch of `fn` last about `batchMs`. */
function calibrate(fn: () => unknown, batchMs: number): number {
  let n = 1;
  for (;;) {
    const ms = timeBatch(fn, n);
    if (ms >= batchMs / 4 || n >= 1 << 24) return Math.max(1, Math.round((n * batchMs) / Math.max(ms, 1e-3)));
    n *= 4;
  }
}

/** What a ratio row measures. */
export interface RatioSpec {
  readonly what: string;
  readonly ours: () => unknown;
  readonly baseline: () => unknown;
  /** The row meets its target when the median ratio is at most this. */
  readonly maxRatio: number;
  /** Rounds (at least 7). */
  readonly rounds?: number;
  /** Milliseconds per timed batch (default 40). */
  readonly batchMs?: number;
  readonly note?: string;
}

/**
 * Times `ours` against `baseline` side by side and returns a ratio row: ours and baseline in ns
 * per operation (medians), ratio = median of the per-round ratios.
 */
export function measureRatio(spec: RatioSpec): BenchRow {
  const rounds = Math.max(7, spec.rounds ?? 7);
  const batchMs = spec.batchMs ?? 40;
  for (let i = 0; i < 3; i++) {
    consume(spec.ours());
    consume(spec.baseline());
  }
  const nOurs = calibrate(spec.ours, batchMs);
  const nBase = calibrate(spec.baseline, batchMs);
  const ours: number[] = [];
  const base: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let a: number;
    let b: number;
    if (r % 2 === 0) {
      a = timeBatch(spec.ours, nOurs) / nOurs;
      b = timeBatch(spec.baseline, nBase) / nBase;
    } else {
      b = timeBatch(spec.baseline, nBase) / nBase;
      a = timeBatch(spec.ours, nOurs) / nOurs;
    }
    ours.push(a * 1e6);
    base.push(b * 1e6);
    ratios.push(a / b);
  }
  const ratio = median(ratios);
  return {
    what: spec.what,
    ours: round(median(ours)),
    baseline: round(median(base)),
    ratio: round(ratio),
    target: `<= ${spec.maxRatio.toLocaleString('en-US')}x`,
    meets: ratio <= spec.maxRatio,
    unit: 'ns/op',
    ...(spec.note === undefined ? {} : { note: spec.note }),
  };
}

/** Three significant digits, enough for a table. */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits, 6)));
}

function cell(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : v;
}

/** The rows as a fixed-width text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const head = ['what', 'ours', 'baseline', 'ratio', 'target', 'meets', 'unit'];
  const body = rows.map((r) => [r.what, cell(r.ours), cell(r.baseline), cell(r.ratio), r.target, r.meets ? 'yes' : 'NO', r.unit ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
