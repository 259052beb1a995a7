import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkRegistry } from '../scripts/pipeline/check.ts';
import { formatReport, PRINTED_DIAGNOSTICS, type Diagnostic } from '../scripts/pipeline/diagnostics.ts';

const BASE = 'test/fixtures/rules/_base.yaml';
const FIXTURE = 'test/fixtures/all-at-once/schema-and-rules.yaml';

/** `# expect: CODE line:col` lines of a fixture, in file order. */
const expected = (path: string) => [...readFileSync(path, 'utf8').matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]);
const short = (d: Diagnostic) => `${d.code} ${d.line}:${d.col}`;

describe('validate reports every independent problem in one run', () => {
  it('schema problems and semantic problems together, sorted by position', () => {
    const checked = checkRegistry([BASE, FIXTURE]);
    expect(checked.diagnostics.map(short)).toEqual(expected(FIXTURE));
    expect(checked.diagnostics.every((d) => d.file === FIXTURE)).toBe(true);
  });

  it('a reference to an entry the schema rejected is not reported as unknown', () => {
    const checked = checkRegistry([BASE, FIXTURE]);
    expect(checked.diagnostics.map((d) => d.code)).not.toContain('BACKOFF_UNKNOWN');
  });

  it(`prints at most ${PRINTED_DIAGNOSTICS} diagnostics, then how many more, then the count`, () => {
    const many: Diagnostic[] = Array.from({ length: 250 }, (_, i) => ({ code: 'CLASS_NAME_INVALID', message: `class C${i} must end in Error`, file: 'r.yaml', line: i + 1, col: 3 }));
    const lines = formatReport(many).trimEnd().split('\n');
    expect(lines).toHaveLength(PRINTED_DIAGNOSTICS + 2);
    expect(lines[0]).toBe('r.yaml:1:3 CLASS_NAME_INVALID class C0 must end in Error');
    expect(lines.slice(-2)).toEqual(['... and 50 more', '250 problems']);
    expect(formatReport(many.slice(0, 1))).toBe('r.yaml:1:3 CLASS_NAME_INVALID class C0 must end in Error\n1 problem\n');
  });
});
