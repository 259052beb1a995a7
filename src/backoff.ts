/**
 * Backoff arithmetic: how long to wait before resubmitting, from the code's backoff profile, with
 * jitter on every wait, and the server's hints (headers, error body fields, "Please try again in
 * 1.5s / 20s / 6m0s" in messages) read from the places a HintSources value names.
 */
import { DEFAULT_HINT_SOURCES } from './hint-defaults.js';
import type { BackoffProfile, DelayFormat, HintSources } from './spec.js';

export type { DelayFormat, HintSources } from './spec.js';

/** Sources of randomness and time, injectable so tests and simulations are deterministic. */
export interface Clock {
  /** Uniform in [0, 1]. A source that returns anything else is a TypeError naming `random`. */
  readonly random?: () => number;
  /** Milliseconds since the epoch (for HTTP-date retry-after headers and retryAt). */
  readonly now?: () => number;
}

/**
 * Jitter on top of a server hint, as a fraction of the hint: a hint is a floor, not an
 * appointment, because the same exact hint handed to many clients wakes them all at once.
 */
export const HINT_JITTER = 0.2;
/** The least spread of a hinted wait, so that "retry-after: 0" still spreads a herd over 100 ms. */
export const HINT_JITTER_MIN_MS = 100;

/** One draw from the clock's random source; a TypeError naming the option when it is out of [0, 1]. */
export function drawRandom(clock: Clock): number {
  const r: unknown = (clock.random ?? Math.random)();
  if (typeof r !== 'number' || !(r >= 0 && r <= 1)) throw new TypeError(`random must return a number in [0, 1], got ${String(r)}`);
  return r;
}

/** A usable hint: a finite, non-negative number of milliseconds; anything else is no hint. */
export function isHint(ms: number | undefined): ms is number {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0;
}

/**
 * The delay, in ms, before attempt `attempt + 1`, after `attempt` attempts failed (attempt >= 1).
 * Without a hint: the profile's backoff with its jitter, within [0, profile.maxMs]. With a hint
 * (when the profile honours hints): the hint plus jitter on top, hint x (1 + U[0, HINT_JITTER]),
 * at least HINT_JITTER_MIN_MS of spread; never shorter than the hint and never clamped to maxMs
 * (a caller that will not wait that long, like withRetry, gives up instead of retrying early).
 * A negative, NaN or infinite hint is no hint.
 */
export function profileDelayMs(profile: BackoffProfile, attempt: number, options: Clock & { readonly hintMs?: number | undefined } = {}): number {
  const { hintMs } = options;
  const clock: Clock = options;
  if (isHint(hintMs) && profile.honourServerHints) return hintMs + Math.max(hintMs * HINT_JITTER, HINT_JITTER_MIN_MS) * drawRandom(clock);
  const cap = Math.max(0, profile.maxMs);
  const n = Math.max(1, Math.floor(attempt));
  const raw = profile.strategy === 'constant' ? profile.initialMs : profile.initialMs * Math.pow(profile.multiplier, n - 1);
  const capped = clamp(Number.isFinite(raw) ? raw : cap, 0, cap);
  switch (profile.jitter) {
    case 'full':
      return capped * drawRandom(clock);
    case 'equal':
      return capped / 2 + (capped / 2) * drawRandom(clock);
    default:
      return capped;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isNaN(x) ? lo : Math.min(hi, Math.max(lo, x));
}

/** An error's headers (openai puts the answer's on its errors); undefined when it has none or they cannot be read. */
export function headersOf(e: unknown): unknown {
  try {
    return e !== null && typeof e === 'object' ? (e as { headers?: unknown }).headers : undefined;
  } catch {
    return undefined;
  }
}

/** Reads one header from Web Headers or a plain object; undefined when absent or unreadable. */
export function readHeader(headers: unknown, name: string): string | undefined {
  try {
    if (headers === null || typeof headers !== 'object') return undefined;
    const get = (headers as { get?: unknown }).get;
    if (typeof get === 'function') {
      const v: unknown = get.call(headers, name);
      return typeof v === 'string' ? v : undefined;
    }
    const wanted = name.toLowerCase();
    for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
      if (k.toLowerCase() === wanted && typeof v === 'string') return v;
    }
  } catch {
    // a header object whose getter throws gives no hint
  }
  return undefined;
}

const MAX_VALUE_LENGTH = 64;
const DECIMAL = /^\d+(?:\.\d+)?$/;
/** What every form of an HTTP date has (IMF-fixdate, RFC 850, asctime): a month's name and hh:mm:ss. */
const HTTP_DATE = /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b.*\b\d{2}:\d{2}:\d{2}\b/;

/**
 * Milliseconds a header or body value asks for, read in `format`; undefined for anything that is
 * not a well-formed, non-negative delay (a negative retry-after is no hint). An HTTP date in the
 * past asks for 0 ms.
 */
export function parseDelay(value: unknown, format: DelayFormat, now: () => number = Date.now): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    if (format === 'milliseconds') return value;
    if (format === 'seconds' || format === 'seconds_or_http_date') return value * 1000;
    return undefined;
  }
  if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) return undefined;
  const text = value.trim();
  switch (format) {
    case 'milliseconds':
      return DECIMAL.test(text) ? Number(text) : undefined;
    case 'seconds':
      return DECIMAL.test(text) ? Number(text) * 1000 : undefined;
    case 'seconds_or_http_date': {
      if (DECIMAL.test(text)) return Number(text) * 1000;
      // An HTTP date in any of its three forms names a month and a time of day; "-5" is a negative
      // delay and "soon 5" nothing, though Date.parse reads both leniently.
      if (text.startsWith('-') || !HTTP_DATE.test(text)) return undefined;
      // Every HTTP date is GMT; the asctime form does not say so, and Date.parse would read it as local time.
      const date = Date.parse(/GMT|UTC|[+-]\d{4}$/.test(text) ? text : `${text} GMT`);
      return Number.isNaN(date) ? undefined : Math.max(0, date - now());
    }
    case 'duration':
      return durationMs(text);
  }
}

