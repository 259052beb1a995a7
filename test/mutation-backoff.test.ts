/**
 * The backoff arithmetic and the hint parsers at their edges: every jitter mode and strategy,
 * each delay format, Go durations, message units and spacing, header lookups.
 */
import { describe, expect, it } from 'vitest';
import {
  bodyHintMs,
  drawRandom,
  durationMs,
  HINT_JITTER,
  HINT_JITTER_MIN_MS,
  headerHintMs,
  isHint,
  MAX_MESSAGE_SCAN,
  messageHintMs,
  parseDelay,
  profileDelayMs,
  readHeader,
} from '../src/backoff.ts';
import { DEFAULT_HINT_SOURCES } from '../src/hint-defaults.ts';
import type { BackoffProfile } from '../src/spec.ts';

const profile = (over: Partial<BackoffProfile> = {}): BackoffProfile => ({
  name: 'test',
  strategy: 'exponential',
  initialMs: 100,
  maxMs: 1_000,
  multiplier: 3,
  jitter: 'none',
  maxAttempts: 5,
  honourServerHints: true,
  ...over,
});

describe('drawRandom', () => {
  it('returns the draw, 0 and 1 included', () => {
    expect(drawRandom({ random: () => 0 })).toBe(0);
    expect(drawRandom({ random: () => 1 })).toBe(1);
    expect(drawRandom({ random: () => 0.25 })).toBe(0.25);
  });

  it('uses Math.random without a clock source', () => {
    const r = drawRandom({});
    expect(r).toBeGreaterThanOrEqual(0);
    expect(r).toBeLessThanOrEqual(1);
  });

  it.each([[-0.01], [1.01], [Number.NaN], ['0.5'], [undefined]])('rejects %s with a TypeError quoting it', (value) => {
    expect(() => drawRandom({ random: () => value as number })).toThrow(new TypeError(`random must return a number in [0, 1], got ${String(value)}`));
  });
});

describe('isHint', () => {
  it('is a finite number >= 0', () => {
    expect([0, 1.5, 1e9].map(isHint)).toEqual([true, true, true]);
    expect([undefined, -1, -0.001, Number.NaN, Number.POSITIVE_INFINITY].map(isHint)).toEqual([false, false, false, false, false]);
  });
});

describe('profileDelayMs', () => {
  it('exponential: initialMs x multiplier^(attempt - 1), capped at maxMs', () => {
    expect([1, 2, 3, 4].map((n) => profileDelayMs(profile(), n, undefined))).toEqual([100, 300, 900, 1_000]);
  });

  it('constant: initialMs whatever the attempt', () => {
    expect([1, 2, 5].map((n) => profileDelayMs(profile({ strategy: 'constant' }), n, undefined))).toEqual([100, 100, 100]);
  });

  it('an attempt below 1 or fractional counts as its floor, at least 1', () => {
    expect(profileDelayMs(profile(), 0, undefined)).toBe(100);
    expect(profileDelayMs(profile(), -3, undefined)).toBe(100);
    expect(profileDelayMs(profile(), 2.9, undefined)).toBe(300);
  });

  it('full jitter: the capped delay times the draw', () => {
    expect(profileDelayMs(profile({ jitter: 'full' }), 2, { random: () => 0.5 })).toBe(150);
    expect(profileDelayMs(profile({ jitter: 'full' }), 2, { random: () => 0 })).toBe(0);
  });

  it('equal jitter: half the capped delay plus half times the draw', () => {
    expect(profileDelayMs(profile({ jitter: 'equal' }), 2, { random: () => 0 })).toBe(150);
    expect(profileDelayMs(profile({ jitter: 'equal' }), 2, { random: () => 0.5 })).toBe(225);
    expect(profileDelayMs(profile({ jitter: 'equal' }), 2, { random: () => 1 })).toBe(300);
  });

  it('a delay that overflows is the cap; a negative maxMs caps at 0; NaN is 0', () => {
    expect(profileDelayMs(profile({ multiplier: 1e308 }), 3, undefined)).toBe(1_000);
    expect(profileDelayMs(profile({ maxMs: -5 }), 1, undefined)).toBe(0);
    expect(profileDelayMs(profile({ initialMs: Number.NaN }), 1, undefined)).toBe(1_000);
    expect(profileDelayMs(profile({ initialMs: -50, strategy: 'constant' }), 1, undefined)).toBe(0);
  });

  it('a hint: the hint plus HINT_JITTER of it (at least HINT_JITTER_MIN_MS) times the draw, beyond maxMs', () => {
    expect(HINT_JITTER).toBe(0.2);
    expect(HINT_JITTER_MIN_MS).toBe(100);
    expect(profileDelayMs(profile(), 1, { hintMs: 5_000, random: () => 1 })).toBe(6_000);
    expect(profileDelayMs(profile(), 1, { hintMs: 5_000, random: () => 0.5 })).toBe(5_500);
    expect(profileDelayMs(profile(), 1, { hintMs: 200, random: () => 1 })).toBe(300);
    expect(profileDelayMs(profile(), 1, { hintMs: 500, random: () => 1 })).toBe(600); // 500 x 0.2 = 100: the two spreads meet
  });

  it('a hint is ignored when the profile does not honour hints, or when it is not a usable hint', () => {
    expect(profileDelayMs(profile({ honourServerHints: false }), 1, { hintMs: 5_000, random: () => 1 })).toBe(100);
    expect(profileDelayMs(profile(), 1, { hintMs: -1, random: () => 1 })).toBe(100);
    expect(profileDelayMs(profile(), 1, { hintMs: Number.NaN, random: () => 1 })).toBe(100);
  });
});

