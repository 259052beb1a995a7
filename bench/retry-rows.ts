/**
 * The retry rows of the benchmark: overload (one process), fleet (ten processes), outage, and the
 * cost of the "try again in" scan. The load rows run the real withRetry and AdaptiveLimiter in
 * virtual time (bench/simulation.ts); figures are deterministic for the seed.
 */
import { messageHintMs } from '../src/backoff.ts';
import { round, measureRatio, type BenchRow, type RowProvider } from './framework.ts';
import {
  fixedPolicy,
  hintFullJitterPolicy,
  openaiPolicy,
  ourPolicy,
  runOutage,
  runOverload,
  type OutageParams,
  type OverloadParams,
  type OverloadResult,
  type PolicyFactory,
} from './simulation.ts';

const SEED = 20261201;
const server = { rate: 10, burst: 10, latencyMs: 100 } as const;

function overloadParams(quick: boolean, processes: number): OverloadParams {
  return { tasks: quick ? 30 : 100, requestsPerTask: 5, processes, server, seed: SEED };
}

function outageParams(quick: boolean): OutageParams {
  return quick
    ? { clients: 20, intervalMs: 1000, durationMs: 40_000, outage: [5_000, 35_000], seed: SEED }
    : { clients: 100, intervalMs: 1000, durationMs: 90_000, outage: [10_000, 70_000], seed: SEED };
}

const POLICIES: readonly [string, PolicyFactory][] = [
  ['this package (withRetry + limiter + budget)', ourPolicy()],
  ['this package, limiter: false', ourPolicy({ limiter: false })],
  ['openai-node client policy (2 retries, exact hint)', openaiPolicy],
  ['fixed 1 s, unlimited', fixedPolicy],
  ['hint + full jitter, unlimited', hintFullJitterPolicy],
];

const pct = (x: number) => round(x * 100);
const describeResult = (r: OverloadResult) =>
  `${pct(r.successRate)}% success, ${r.attemptsPerSuccess.toFixed(2)} attempts/success, makespan ${r.successRate === 1 ? `${r.makespanRatio.toFixed(3)}x` : '-'}`;

/** Rows for one scenario: success, attempts per success, makespan against the capacity bound. */
async function scenarioRows(label: string, params: OverloadParams, targets: { attempts: number; makespan: number }, details: string[]): Promise<BenchRow[]> {
  const results = new Map<string, OverloadResult>();
  for (const [name, policy] of POLICIES) results.set(name, await runOverload(policy, params));
  const ours = results.get(POLICIES[0]?.[0] ?? '') as OverloadResult;
  const openai = results.get(POLICIES[2]?.[0] ?? '') as OverloadResult;
  for (const [name, r] of results) details.push(`  ${label.padEnd(22)} ${name.padEnd(52)} ${describeResult(r)}`);
  const note = [...results].map(([name, r]) => `${name}: ${describeResult(r)}`).join('; ');
  const bound = (params.tasks * params.requestsPerTask) / params.server.rate;
  return [
    { what: `${label}: success`, ours: pct(ours.successRate), baseline: pct(openai.successRate), ratio: round(ours.successRate / openai.successRate), target: '100%', meets: ours.successRate === 1, unit: '%', note: `baseline: openai-node policy. ${note}` },
    { what: `${label}: attempts per success`, ours: round(ours.attemptsPerSuccess), baseline: round(openai.attemptsPerSuccess), ratio: round(ours.attemptsPerSuccess / openai.attemptsPerSuccess), target: `<= ${targets.attempts}`, meets: ours.attemptsPerSuccess <= targets.attempts, unit: 'attempts', note: 'baseline: openai-node policy' },
    { what: `${label}: makespan / capacity bound`, ours: round(ours.makespanMs / 1000), baseline: bound, ratio: round(ours.makespanRatio), target: `<= ${targets.makespan}x`, meets: ours.successRate === 1 && ours.makespanRatio <= targets.makespan, unit: 's', note: 'baseline: the capacity bound, requests / granted rate' },
  ];
}

