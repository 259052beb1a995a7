/**
 * The real-time load matrix: a real openai client in forked processes against the bench's
 * token-bucket server on 127.0.0.1 (bench/load/server.ts), every scenario run with each policy in
 * turn, each policy in fresh processes so process-wide state starts empty. Makespan is counted
 * from the moment every process of the run is ready; the capacity bound is when the server's
 * schedule can have granted every request.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { round, type BenchRow, type RowProvider } from './framework.ts';
import { capacityBoundMs, LoadServer, type RateStep } from './load/server.ts';
import type { LatencyConfig, LatencyReport, PolicyName, WorkerConfig, WorkerReport } from './load/worker.ts';
import { median } from './framework.ts';

const WORKER = fileURLToPath(new URL('./load/worker.ts', import.meta.url));
const LATENCY_MS = 50;

export interface LoadScenario {
  readonly label: string;
  readonly schedule: readonly RateStep[];
  readonly headers: boolean;
  readonly hints: boolean;
  readonly processes: number;
  /** Tasks in all (split evenly over the processes), each `requests` sequential requests. */
  readonly tasks: number;
  readonly requests: number;
  readonly targets: { readonly success: number; readonly attempts?: number; readonly makespan: number };
}

export const POLICY_LABELS: Record<PolicyName, string> = {
  default: 'this package: withRetry (defaults)',
  pacedFetch: 'this package: pacedFetch + withRetry({ limiter: false })',
  openai: "openai's own retries (maxRetries: 2)",
  fixed: 'fixed 1 s retry',
  pacer: 'plain shared pacer (limit / 60, waits out hints)',
  redis: 'this package: withRetry({ store: redisStore(client) }), one Redis for all processes',
};
/** The policies of the one-Redis-free matrix (redis has its own rows: bench/fleet-rows.ts). */
const POLICIES = (Object.keys(POLICY_LABELS) as PolicyName[]).filter((p) => p !== 'redis');

const flat = (rate: number): RateStep[] => [{ atMs: 0, rate }];
const HINTED = { headers: true, hints: true, processes: 1, requests: 5 } as const;

function scenarios(quick: boolean): LoadScenario[] {
  if (quick) return [{ label: 'load 100/s (quick)', schedule: flat(100), ...HINTED, tasks: 40, requests: 5, targets: { success: 0.99, attempts: 1.3, makespan: 1.15 } }];
  const hinted = { success: 0.99, attempts: 1.3, makespan: 1.15 };
  return [
    { label: 'load 10/s', schedule: flat(10), ...HINTED, tasks: 10, requests: 6, targets: hinted },
    { label: 'load 100/s', schedule: flat(100), ...HINTED, tasks: 100, requests: 6, targets: hinted },
    // Ten seconds of work: the cold first wave of 500 simultaneous requests costs about 0.9 s of
    // CPU on 2 cores for every policy alike, which six seconds of work would count 15% against.
    { label: 'load 500/s', schedule: flat(500), ...HINTED, tasks: 500, requests: 10, targets: hinted },
    { label: 'load 100/s, bare 429s', schedule: flat(100), headers: false, hints: false, processes: 1, tasks: 100, requests: 6, targets: { success: 0.99, attempts: 1.6, makespan: 1.3 } },
    {
      label: 'load 100 -> 30 -> 100/s',
      schedule: [
        { atMs: 0, rate: 100 },
        { atMs: 3000, rate: 30 },
        { atMs: 6000, rate: 100 },
      ],
      ...HINTED,
      tasks: 100,
      requests: 6,
      targets: { success: 0.99, makespan: 1.25 },
    },
    { label: 'load 100/s, 4 processes', schedule: flat(100), ...HINTED, processes: 4, tasks: 100, requests: 6, targets: { success: 0.99, attempts: 1.5, makespan: 1.3 } },
  ];
}

