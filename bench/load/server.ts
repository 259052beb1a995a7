/**
 * The real-time load bench's server: an HTTP token bucket on 127.0.0.1 that answers
 * POST /v1/responses the way OpenAI's API does under a request limit. The bucket grants `rate`
 * requests/s with a burst of `burst`; a request is decided when it arrives and answered after
 * `latencyMs`. With `headers`, every answer carries x-ratelimit-limit-requests (per minute, as
 * OpenAI's: 6000 for 100 requests/s), -remaining-requests (whole tokens left) and
 * -reset-requests (the time until the bucket is full again); with `hints`, each 429 says "Please
 * try again in Xms" and carries retry-after-ms and retry-after. Without both, a 429 is bare.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A step of the granted rate: from `atMs` after start on, `rate` requests/s. */
export interface RateStep {
  readonly atMs: number;
  readonly rate: number;
}

export interface LoadServerOptions {
  /** The granted rate over time (the first step starts at 0). */
  readonly schedule: readonly RateStep[];
  /** Seconds of the rate the bucket holds (default 0.1: a burst of 10 at 100 requests/s). */
  readonly burstSeconds?: number;
  readonly latencyMs?: number;
  readonly headers: boolean;
  readonly hints: boolean;
}

export interface LoadCounts {
  attempts: number;
  successes: number;
  throttles: number;
}

/** A Go duration the way OpenAI writes x-ratelimit-reset-*: "12ms", "1.5s", "6m0s". */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export class LoadServer {
  readonly counts: LoadCounts = { attempts: 0, successes: 0, throttles: 0 };
  readonly #server: Server;
  readonly #options: LoadServerOptions;
  #startedAt = 0;
  #tokens = 0;
  #at = 0;
  #step = 0;

  constructor(options: LoadServerOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 30_000;
    this.reset();
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** Starts the schedule now, with a full bucket and zeroed counts. */
  reset(): void {
    this.#startedAt = performance.now();
    this.#at = 0;
    this.#step = 0;
    this.#tokens = this.#burst(this.#rateAt(0));
    this.counts.attempts = this.counts.successes = this.counts.throttles = 0;
  }

  #burst(rate: number): number {
    return Math.max(1, rate * (this.#options.burstSeconds ?? 0.1));
  }

  #rateAt(t: number): number {
    const s = this.#options.schedule;
    while (this.#step + 1 < s.length && (s[this.#step + 1] as RateStep).atMs <= t) this.#step++;
    return (s[this.#step] as RateStep).rate;
  }

  /** Refills to `t` (ms since start), step by step through the schedule. */
  #refill(t: number): number {
    let rate = this.#rateAt(this.#at);
    while (this.#at < t) {
      const next = this.#options.schedule.find((s) => s.atMs > this.#at);
      const until = next === undefined ? t : Math.min(t, next.atMs);
      this.#tokens = Math.min(this.#burst(rate), this.#tokens + ((until - this.#at) * rate) / 1000);
      this.#at = until;
      rate = this.#rateAt(this.#at);
    }
    this.#tokens = Math.min(this.#burst(rate), this.#tokens);
    return rate;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => {
      this.counts.attempts++;
      const rate = this.#refill(performance.now() - this.#startedAt);
      const granted = this.#tokens >= 1;
      if (granted) this.#tokens -= 1;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.#options.headers) {
        headers['x-ratelimit-limit-requests'] = String(Math.round(rate * 60));
        headers['x-ratelimit-remaining-requests'] = String(Math.floor(this.#tokens));
        headers['x-ratelimit-reset-requests'] = goDuration(((this.#burst(rate) - this.#tokens) * 1000) / rate);
      }
      let body: string;
      if (granted) {
        this.counts.successes++;
        body = JSON.stringify({ id: `resp_${this.counts.attempts}`, object: 'response', status: 'completed', output: [] });
      } else {
        this.counts.throttles++;
        const waitMs = Math.ceil(((1 - this.#tokens) * 1000) / rate);
        let message = `Rate limit reached for requests on gpt-bench. Limit ${Math.round(rate * 60)} / min.`;
        if (this.#options.hints) {
          message += ` Please try again in ${goDuration(waitMs)}.`;
          headers['retry-after-ms'] = String(waitMs);
          headers['retry-after'] = String(Math.ceil(waitMs / 1000));
        }
        body = JSON.stringify({ error: { message, type: 'requests', param: null, code: 'rate_limit_exceeded' } });
      }
      const send = () => {
        res.writeHead(granted ? 200 : 429, headers);
        res.end(body);
      };
      const latency = this.#options.latencyMs ?? 0;
      if (latency > 0) setTimeout(send, latency);
      else send();
    });
  }
}

/** The capacity bound of a schedule: the time by which a server on it can have granted `requests`, ms. */
export function capacityBoundMs(requests: number, schedule: readonly RateStep[], burstSeconds = 0.1, latencyMs = 0): number {
  let left = requests - Math.max(1, (schedule[0] as RateStep).rate * burstSeconds);
  for (let i = 0; i < schedule.length; i++) {
    const step = schedule[i] as RateStep;
    const end = schedule[i + 1]?.atMs ?? Number.POSITIVE_INFINITY;
    const can = ((end - step.atMs) * step.rate) / 1000;
    if (left <= can) return step.atMs + (Math.max(0, left) * 1000) / step.rate + latencyMs;
    left -= can;
  }
  return Number.POSITIVE_INFINITY;
}