describe('readHeader', () => {
  it('reads Web Headers through get(), and only string answers', () => {
    expect(readHeader(new Headers({ 'retry-after': '3' }), 'retry-after')).toBe('3');
    expect(readHeader(new Headers(), 'retry-after')).toBeUndefined();
    expect(readHeader({ get: () => 3 }, 'retry-after')).toBeUndefined();
    expect(readHeader({ get(this: { v: string }) { return this.v; }, v: 'bound' }, 'x')).toBe('bound');
  });

  it('reads a plain object case-insensitively, string values only', () => {
    expect(readHeader({ 'Retry-After': '4' }, 'retry-after')).toBe('4');
    expect(readHeader({ 'retry-after': 4, 'Retry-After': '5' }, 'Retry-After')).toBe('5');
    expect(readHeader({ other: '4' }, 'retry-after')).toBeUndefined();
  });

  it('is undefined for anything else', () => {
    expect(readHeader(null, 'a')).toBeUndefined();
    expect(readHeader('a: 1', 'a')).toBeUndefined();
  });
});

describe('parseDelay', () => {
  it('numbers: milliseconds as they are, seconds x 1000, nothing for other formats or bad numbers', () => {
    expect(parseDelay(1.5, 'milliseconds')).toBe(1.5);
    expect(parseDelay(1.5, 'seconds')).toBe(1_500);
    expect(parseDelay(2, 'seconds_or_http_date')).toBe(2_000);
    expect(parseDelay(2, 'duration')).toBeUndefined();
    expect(parseDelay(0, 'seconds')).toBe(0);
    expect(parseDelay(Number.POSITIVE_INFINITY, 'milliseconds')).toBeUndefined();
    expect(parseDelay(Number.NaN, 'seconds')).toBeUndefined();
  });

  it('strings: trimmed decimals', () => {
    expect(parseDelay(' 150 ', 'milliseconds')).toBe(150);
    expect(parseDelay('1.5', 'milliseconds')).toBe(1.5);
    expect(parseDelay('1.5', 'seconds')).toBe(1_500);
    expect(parseDelay('2', 'seconds_or_http_date')).toBe(2_000);
    for (const bad of ['1.', '.5', '1e3', '0x10', '1 5', 'abc', '']) {
      expect(parseDelay(bad, 'milliseconds'), bad).toBeUndefined();
      expect(parseDelay(bad, 'seconds'), bad).toBeUndefined();
    }
    expect(parseDelay('150abc', 'seconds')).toBeUndefined();
    expect(parseDelay('abc150', 'seconds')).toBeUndefined();
  });

  it('strings up to 64 characters', () => {
    expect(parseDelay(`${'0'.repeat(63)}5`, 'milliseconds')).toBe(5);
    expect(parseDelay(`${'0'.repeat(64)}5`, 'milliseconds')).toBeUndefined();
  });

  it('HTTP dates: the time until then, 0 when past, nothing for negatives or numbers-only', () => {
    const now = () => Date.parse('2026-11-22T00:00:00Z');
    expect(parseDelay('Sun, 22 Nov 2026 00:00:05 GMT', 'seconds_or_http_date', now)).toBe(5_000);
    expect(parseDelay('Sat, 21 Nov 2026 00:00:00 GMT', 'seconds_or_http_date', now)).toBe(0);
    expect(parseDelay('-5', 'seconds_or_http_date', now)).toBeUndefined();
    expect(parseDelay('-Sun, 22 Nov 2026 00:00:05 GMT', 'seconds_or_http_date', now)).toBeUndefined();
    expect(parseDelay('2026-11-22', 'seconds_or_http_date', now)).toBeUndefined(); // no letter: not a date here
    expect(parseDelay('not a date', 'seconds_or_http_date', now)).toBeUndefined();
    // Date.parse reads these leniently (as the year 5, as a bare month); an HTTP date names a month and a time of day
    expect(parseDelay('soon 5', 'seconds_or_http_date', now)).toBeUndefined();
    expect(parseDelay('Nov 2026', 'seconds_or_http_date', now)).toBeUndefined();
    // the two obsolete forms a recipient must still accept
    expect(parseDelay('Sunday, 22-Nov-26 00:00:05 GMT', 'seconds_or_http_date', now)).toBe(5_000);
    // asctime: GMT, though it does not say so (read in a zone other than UTC, where a local reading is off by hours)
    const zone = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      expect(new Date(0).getTimezoneOffset()).not.toBe(0);
      expect(parseDelay('Sun Nov 22 00:00:05 2026', 'seconds_or_http_date', now)).toBe(5_000);
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
    expect(parseDelay('Sun, 22 Nov 2026 00:00:05 GMT', 'seconds', now)).toBeUndefined();
  });

  it('an HTTP date is measured from Date.now by default', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const ms = parseDelay(inAMinute, 'seconds_or_http_date') ?? -1;
    expect(ms).toBeGreaterThan(55_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });

  it('durations', () => {
    expect(parseDelay('1m30s', 'duration')).toBe(90_000);
    expect(parseDelay(' 2s ', 'duration')).toBe(2_000);
  });

  it('other values are no delay', () => {
    expect(parseDelay(undefined, 'seconds')).toBeUndefined();
    expect(parseDelay({}, 'seconds')).toBeUndefined();
  });
});

