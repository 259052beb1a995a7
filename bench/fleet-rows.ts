/**
 * A fleet on one quota: N forked processes, each a real openai client, against the bench's token
 * bucket on 127.0.0.1 (bench/load/server.ts), each process with its own in-memory limiter
 * (the default) vs all through one real redis-server (redisStore), side by side in one run.
 * Makespan counts from the moment every process is ready. Also: Redis killed for 3 s mid-run and
 * restarted empty, and what one acquisition through Redis adds at low load.
 */
import { round, median, type BenchRow, type RowProvider } from './framework.ts';
import { describeLoad, forkWorkers, runLoad, type LoadScenario, type PolicyResult } from './load-rows.ts';
import { LoadServer, type RateStep } from './load/server.ts';
import type { LatencyReport, PolicyName } from './load/worker.ts';
import { RedisServer } from '../test/redis-server.ts';

const flat = (rate: number): RateStep[] => [{ atMs: 0, rate }];
const HINTED = { schedule: flat(100), headers: true, hints: true, requests: 6 } as const;
const SHARED_TARGETS = { success: 0.99, attempts: 1.2, makespan: 1.15 };
const BARE_TARGETS = { success: 0.99, attempts: 1.5, makespan: 1.3 };

function scenarios(quick: boolean): LoadScenario[] {
  if (quick) return [{ label: 'one quota 100/s, 2 processes (quick)', ...HINTED, processes: 2, tasks: 20, requests: 5, targets: SHARED_TARGETS }];
  return [
    { label: 'one quota 100/s, 4 processes', ...HINTED, processes: 4, tasks: 100, targets: SHARED_TARGETS },
    { label: 'one quota 100/s, 8 processes', ...HINTED, processes: 8, tasks: 96, targets: SHARED_TARGETS },
    { label: 'one quota 100/s, 8 processes, bare 429s', schedule: flat(100), headers: false, hints: false, processes: 8, tasks: 96, requests: 6, targets: BARE_TARGETS },
  ];
}

const pct = (x: number) => round(x * 100);
let runs = 0;

function rowsOf(scenario: LoadScenario, shared: PolicyResult, local: PolicyResult): BenchRow[] {
  const t = scenario.targets;
  const note = `per-process in-memory limiters: ${describeLoad(local)}; through Redis: ${describeLoad(shared)}`;
  const makespan = shared.makespanMs / shared.boundMs;
  return [
    { what: `${scenario.label}, through Redis: success`, ours: pct(shared.successRate), baseline: pct(local.successRate), ratio: round(shared.successRate / local.successRate), target: `>= ${pct(t.success)}%`, meets: shared.successRate >= t.success, unit: '%', note: `baseline: each process's own in-memory limiter. ${note}` },
    { what: `${scenario.label}, through Redis: attempts per success`, ours: round(shared.attemptsPerSuccess), baseline: round(local.attemptsPerSuccess), ratio: round(shared.attemptsPerSuccess / local.attemptsPerSuccess), target: `<= ${t.attempts}`, meets: shared.attemptsPerSuccess <= (t.attempts as number), unit: 'attempts', note: "baseline: each process's own in-memory limiter" },
    { what: `${scenario.label}, through Redis: makespan / capacity bound`, ours: round(makespan), baseline: round(local.makespanMs / local.boundMs), ratio: round(shared.makespanMs / local.makespanMs), target: `<= ${t.makespan}x`, meets: shared.successRate >= t.success && makespan <= t.makespan, unit: 'x', note: `baseline: each process's own in-memory limiter (its makespan / bound); bound ${(shared.boundMs / 1000).toFixed(2)} s` },
  ];
}

