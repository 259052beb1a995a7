/**
 * A virtual clock with an event queue: sleeps resolve in time order, instantly, so a simulation
 * drives the real withRetry and the real limiter through minutes of traffic in a moment.
 * Between two events every pending promise chain runs to its next sleep (one macrotask turn).
 */

interface Timer {
  readonly at: number;
  readonly seq: number;
  fire: (() => void) | undefined; // undefined once cancelled
}

/** Virtual time in ms: inject `now` and `sleep` into the code under test, then `run()`. */
export class VirtualTime {
  #now = 0;
  #seq = 0;
  #live = 0;
  readonly #heap: Timer[] = [];

  /** Virtual milliseconds since the start. */
  readonly now = (): number => this.#now;

  /** Resolves after `ms` virtual milliseconds; rejects with the reason (and drops its timer) when `signal` aborts. */
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        if (timer.fire === undefined) return;
        timer.fire = undefined;
        this.#live--;
        reject(signal?.reason);
      };
      const timer: Timer = {
        at: this.#now + Math.max(0, Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER),
        seq: this.#seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#live++;
      this.#push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  /** Timers still waiting (cancelled ones excluded). */
  get pendingTimers(): number {
    return this.#live;
  }

  /** Lets every pending promise chain reach its next sleep. */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Fires timers in time order until none is left or virtual time would pass `until`. */
  async run(until = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      await this.settle();
      const next = this.#peekLive();
      if (next === undefined || next.at > until) {
        if (Number.isFinite(until)) this.#now = Math.max(this.#now, until);
        return;
      }
      this.#pop();
      this.#now = next.at;
      const fire = next.fire;
      next.fire = undefined;
      this.#live--;
      fire?.();
    }
  }

  #peekLive(): Timer | undefined {
    while (this.#heap.length > 0 && this.#heap[0]?.fire === undefined) this.#pop();
    return this.#heap[0];
  }

  #less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(t: Timer): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i] as Timer, h[parent] as Timer)) break;
      [h[i], h[parent]] = [h[parent] as Timer, h[i] as Timer];
      i = parent;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (h.length === 0 || last === undefined) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l] as Timer, h[m] as Timer)) m = l;
      if (r < h.length && this.#less(h[r] as Timer, h[m] as Timer)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as Timer, h[i] as Timer];
      i = m;
    }
  }
}

/** A seeded uniform [0, 1) source (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
