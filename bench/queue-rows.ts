/**
 * The limiter's queue at scale: the cost per waiter of queueing, aborting every other one and
 * admitting the rest, with 10,000 waiters against 1,000 (an O(1) queue keeps the ratio near 1; a
 * queue that scans or shifts an array grows it tenfold). Virtual time: the limiter's clock only
 * moves when its pump sleeps, so what is timed is the queue's own work.
 */
import { performance } from 'node:perf_hooks';
import { AdaptiveLimiter } from '../src/limiter.ts';
import { median, round, type BenchRow, type RowProvider } from './framework.ts';

/** Real milliseconds per waiter to queue `n`, abort every other one and admit the rest. */
async function perWaiterMs(n: number): Promise<number> {
  let t = 0;
  const limiter = new AdaptiveLimiter({
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    ttlSeconds: Number.POSITIVE_INFINITY,
  });
  // One 429 with a hint: the limiter paces from now on, so every acquire below queues.
  limiter.recordThrottle(1000, 0);
  const started = performance.now();
  const controllers: AbortController[] = [];
  const settled: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const c = new AbortController();
    controllers.push(c);
    settled.push(limiter.acquire(c.signal).catch(() => undefined));
  }
  for (let i = 0; i < n; i += 2) controllers[i]?.abort();
  await Promise.all(settled);
  const elapsed = performance.now() - started;
  if (limiter.queued !== 0) throw new Error(`queue bench: ${limiter.queued} waiters left`);
  return elapsed / n;
}

export const queueRows: RowProvider = {
  name: 'limiter queue',
  run: async (quick) => {
    const [small, large] = quick ? [200, 2_000] : [1_000, 10_000];
    const rounds = quick ? 3 : 9;
    const ratios: number[] = [];
    const costs: number[] = [];
    await perWaiterMs(small); // warm-up
    for (let r = 0; r < rounds; r++) {
      // Alternate which size goes first, as the ratio rows do.
      const a = r % 2 === 0 ? await perWaiterMs(small) : undefined;
      const b = await perWaiterMs(large);
      const s = a ?? (await perWaiterMs(small));
      ratios.push(b / s);
      costs.push(b);
    }
    const ratio = median(ratios);
    return [
      {
        what: `limiter queue: cost per waiter at ${large.toLocaleString('en')} queued vs ${small.toLocaleString('en')}`,
        ours: round(median(costs) * 1e6),
        baseline: null,
        ratio: round(ratio),
        target: '<= 1.5',
        meets: ratio <= 1.5,
        unit: 'ns/waiter',
        note: `queue, abort every other waiter, admit the rest; median of ${rounds} rounds; per round: ${ratios.map((x) => x.toFixed(2)).join(', ')}`,
      } satisfies BenchRow,
    ];
  },
};