describe('durationMs (Go durations)', () => {
  it.each([
    ['0', 0],
    ['1ns', 1e-6],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['1.5ms', 1.5],
    ['2s', 2_000],
    ['6m0s', 360_000],
    ['7m12s', 432_000],
    ['1h2m3s', 3_723_000],
  ])('%s is %s ms', (text, ms) => {
    expect(durationMs(text)).toBeCloseTo(ms, 9);
  });

  it.each([[''], ['5'], ['5x'], ['1s '], ['1 s'], ['s'], ['1.2.3s'], ['1seconds'], ['00'], ['1s.'], [`${'1'.repeat(63)}ms`]])('%j is not one', (text) => {
    expect(durationMs(text)).toBeUndefined();
  });

  it('has no spaces between its parts either (Go rejects "1s 2m"), while a message may have them', () => {
    expect(durationMs('1s 2m')).toBeUndefined();
    expect(parseDelay('1m 30s', 'duration')).toBeUndefined();
    expect(messageHintMs('try again in 1m 30s')).toBe(90_000);
  });

  it('a text of exactly 64 characters is read', () => {
    expect(durationMs(`${'0'.repeat(62)}1s`)).toBe(1_000);
  });
});

describe('messageHintMs', () => {
  it.each([
    ['Please try again in 35 seconds.', 35_000],
    ['try again in 1 second', 1_000],
    ['try again in 2 secs', 2_000],
    ['try again in 2 sec', 2_000],
    ['try again in 3 minutes', 180_000],
    ['try again in 1 minute', 60_000],
    ['try again in 2 mins', 120_000],
    ['try again in 2 min', 120_000],
    ['try again in 2 hours', 7_200_000],
    ['try again in 1 hour', 3_600_000],
    ['try again in 5 milliseconds', 5],
    ['try again in 1 millisecond', 1],
    ['try again in 1 h', 3_600_000],
    ['try again in 2000ns', 0.002],
    ['try again in 3µs', 0.003],
    ['try again in 1m 30s', 90_000],
    ['TRY AGAIN IN 4S', 4_000],
    ['retry after 20 seconds', 20_000],
    ['retry in 7s', 7_000],
    ['try again in     2s', 2_000],
    ['try again in 2s then 3s', 2_000],
  ])('%j asks for %s ms', (message, ms) => {
    expect(messageHintMs(message)).toBeCloseTo(ms, 9);
  });

  it.each([['try again in soon'], ['try again in 5'], ['try again in 5 fortnights'], ['try again in . s'], ['try again in'], ['nothing to see']])('%j asks for nothing', (message) => {
    expect(messageHintMs(message)).toBeUndefined();
  });

  it('tries the next phrase when the first one has no duration after it', () => {
    expect(messageHintMs('try again in a moment, or retry after 3s')).toBe(3_000);
  });

  it('reads only the first MAX_MESSAGE_SCAN characters', () => {
    expect(MAX_MESSAGE_SCAN).toBe(10_000);
    const hint = 'try again in 2s';
    expect(messageHintMs(`${'x'.repeat(MAX_MESSAGE_SCAN - hint.length)}${hint}`)).toBe(2_000);
    expect(messageHintMs(`${'x'.repeat(MAX_MESSAGE_SCAN - hint.length + 1)}${hint}`)).toBeUndefined();
  });

  it('is undefined for anything that is not a string', () => {
    expect(messageHintMs(20)).toBeUndefined();
    expect(messageHintMs(undefined)).toBeUndefined();
  });

  it('matches phrases case-insensitively on both sides', () => {
    expect(messageHintMs('Wait 3s', { ...DEFAULT_HINT_SOURCES, messagePhrases: ['WAIT'] })).toBe(3_000);
  });
});