export interface PolicyResult {
  readonly policy: PolicyName;
  readonly reports: readonly WorkerReport[];
  readonly successRate: number;
  readonly attemptsPerSuccess: number;
  readonly makespanMs: number;
  readonly boundMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Forks `count` workers with `config`, resolving once each has said "ready". */
export async function forkWorkers<R = WorkerReport>(configs: readonly (WorkerConfig | LatencyConfig)[]) {
  return Promise.all(
    configs.map(
      (config) =>
        new Promise<{ go: () => Promise<R> }>((resolve, reject) => {
          const child = fork(WORKER, [JSON.stringify(config)], { execArgv: ['--import', 'tsx', '--no-warnings'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
          child.once('error', reject);
          child.once('message', (m) => {
            if (m !== 'ready') return reject(new Error(`worker said ${String(m)}`));
            resolve({
              go: () =>
                new Promise<R>((done, fail) => {
                  child.once('message', (report) => done(report as R));
                  child.once('exit', (code) => (code === 0 ? undefined : fail(new Error(`worker exited ${code}`))));
                  child.send('go');
                }),
            });
          });
        }),
    ),
  );
}

/** What a run adds to each worker's config, and what happens while it runs (given the moment "go" was sent). */
export interface RunExtras {
  readonly config?: Partial<WorkerConfig>;
  readonly during?: (goAt: number) => Promise<void>;
}

/** Runs one scenario with one policy in fresh processes. */
export async function runLoad(scenario: LoadScenario, policy: PolicyName, extras: RunExtras = {}): Promise<PolicyResult> {
  const server = new LoadServer({ schedule: scenario.schedule, headers: scenario.headers, hints: scenario.hints, latencyMs: LATENCY_MS });
  await server.listen();
  try {
    const boundMs = capacityBoundMs(scenario.tasks * scenario.requests, scenario.schedule, 0.1, LATENCY_MS);
    const per = scenario.tasks / scenario.processes;
    const configs = Array.from({ length: scenario.processes }, () => ({ port: server.port, policy, tasks: per, requests: scenario.requests, deadlineMs: Math.max(10_000, boundMs * 4), ...extras.config }));
    const workers = await forkWorkers(configs);
    server.reset();
    const running = Promise.all(workers.map((w) => w.go()));
    const during = extras.during?.(performance.timeOrigin + performance.now());
    const reports = await running;
    await during;
    const makespanMs = Math.max(...reports.map((r) => r.elapsedMs));
    const ok = reports.reduce((s, r) => s + r.ok, 0);
    const total = scenario.tasks * scenario.requests;
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    return {
      policy,
      reports,
      successRate: ok / total,
      attemptsPerSuccess: ok === 0 ? Number.POSITIVE_INFINITY : server.counts.attempts / ok,
      makespanMs,
      boundMs,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
    };
  } finally {
    await server.close();
  }
}

const pct = (x: number) => round(x * 100);
export const describeLoad = (r: PolicyResult) =>
  `${pct(r.successRate)}% success, ${r.attemptsPerSuccess.toFixed(2)} attempts/success, makespan ${(r.makespanMs / r.boundMs).toFixed(2)}x (${(r.makespanMs / 1000).toFixed(2)} s of ${(r.boundMs / 1000).toFixed(2)} s), p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms`;

/** Every policy's result of the last run, by scenario, for the README table. */
export const loadDetails: { scenario: string; results: PolicyResult[] }[] = [];

function rowsOf(scenario: LoadScenario, results: PolicyResult[]): BenchRow[] {
  const ours = results.find((r) => r.policy === 'default') as PolicyResult;
  const pacer = results.find((r) => r.policy === 'pacer') ?? ours;
  const t = scenario.targets;
  const note = results.map((r) => `${POLICY_LABELS[r.policy]}: ${describeLoad(r)}`).join('; ');
  const makespan = ours.makespanMs / ours.boundMs;
  const rows: BenchRow[] = [
    { what: `${scenario.label}: success`, ours: pct(ours.successRate), baseline: pct(pacer.successRate), ratio: round(ours.successRate / pacer.successRate), target: `>= ${pct(t.success)}%`, meets: ours.successRate >= t.success, unit: '%', note: `baseline: the plain shared pacer. ${note}` },
  ];
  if (t.attempts !== undefined) {
    rows.push({ what: `${scenario.label}: attempts per success`, ours: round(ours.attemptsPerSuccess), baseline: round(pacer.attemptsPerSuccess), ratio: round(ours.attemptsPerSuccess / pacer.attemptsPerSuccess), target: `<= ${t.attempts}`, meets: ours.attemptsPerSuccess <= t.attempts, unit: 'attempts', note: 'baseline: the plain shared pacer' });
  }
  rows.push({ what: `${scenario.label}: makespan / capacity bound`, ours: round(ours.makespanMs / 1000), baseline: round(ours.boundMs / 1000), ratio: round(makespan), target: `<= ${t.makespan}x`, meets: ours.successRate >= t.success && makespan <= t.makespan, unit: 's', note: `baseline: the capacity bound of the schedule; p50 ${ours.p50Ms.toFixed(0)} ms, p99 ${ours.p99Ms.toFixed(0)} ms` });
  return rows;
}

/**
 * No overload: open-loop arrivals at a tenth of the capacity, the default withRetry against
 * `limiter: false` in interleaved rounds in one process; the added latency is the median of the
 * rounds' differences of median latencies.
 */
export async function latencyRow(quick: boolean): Promise<BenchRow> {
  const server = new LoadServer({ schedule: flat(1000), headers: true, hints: true, latencyMs: 0 });
  await server.listen();
  try {
    const latency = quick ? { rounds: 3, perBatch: 20, intervalMs: 10 } : { rounds: 9, perBatch: 100, intervalMs: 10 };
    const [worker] = await forkWorkers<LatencyReport>([{ port: server.port, latency }]);
    const report = await (worker as { go: () => Promise<LatencyReport> }).go();
    const added = median(report.addedMs);
    return {
      what: 'no overload (100/s against 1000/s): added median latency vs limiter: false',
      ours: round(added),
      baseline: round(report.offMedianMs),
      ratio: round(report.defaultMedianMs / report.offMedianMs),
      target: '<= 0.5 ms',
      meets: added <= 0.5,
      unit: 'ms',
      note: `median of ${latency.rounds} interleaved rounds of ${latency.perBatch} requests; per round (ms): ${report.addedMs.map((x) => x.toFixed(2)).join(', ')}; medians ${report.defaultMedianMs.toFixed(2)} ms (default) vs ${report.offMedianMs.toFixed(2)} ms (limiter: false)`,
    };
  } finally {
    await server.close();
  }
}

export const loadRows: RowProvider & { run: (quick: boolean, only?: string, policies?: readonly string[]) => Promise<BenchRow[]> } = {
  name: 'retry under real load',
  describe: (quick) => [
    `real load: a real openai client (maxRetries: 0 unless stated) in forked processes, POST /v1/responses to a token bucket on 127.0.0.1 (burst 0.1 s of its rate, ${LATENCY_MS} ms latency, x-ratelimit-* per minute as OpenAI's, 429s with "try again in" and retry-after-ms unless bare); each policy in fresh processes: ${POLICIES.map((p) => POLICY_LABELS[p]).join(' | ')}`,
  ],
  run: async (quick: boolean, only?: string, policies?: readonly string[]) => {
    const rows: BenchRow[] = [];
    loadDetails.length = 0;
    for (const scenario of scenarios(quick).filter((s) => only === undefined || s.label.includes(only))) {
      const results: PolicyResult[] = [];
      const chosen = policies !== undefined && policies.length > 0 ? (policies as PolicyName[]) : quick ? (['default', 'pacer'] as PolicyName[]) : POLICIES;
      for (const policy of chosen) {
        const r = await runLoad(scenario, policy);
        console.log(`  ${scenario.label.padEnd(26)} ${POLICY_LABELS[policy].padEnd(56)} ${describeLoad(r)}`);
        results.push(r);
      }
      loadDetails.push({ scenario: scenario.label, results });
      rows.push(...rowsOf(scenario, results));
    }
    if (only === undefined || 'no overload'.includes(only)) {
      const row = await latencyRow(quick);
      console.log(`  ${row.what}: ${row.ours} ms (${row.note ?? ''})`);
      rows.push(row);
    }
    return rows;
  },
};