/** Details of the last run, printed after the table. */
export const retryDetails: string[] = [];

/** Overload and fleet. */
export const overloadRows: RowProvider = {
  name: 'retry under overload',
  describe: (quick) => {
    const p = overloadParams(quick, 1);
    return [
      `overload: ${p.tasks} tasks x ${p.requestsPerTask} sequential requests at t=0, one process; server grants ${server.rate} req/s (token bucket, burst ${server.burst}), ${server.latencyMs} ms latency, 429s carry an exact "Please try again in X.XXXs" and retry-after-ms; seed ${SEED}; capacity bound ${(p.tasks * p.requestsPerTask) / server.rate} s`,
      `fleet: the same ${p.tasks} tasks split over 10 processes, each with its own limiter and budget, one server`,
      `policies: ${POLICIES.map(([n]) => n).join(' | ')}`,
    ];
  },
  run: async (quick) => [
    ...(await scenarioRows('retry under overload', overloadParams(quick, 1), { attempts: 1.5, makespan: 1.15 }, retryDetails)),
    ...(await scenarioRows('fleet (10 processes)', overloadParams(quick, 10), { attempts: 2, makespan: 1.3 }, retryDetails)),
  ],
};

/** Outage: the budget keeps retries to a trickle once spent, shared or per client. */
export const outageRows: RowProvider = {
  name: 'outage',
  describe: (quick) => {
    const p = outageParams(quick);
    return [
      `outage: ${p.clients} clients x 1 request per ${p.intervalMs} ms for ${p.durationMs / 1000} s; every attempt fails with 500 server_error from ${p.outage[0] / 1000} s to ${p.outage[1] / 1000} s; figure: the worst extra/first-attempt ratio over any 10 s window from budget exhaustion to the outage's end`,
    ];
  },
  run: async (quick) => {
    const p = outageParams(quick);
    const unbudgeted = await runOutage('unbudgeted', p);
    const rows: BenchRow[] = [];
    for (const setup of ['shared', 'per-client'] as const) {
      const r = await runOutage(setup, p);
      retryDetails.push(`  outage ${setup.padEnd(10)} first attempts ${r.firstAttempts}, extra ${r.extraAttempts}, budget spent at ${r.budgetSpentAtMs === undefined ? '-' : `${(r.budgetSpentAtMs / 1000).toFixed(2)} s`}, worst window ${pct(r.worstWindowRatio)}%`);
      rows.push({
        what: `outage, ${setup === 'shared' ? 'one shared runtime' : 'a runtime per client'}: extra attempts / first, worst 10 s window`,
        ours: pct(r.worstWindowRatio),
        baseline: pct(unbudgeted.worstWindowRatio),
        ratio: null,
        target: '<= 10%',
        meets: r.budgetSpentAtMs !== undefined && r.worstWindowRatio <= 0.1,
        unit: '%',
        note: 'baseline: withRetry with budget: false',
      });
    }
    retryDetails.push(`  outage unbudgeted first attempts ${unbudgeted.firstAttempts}, extra ${unbudgeted.extraAttempts}, worst window ${pct(unbudgeted.worstWindowRatio)}%`);
    return rows;
  },
};

/** The "try again in" scan: a hostile 1 MB message costs about what a 1 KB one does. */
export const scanRows: RowProvider = {
  name: 'hint scan',
  run: async (quick) => {
    const filler = (n: number) => 'Rate limit reached for requests in organization org-x on requests per min. '.repeat(Math.ceil(n / 74)).slice(0, n);
    const small = filler(1024);
    const large = filler(1024 * 1024);
    return [
      measureRatio({
        what: '"try again in" scan, 1 MB message vs 1 KB',
        ours: () => messageHintMs(large),
        baseline: () => messageHintMs(small),
        maxRatio: 1100,
        rounds: quick ? 7 : 15,
        batchMs: quick ? 10 : 40,
        note: 'baseline: the same scan of a 1 KB message; no phrase in either (worst case); linear would be 1,024x',
      }),
    ];
  },
};