describe('headerHintMs and bodyHintMs', () => {
  it('the first usable header wins, in the order of the sources', () => {
    expect(headerHintMs(new Headers({ 'retry-after': '1', 'x-ms-retry-after-ms': '7' }))).toBe(7);
    expect(headerHintMs(new Headers({ 'retry-after-ms': 'x', 'x-ms-retry-after-ms': 'y', 'retry-after': '1' }))).toBe(1_000);
  });

  it('an HTTP-date header is measured from the clock', () => {
    expect(headerHintMs(new Headers({ 'retry-after': 'Sun, 22 Nov 2026 00:00:09 GMT' }), { now: () => Date.parse('2026-11-22T00:00:00Z') })).toBe(9_000);
  });

  it('body fields: own paths only, the first usable one wins, numbers or strings', () => {
    const sources = { ...DEFAULT_HINT_SOURCES, bodyFields: [{ path: ['a', 'b'], format: 'seconds' as const }, { path: ['c'], format: 'milliseconds' as const }] };
    expect(bodyHintMs({ a: { b: 2 }, c: 5 }, {}, sources)).toBe(2_000);
    expect(bodyHintMs({ a: { b: 'x' }, c: '5' }, {}, sources)).toBe(5);
    expect(bodyHintMs({ a: null, c: 5 }, {}, sources)).toBe(5);
    expect(bodyHintMs({ a: 'b', c: 5 }, {}, sources)).toBe(5);
    expect(bodyHintMs({}, {}, sources)).toBeUndefined();
    expect(bodyHintMs(null, {}, sources)).toBeUndefined();
  });

  it('a body whose getter throws gives no hint', () => {
    const error = {};
    Object.defineProperty(error, 'error', { enumerable: true, get() { throw new Error('unreadable'); } });
    expect(bodyHintMs(error)).toBeUndefined();
  });

  it('an HTTP-date body field is measured from the clock', () => {
    const sources = { ...DEFAULT_HINT_SOURCES, bodyFields: [{ path: ['at'], format: 'seconds_or_http_date' as const }] };
    expect(bodyHintMs({ at: 'Sun, 22 Nov 2026 00:00:09 GMT' }, { now: () => Date.parse('2026-11-22T00:00:00Z') }, sources)).toBe(9_000);
  });
});
