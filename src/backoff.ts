/**
 * Backoff arithmetic: how long to wait before resubmitting, from the code's backoff profile,
 * with jitter, honouring server hints (retry-after-ms / retry-after headers, "Please try again in
 * 1.5s / 20s / 6m0s" in messages) when the profile says so. Always within [0, profile.maxMs].
 */
import type { BackoffProfile } from './spec.js';

/** Sources of randomness and time, injectable so tests and simulations are deterministic. */
export interface Clock {
  /** Uniform in [0, 1). */
  readonly random?: () => number;
  /** Milliseconds since the epoch (for HTTP-date retry-after headers). */
  readonly now?: () => number;
}

/** The delay, in ms, before attempt `attempt + 1`, after `attempt` attempts failed (attempt >= 1). */
export function profileDelayMs(profile: BackoffProfile, attempt: number, hintMs: number | undefined, clock: Clock = {}): number {
  const cap = Math.max(0, profile.maxMs);
  if (hintMs !== undefined && profile.honourServerHints) return clamp(hintMs, 0, cap);
  const n = Math.max(1, Math.floor(attempt));
  const raw = profile.strategy === 'constant' ? profile.initialMs : profile.initialMs * Math.pow(profile.multiplier, n - 1);
  const capped = clamp(Number.isFinite(raw) ? raw : cap, 0, cap);
  const r = clamp((clock.random ?? Math.random)(), 0, 1);
  switch (profile.jitter) {
    case 'full':
      return capped * r;
    case 'equal':
      return capped / 2 + (capped / 2) * r;
    default:
      return capped;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isNaN(x) ? lo : Math.min(hi, Math.max(lo, x));
}

/** Reads one header from Web Headers or a plain object; undefined when absent or unreadable. */
function header(headers: unknown, name: string): string | undefined {
  try {
    if (headers === null || typeof headers !== 'object') return undefined;
    const get = (headers as { get?: unknown }).get;
    if (typeof get === 'function') {
      const v: unknown = get.call(headers, name);
      return typeof v === 'string' ? v : undefined;
    }
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      if (k.toLowerCase() === name && typeof v === 'string') return v;
    }
  } catch {
    // a header object that throws gives no hint
  }
  return undefined;
}

/** The server's requested delay from `retry-after-ms`, then `retry-after` (seconds or HTTP date). */
export function headerHintMs(headers: unknown, clock: Clock = {}): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const v = Number.parseFloat(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const after = header(headers, 'retry-after');
  if (after === undefined) return undefined;
  const seconds = Number(after.trim());
  if (after.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - (clock.now ?? Date.now)());
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

const PHRASES = ['try again in', 'retry after', 'retry in'];
const MAX_SCAN = 4096;

/**
 * The delay a message asks for: "Please try again in 20s", "2.363s", "7m12s", "6m0s", "1.5ms",
 * "Try again in 35 seconds", "Please retry after 20 seconds". A hand-written scanner (no regular
 * expression) over at most the first 4 KiB, since messages are untrusted.
 */
export function messageHintMs(message: unknown): number | undefined {
  if (typeof message !== 'string') return undefined;
  const text = message.slice(0, MAX_SCAN).toLowerCase();
  for (const phrase of PHRASES) {
    const at = text.indexOf(phrase);
    if (at >= 0) {
      const ms = parseDuration(text, at + phrase.length);
      if (ms !== undefined) return ms;
    }
  }
  return undefined;
}

function parseDuration(text: string, start: number): number | undefined {
  let i = start;
  let total = 0;
  let parts = 0;
  for (;;) {
    while (text[i] === ' ') i++;
    const numStart = i;
    while (i < text.length && ((text[i] ?? '') >= '0' && (text[i] ?? '') <= '9' || text[i] === '.')) i++;
    if (i === numStart) break;
    const value = Number(text.slice(numStart, i));
    while (text[i] === ' ') i++;
    const unitStart = i;
    while (i < text.length && (text[i] ?? '') >= 'a' && (text[i] ?? '') <= 'z') i++;
    const unit = UNIT_MS[text.slice(unitStart, i)];
    if (!Number.isFinite(value) || unit === undefined) break;
    total += value * unit;
    parts++;
  }
  return parts > 0 ? total : undefined;
}