/** A Go duration ("1s", "6m0s", "1.5ms", "7m12s", "20ms", "250us") in ms; undefined unless the whole text is one. */
export function durationMs(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_VALUE_LENGTH) return undefined;
  if (text === '0') return 0;
  const parsed = scanDuration(text, 0, GO_UNITS);
  return parsed !== undefined && parsed.end === text.length ? parsed.ms : undefined;
}

/** The server's requested delay from the delay headers, in priority order; undefined when none is usable. */
export function headerHintMs(headers: unknown, clock: Clock = {}, sources: HintSources = DEFAULT_HINT_SOURCES): number | undefined {
  for (const h of sources.delayHeaders) {
    const ms = parseDelay(readHeader(headers, h.name), h.format, clock.now ?? Date.now);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

/** Reads an own property path; inherited properties (`constructor`, `__proto__`) are not fields. */
function ownPath(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** The delay the error body asks for, from the body fields in priority order. */
export function bodyHintMs(error: unknown, clock: Clock = {}, sources: HintSources = DEFAULT_HINT_SOURCES): number | undefined {
  try {
    for (const f of sources.bodyFields) {
      const ms = parseDelay(ownPath(error, f.path), f.format, clock.now ?? Date.now);
      if (ms !== undefined) return ms;
    }
  } catch {
    // a body whose getters throw gives no hint
  }
  return undefined;
}

/**
 * The server's requested delay for a thrown error: its delay headers first, then its body fields,
 * then its message; undefined when none is usable (or the error's fields throw).
 */
export function errorHintMs(error: unknown, clock: Clock = {}, sources: HintSources = DEFAULT_HINT_SOURCES): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  try {
    const e = error as { headers?: unknown; message?: unknown };
    return headerHintMs(e.headers, clock, sources) ?? bodyHintMs(error, clock, sources) ?? messageHintMs(e.message, sources);
  } catch {
    return undefined; // an error whose fields throw gives no hint
  }
}

/** Units a message may use. A Map, so "5constructor" finds no unit (nothing inherited is a unit). */
const MESSAGE_UNITS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3],
  ['ms', 1],
  ['millisecond', 1],
  ['milliseconds', 1],
  ['s', 1000],
  ['sec', 1000],
  ['secs', 1000],
  ['second', 1000],
  ['seconds', 1000],
  ['m', 60_000],
  ['min', 60_000],
  ['mins', 60_000],
  ['minute', 60_000],
  ['minutes', 60_000],
  ['h', 3_600_000],
  ['hour', 3_600_000],
  ['hours', 3_600_000],
]);
const GO_UNITS: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6],
  ['us', 1e-3],
  ['µs', 1e-3],
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
  ['h', 3_600_000],
]);

/**
 * Messages are scanned up to here: classified messages are cut at 10,000 characters anyway, and
 * a bounded scan keeps a hostile 1 MB message as cheap as a short one.
 */
export const MAX_MESSAGE_SCAN = 10_000;

/**
 * The delay a message asks for: "Please try again in 20s", "2.363s", "7m12s", "6m0s", "1.5ms",
 * "Try again in 35 seconds", "Please retry after 20 seconds", after any of the sources' phrases.
 * A hand-written scanner (no regular expression) over at most MAX_MESSAGE_SCAN characters; an
 * unparseable duration ("5constructor", "1.2.3s") is no hint.
 */
export function messageHintMs(message: unknown, sources: HintSources = DEFAULT_HINT_SOURCES): number | undefined {
  if (typeof message !== 'string') return undefined;
  const text = message.slice(0, MAX_MESSAGE_SCAN).toLowerCase();
  for (const phrase of sources.messagePhrases) {
    const at = text.indexOf(phrase.toLowerCase());
    if (at < 0) continue;
    let i = at + phrase.length;
    while (text[i] === ' ') i++;
    const parsed = scanDuration(text, i, MESSAGE_UNITS);
    if (parsed !== undefined) return parsed.ms;
  }
  return undefined;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isUnitChar(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || c === 'µ');
}

/**
 * Reads number-unit pairs ("7m12s", "35 seconds") from `start`; stops before anything that is not
 * one. Undefined when the first pair is malformed: a number without a known unit, or a number
 * like "1.2.3".
 */
function scanDuration(text: string, start: number, units: ReadonlyMap<string, number>): { ms: number; end: number } | undefined {
  let i = start;
  let total = 0;
  let parts = 0;
  let end = start;
  for (;;) {
    let j = i;
    while (parts > 0 && units !== GO_UNITS && text[j] === ' ') j++; // Go durations have no spaces
    const numStart = j;
    while (isDigit(text[j]) || text[j] === '.') j++;
    if (j === numStart) break;
    const value = Number(text.slice(numStart, j));
    const afterNumber = j;
    while (text[j] === ' ') j++;
    const unitStart = j;
    while (isUnitChar(text[j])) j++;
    const unit = units.get(text.slice(unitStart, j));
    if (!Number.isFinite(value) || unit === undefined) {
      if (parts === 0) return undefined;
      break;
    }
    if (afterNumber !== unitStart && units === GO_UNITS) return undefined; // Go durations have no spaces
    total += value * unit;
    parts++;
    i = j;
    end = j;
  }
  return parts > 0 && Number.isFinite(total) ? { ms: total, end } : undefined;
}