/** Redis killed 3 s into the run and restarted empty 3 s later: nothing may fail, fallback and return must be quick. */
async function outageRows(redis: RedisServer, quick: boolean): Promise<BenchRow[]> {
  const scenario: LoadScenario = { label: 'one quota, Redis outage', ...HINTED, processes: 4, tasks: 100, requests: quick ? 4 : 9, targets: SHARED_TARGETS };
  const killAfterMs = quick ? 1000 : 3000;
  const downMs = quick ? 1000 : 3000;
  let killedAt = 0;
  let restartedAt = 0;
  const r = await runLoad(scenario, 'redis', {
    config: { redisPort: redis.port, redisPrefix: `fleet-${++runs}:` },
    during: async () => {
      await new Promise((done) => setTimeout(done, killAfterMs));
      killedAt = performance.timeOrigin + performance.now();
      await redis.kill();
      await new Promise((done) => setTimeout(done, downMs));
      await redis.start();
      restartedAt = performance.timeOrigin + performance.now();
    },
  });
  const total = scenario.tasks * scenario.requests;
  const ok = Math.round(r.successRate * total);
  // Each process's first fallback after the kill, and its first return after the restart.
  const fellBack = r.reports.map((w) => (w.fallbacks ?? []).find((t) => t >= killedAt - 5));
  const returned = r.reports.map((w) => (w.recoveries ?? []).find((t) => t >= restartedAt - 5));
  const worstFallback = Math.max(...fellBack.map((t) => (t === undefined ? Number.POSITIVE_INFINITY : t - killedAt)));
  const worstReturn = Math.max(...returned.map((t) => (t === undefined ? Number.POSITIVE_INFINITY : t - restartedAt)));
  const label = `Redis killed for ${downMs / 1000} s mid-run (4 processes, 100/s, restarted empty)`;
  console.log(`  ${label}: ${describeLoad(r)}; fallback after ${worstFallback.toFixed(0)} ms (worst process), back on Redis ${worstReturn.toFixed(0)} ms after its return`);
  return [
    { what: `${label}: requests served`, ours: ok, baseline: total, ratio: round(ok / total), target: 'all', meets: ok === total, unit: 'requests', note: describeLoad(r) },
    { what: `${label}: fallback after the kill (worst process)`, ours: round(worstFallback), baseline: 1000, ratio: round(worstFallback / 1000), target: '<= 1000 ms', meets: worstFallback <= 1000, unit: 'ms', note: 'baseline: the target' },
    { what: `${label}: back on Redis after its return (worst process)`, ours: round(worstReturn), baseline: 2000, ratio: round(worstReturn / 2000), target: '<= 2000 ms', meets: worstReturn <= 2000, unit: 'ms', note: "baseline: the target; the client's reconnect delay is capped at 500 ms (node-redis' default grows to 2 s)" },
  ];
}

/** One process at a tenth of the capacity: withRetry through redisStore vs the in-memory default, interleaved rounds. */
async function acquisitionRows(redis: RedisServer, quick: boolean): Promise<BenchRow[]> {
  const server = new LoadServer({ schedule: flat(1000), headers: true, hints: true, latencyMs: 0 });
  await server.listen();
  try {
    const latency = quick ? { rounds: 3, perBatch: 20, intervalMs: 10 } : { rounds: 9, perBatch: 100, intervalMs: 10 };
    const [worker] = await forkWorkers<LatencyReport>([{ port: server.port, latency, redisPort: redis.port }]);
    const report = await (worker as { go: () => Promise<LatencyReport> }).go();
    const added = median(report.addedMs);
    const addedP99 = median(report.addedP99Ms);
    const what = 'acquisition through Redis, one process at low load (100/s against 1000/s), vs the in-memory store';
    console.log(`  ${what}: median +${added.toFixed(2)} ms, p99 +${addedP99.toFixed(2)} ms`);
    const rounds = `median of ${latency.rounds} interleaved rounds of ${latency.perBatch} requests`;
    return [
      { what: `${what}: added median latency`, ours: round(added), baseline: round(report.offMedianMs), ratio: round(report.defaultMedianMs / report.offMedianMs), target: '<= 0.5 ms', meets: added <= 0.5, unit: 'ms', note: `${rounds}; per round (ms): ${report.addedMs.map((x) => x.toFixed(2)).join(', ')}` },
      { what: `${what}: added p99 latency`, ours: round(addedP99), baseline: 2, ratio: round(addedP99 / 2), target: '<= 2 ms', meets: addedP99 <= 2, unit: 'ms', note: `${rounds}; per round (ms): ${report.addedP99Ms.map((x) => x.toFixed(2)).join(', ')}` },
    ];
  } finally {
    await server.close();
  }
}

export const fleetRows: RowProvider & { run: (quick: boolean, only?: string) => Promise<BenchRow[]> } = {
  name: 'a fleet through Redis',
  describe: () => ['fleet: N forked processes share one quota of 100 requests/s (same server as the load matrix); each with its own in-memory limiter vs all through redisStore on a real redis-server (127.0.0.1, node-redis client), in one run'],
  run: async (quick: boolean, only?: string) => {
    const redis = await RedisServer.start();
    const rows: BenchRow[] = [];
    try {
      for (const scenario of scenarios(quick).filter((s) => only === undefined || s.label.includes(only))) {
        const results = new Map<PolicyName, PolicyResult>();
        for (const policy of ['default', 'redis'] as const) {
          const r = await runLoad(scenario, policy, { config: { redisPort: redis.port, redisPrefix: `fleet-${++runs}:` } });
          console.log(`  ${scenario.label.padEnd(38)} ${(policy === 'redis' ? 'through Redis' : 'in-memory, per process').padEnd(24)} ${describeLoad(r)}`);
          results.set(policy, r);
        }
        rows.push(...rowsOf(scenario, results.get('redis') as PolicyResult, results.get('default') as PolicyResult));
      }
      if (only === undefined || 'outage'.includes(only)) rows.push(...(await outageRows(redis, quick)));
      if (only === undefined || 'acquisition'.includes(only)) rows.push(...(await acquisitionRows(redis, quick)));
    } finally {
      await redis.kill();
    }
    return rows;
  },
};
