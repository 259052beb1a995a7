import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../scripts/pipeline/load.ts';
import { installedSdkFacts } from '../scripts/pipeline/sdk.ts';
import { RULES, validateRegistry } from '../scripts/pipeline/validate.ts';
import type { Diagnostic } from '../scripts/pipeline/diagnostics.ts';

const sdk = installedSdkFacts();
const RULE_DIR = 'test/fixtures/rules';
const YAML_DIR = 'test/fixtures/yaml';

/** `# expect: CODE line:col` lines of a fixture, in file order ("nothing" for none). */
function expected(path: string): string[] {
  return [...readFileSync(path, 'utf8').matchAll(/^# expect: (.+)$/gm)]
    .map((m) => m[1] ?? '')
    .filter((e) => e !== 'nothing');
}

function run(paths: string[]): Diagnostic[] {
  const loaded = loadRegistry(paths);
  return [...loaded.diagnostics, ...validateRegistry(loaded.files, sdk).diagnostics];
}

const short = (d: Diagnostic) => `${d.code} ${d.line}:${d.col}`;
const sorted = (xs: string[]) => [...xs].sort();

describe('semantic rules: one fixture each, added to a shared header', () => {
  const fixtures = readdirSync(RULE_DIR).filter((f) => !f.startsWith('_'));
  it.each(fixtures)('%s', (name) => {
    const path = join(RULE_DIR, name);
    const diagnostics = run([join(RULE_DIR, '_base.yaml'), path]);
    for (const d of diagnostics) expect(d.file).toBe(path);
    expect(sorted(diagnostics.map(short))).toEqual(sorted(expected(path)));
  });

  it('every semantic rule has a fixture', () => {
    const withFixture = new Set(readdirSync(RULE_DIR).map((f) => f.replace(/\.yaml$/, '')));
    const ruleCodes = Object.keys(RULES).filter((c) => c !== 'SECTION_MISSING');
    expect(ruleCodes.filter((c) => !withFixture.has(c))).toEqual([]);
  });
});

describe('YAML layer: one fixture each, loaded alone', () => {
  it.each(readdirSync(YAML_DIR))('%s', (name) => {
    const path = join(YAML_DIR, name);
    expect(sorted(run([path]).map(short))).toEqual(sorted(expected(path)));
  });
});

describe('the none profile', () => {
  // The header, without its none profile, and with a fallback that names its own.
  const header = readFileSync(join(RULE_DIR, '_base.yaml'), 'utf8')
    .replace(/ {2}none: \{[^\n]*\n/, '')
    .replace('    retryable: false\n    baseRule: an unknown', '    retryable: false\n    backoff: fast\n    baseRule: an unknown');
  const code = (override: string) => `codes:
  server_error:
    class: ServerError
    extends: InternalServerError
    category: server
    retryable: true
    backoff: fast
    http: 500
    surfaces: [response, http]
    description: transient
    since: 1.0.0
    evidence: [{ url: "https://example.com/server_error", note: seen }]
    overrides:
      response: ${override}
`;
  /** The diagnostics of the header followed by `codes`, as "CODE message" lines. */
  const checkCodes = (codes: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'oer-none-'));
    try {
      const file = join(dir, 'r.yaml');
      writeFileSync(file, header + codes);
      return run([file]).map((d) => `${d.code} ${d.message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const check = (override: string) => checkCodes(code(override));

  it('must exist when an override that is not retryable names no profile (the model gives it none)', () => {
    expect(header).not.toContain('  none:');
    expect(check('{ retryable: false, description: final on a response }')).toEqual(['BACKOFF_UNKNOWN backoff profile none is not defined']);
  });

  it('need not exist for a refinement that reports another code (it takes that code\'s outcome)', () => {
    const codes = `codes:
  overloaded:
    class: OverloadedError
    extends: InternalServerError
    category: server
    retryable: true
    backoff: fast
    http: 500
    surfaces: [response, http]
    description: overloaded
    since: 1.0.0
    evidence: [{ url: "https://example.com/overloaded", note: seen }]
  bad_gateway_config:
    class: BadGatewayConfigError
    extends: BadRequestError
    category: server
    retryable: false
    backoff: fast
    http: 400
    surfaces: [response, http]
    description: misconfigured
    since: 1.0.0
    evidence: [{ url: "https://example.com/bad_gateway_config", note: seen }]
    refinements:
      - { when: { messageContains: overloaded }, as: overloaded, note: the gateway says overloaded }
`;
    expect(checkCodes(codes)).toEqual([]);
  });

  it('need not exist when every outcome names or inherits a profile', () => {
    expect(check('{ retryable: false, backoff: fast, description: final on a response }')).toEqual([]);
    expect(check('{ description: "retryable, so it inherits fast" }')).toEqual([]);
  });
});
