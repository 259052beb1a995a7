import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchRow } from '../bench/framework.ts';
import { formatTable, measureRatio, median } from '../bench/framework.ts';

const out = resolve('test/.tmp/bench');

describe('npm run bench -- --quick', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs the reduced set in seconds, prints its scenario and writes rows of the agreed shape; the virtual-time rows meet their targets', () => {
    mkdirSync(out, { recursive: true });
    const file = join(out, 'results.json');
    const stdout = execFileSync(process.execPath, [resolve('node_modules/tsx/dist/cli.mjs'), 'bench/run.ts', '--quick', '--out', file], { encoding: 'utf8', timeout: 170_000 });
    expect(stdout).toContain('server grants 10 req/s');
    const rows = JSON.parse(readFileSync(file, 'utf8')) as BenchRow[];
    expect(rows.map((r) => r.what)).toEqual(
      expect.arrayContaining(['retry under overload: attempts per success', 'fleet (10 processes): makespan / capacity bound', '"try again in" scan, 1 MB message vs 1 KB']),
    );
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['what', 'ours', 'baseline', 'ratio', 'target', 'meets']));
      expect(typeof r.meets).toBe('boolean');
    }
    // Virtual time makes the retry rows exact for a seed; timing rows are the benchmark's to judge.
    const simulated = rows.filter((r) => /^(retry under overload|fleet|outage)/.test(r.what));
    expect(simulated.length).toBeGreaterThanOrEqual(8);
    expect(simulated.filter((r) => !r.meets).map((r) => r.what)).toEqual([]);
    expect(rows.map((r) => r.what)).toEqual(expect.arrayContaining(['raiseForFailedResponse on a completed Response', 'isRetryable(e) on a plain openai APIError']));
    // The real-time matrix runs one small scenario (a real openai client against the local server)
    // and the no-overload latency row; the queue row compares two queue sizes.
    expect(stdout).toContain('real load: a real openai client');
    expect(rows.map((r) => r.what)).toEqual(
      expect.arrayContaining([
        'load 100/s (quick): success',
        'load 100/s (quick): attempts per success',
        'load 100/s (quick): makespan / capacity bound',
        'no overload (100/s against 1000/s): added median latency vs limiter: false',
        'limiter queue: cost per waiter at 2,000 queued vs 200',
      ]),
    );
    // A fleet on one quota through a real redis-server: two processes, an outage, the acquisition cost.
    expect(rows.map((r) => r.what)).toEqual(
      expect.arrayContaining([
        'one quota 100/s, 2 processes (quick), through Redis: success',
        'one quota 100/s, 2 processes (quick), through Redis: attempts per success',
        'Redis killed for 1 s mid-run (4 processes, 100/s, restarted empty): requests served',
        'acquisition through Redis, one process at low load (100/s against 1000/s), vs the in-memory store: added median latency',
      ]),
    );
    // Telemetry on vs off, with the real OpenTelemetry SDKs.
    expect(rows.map((r) => r.what)).toEqual(expect.arrayContaining(['telemetry on vs off: raiseForFailedResponse on a completed Response']));
    const outage = rows.find((r) => r.what.endsWith('restarted empty): requests served')) as BenchRow;
    expect(outage.ours).toBeGreaterThan(0);
    const served = rows.find((r) => r.what === 'load 100/s (quick): success') as BenchRow;
    expect(served.ours).toBeGreaterThan(0);
  }, 180_000);
});

describe('bench framework', () => {
  it('measures side by side: a baseline doing twice the work comes out near 0.5x', () => {
    const work = (n: number) => () => {
      let x = 0;
      for (let i = 0; i < n; i++) x += i % 7;
      return x;
    };
    const row = measureRatio({ what: 'half the work', ours: work(2000), baseline: work(4000), maxRatio: 1, batchMs: 5 });
    expect(row.ratio).toBeGreaterThan(0.2);
    expect(row.ratio).toBeLessThan(1);
    expect(row.meets).toBe(true);
  });

  it('medians and the table', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(formatTable([{ what: 'x', ours: 1, baseline: null, ratio: null, target: '<= 1', meets: true }])).toContain('yes');
  });
});
