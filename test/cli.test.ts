import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = 'bin/openai-error-registry.mjs';
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--no-warnings', BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('openai-error-registry validate', { timeout: 60_000 }, () => {
  it('reports the embedded registry valid with counts (exit 0)', () => {
    const r = cli('validate');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^valid: registry\/openai\.yaml \(registry \d+\.\d+\.\d+, \d+ codes, \d+ surfaces, \d+ backoff profiles\)\n$/);
  });

  it('prints file:line:col RULE message for a bad registry (exit 1), without a stack trace', () => {
    const r = cli('validate', '--registry', 'test/fixtures/rules/_base.yaml', '--registry', 'test/fixtures/rules/BACKOFF_RANGE.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('test/fixtures/rules/BACKOFF_RANGE.yaml:4:54 BACKOFF_RANGE backoff.upside_down.maxMs (500) must be >= initialMs (1000)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a code whose base class contradicts the HTTP status it arrives with, at the extends key', () => {
    const fixture = 'test/fixtures/rules/BASE_CONTRADICTS_STATUS.yaml';
    const r = cli('validate', '--registry', 'test/fixtures/rules/_base.yaml', '--registry', fixture);
    expect(r.code).toBe(1);
    // http: 429 with extends: PermissionDeniedError (line 6 is the extends line of the first code).
    expect(readFileSync(fixture, 'utf8').split('\n')[5]).toBe('    extends: PermissionDeniedError');
    expect(r.stderr).toContain(`${fixture}:6:14 BASE_CONTRADICTS_STATUS extends PermissionDeniedError, but openai throws RateLimitError for HTTP 429\n    hint: extends: RateLimitError`);
    expect(r.stderr).toContain('2 problems');
  });

  it('prints diagnostics as JSON with --json (exit 1)', () => {
    const r = cli('validate', '--json', '--registry', 'test/fixtures/yaml/DUPLICATE_KEY.yaml');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { code: 'DUPLICATE_KEY', message: 'duplicate key "version" (first at line 3, column 1)', file: 'test/fixtures/yaml/DUPLICATE_KEY.yaml', line: 4, col: 1 },
    ]);
  });

  it('exits 2 for a missing path, an unknown command or an unknown option', () => {
    expect(cli('validate', '--registry', 'no/such/file.yaml').code).toBe(2);
    expect(cli('frobnicate').code).toBe(2);
    expect(cli('validate', '--colour').code).toBe(2);
    expect(cli().code).toBe(2);
  });

  it('reports a registry without codes or surfaces as missing sections, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oer-cli-'));
    writeFileSync(join(dir, 'a.yaml'), 'version: 1.0.0\n');
    const r = cli('validate', '--json', '--registry', join(dir, 'a.yaml'));
    expect(r.code).toBe(1);
    const diagnostics = JSON.parse(r.stdout) as { code: string; message: string }[];
    expect(diagnostics.map((d) => d.code)).toEqual(Array(5).fill('SECTION_MISSING'));
    expect(diagnostics.map((d) => d.message).sort()).toEqual(['no file defines a code', 'no file sets defaults', 'no file sets hints', 'no file sets polling', 'no file sets schemaVersion']);
  });

  it('reads every .yaml file of a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oer-cli-'));
    writeFileSync(join(dir, 'a.yaml'), 'schemaVersion: 2\n');
    writeFileSync(join(dir, 'b.yaml'), 'version: 1.0.0\nversion: 1.0.0\n');
    const r = cli('validate', '--json', '--registry', dir);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { code: string }[]).map((d) => d.code)).toEqual(['DUPLICATE_KEY']);
  });
});
