/**
 * Retry-budget simulation in virtual time: 200 clients each send one request a second for 120 s;
 * from t=20 s to t=80 s every request fails with a retryable server_error. Prints the load the
 * server sees during the outage with the shared retry budget, without it, and without retries,
 * as ratios against the offered load (the no-retry run). Deterministic: injected clock and random.
 *
 *   npx tsx bench/retry-budget.ts
 */
import { InternalServerError } from 'openai/core/error';
import { RetryBudget, withRetry } from '../src/index.ts';

const CLIENTS = 200;
const SECONDS = 120;
const OUTAGE: [number, number] = [20_000, 80_000];

/** A virtual clock: sleeps resolve in time order, instantly. */
class VirtualTime {
  now = 0;
  #timers: { at: number; seq: number; resolve: () => void }[] = [];
  #seq = 0;
  sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      this.#timers.push({ at: this.now + ms, seq: this.#seq++, resolve });
    });
  async run(): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r)); // let every pending chain reach its next sleep
      if (this.#timers.length === 0) return;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift() as { at: number; resolve: () => void };
      this.now = next.at;
      next.resolve();
    }
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

async function simulate(mode: 'budget' | 'no budget' | 'no retries') {
  const time = new VirtualTime();
  const random = lcg(42);
  const budget = new RetryBudget();
  let outageLoad = 0;
  let failedCalls = 0;
  const server = async () => {
    const inOutage = time.now >= OUTAGE[0] && time.now < OUTAGE[1];
    if (inOutage) outageLoad++;
    if (inOutage) throw new InternalServerError(500, { code: 'server_error', message: 'boom' }, 'boom', new Headers());
    return 'ok';
  };
  const client = async (id: number) => {
    await time.sleep(random() * 1000 + id * 0);
    for (let t = 0; t < SECONDS; t++) {
      const started = time.now;
      try {
        await withRetry(server, {
          sleep: time.sleep,
          random,
          now: () => time.now,
          budget: mode === 'budget' ? budget : false,
          ...(mode === 'no retries' ? { maxAttempts: 1 } : {}),
        });
      } catch {
        failedCalls++;
      }
      await time.sleep(Math.max(0, 1000 - (time.now - started)));
    }
  };
  const all = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  await time.run();
  await all;
  return { outageLoad, failedCalls };
}

const base = await simulate('no retries');
console.log(`offered load during the ${(OUTAGE[1] - OUTAGE[0]) / 1000} s outage: ${base.outageLoad} requests (${CLIENTS} clients, 1 request/s each)`);
for (const mode of ['no budget', 'budget'] as const) {
  const r = await simulate(mode);
  console.log(`${mode.padEnd(10)} server load ${String(r.outageLoad).padStart(6)} requests = ${(r.outageLoad / base.outageLoad).toFixed(2)}x the offered load; ${r.failedCalls} calls failed`);
}
