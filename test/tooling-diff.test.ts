import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { bumpLevel, diffRegistries, formatDiff, matchesPath, RULES, type Json, type RegistryInput } from '../scripts/tooling/diff.ts';
import { registryFromJson } from '../scripts/tooling/registry-input.ts';
import { cli as run, registryWithout } from './tooling-helpers.ts';

vi.setConfig({ testTimeout: 60_000 });

const cli = (...args: string[]) => run(args);

type Mutable = Record<string, any>;
const published = (): Mutable => JSON.parse(readFileSync('generated/registry.json', 'utf8')) as Mutable;
const input = (data: Mutable, source = 'x'): RegistryInput => registryFromJson(source, JSON.stringify(data));

/** A pair of registry.json files on disk: the published one and a changed copy. */
function pair(change: (r: Mutable) => void): { dir: string; old: string; new: string } {
  const dir = mkdtempSync(join(tmpdir(), 'oer-diff-'));
  const before = published();
  const after = published();
  change(after);
  writeFileSync(join(dir, 'old.json'), JSON.stringify(before));
  writeFileSync(join(dir, 'new.json'), JSON.stringify(after));
  return { dir, old: join(dir, 'old.json'), new: join(dir, 'new.json') };
}

/** The shipped registry's version raised by one level (the pairs below start from it). */
function next(version: string, level: 'patch' | 'minor' | 'major'): string {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return level === 'patch' ? `${major}.${minor}.${patch + 1}` : level === 'minor' ? `${major}.${minor + 1}.0` : `${major + 1}.0.0`;
}

describe('semver level of a change (registry pairs)', () => {
  const cases: [string, (r: Mutable) => void, 'patch' | 'minor' | 'major', boolean][] = [
    ['a description change is patch', (r) => { r.codes.server_error.description = 'reworded'; r.version = next(r.version, 'patch'); }, 'patch', false],
    ['new evidence is patch', (r) => { r.codes.server_error.evidence.push({ url: 'https://example.com/x', note: 'seen' }); r.version = next(r.version, 'patch'); }, 'patch', false],
    ['changing retryable is minor and a behaviour change', (r) => { r.codes.vector_store_timeout.retryable = false; r.version = next(r.version, 'minor'); }, 'minor', true],
    ['adding a code is minor', (r) => { r.codes.brand_new = { ...r.codes.server_error, class: 'BrandNewError', since: next(r.version, 'minor') }; r.version = next(r.version, 'minor'); }, 'minor', true],
    ['changing a backoff profile is minor', (r) => { r.backoff.default.maxMs = 9000; r.version = next(r.version, 'minor'); }, 'minor', true],
    ['changing a replay fact is minor', (r) => { r.surfaces.response.replay.started = false; r.version = next(r.version, 'minor'); }, 'minor', true],
    ['adding a surface is minor', (r) => { r.surfaces['response.copy'] = { ...r.surfaces.response }; r.version = next(r.version, 'minor'); }, 'minor', true],
    ['removing a code is major', (r) => { delete r.codes.vector_store_timeout; r.version = next(r.version, 'major'); }, 'major', true],
    ["changing a code's base class is major", (r) => { r.codes.server_error.extends = 'APIError'; r.version = next(r.version, 'major'); }, 'major', true],
    ["changing a fallback's base class is major", (r) => { r.fallbacks.response.extends = 'BadRequestError'; r.version = next(r.version, 'major'); }, 'major', true],
    ['changing a category is major', (r) => { r.codes.insufficient_quota.category = 'rate_limit'; r.version = next(r.version, 'major'); }, 'major', true],
    ['renaming a class is major', (r) => { r.codes.server_error.class = 'ServerFailureError'; r.version = next(r.version, 'major'); }, 'major', true],
  ];
  it.each(cases)('%s', (_name, change, level, behaviour) => {
    const p = pair(change);
    const report = diffRegistries(input(JSON.parse(readFileSync(p.old, 'utf8'))), input(JSON.parse(readFileSync(p.new, 'utf8'))));
    expect(report.required).toBe(level);
    expect(report.ok).toBe(true);
    expect(report.changes.some((c) => c.behaviour && c.level === level)).toBe(behaviour);
    const r = cli('diff', p.old, p.new);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`required bump: ${level}; ok`));
    expect(r.stdout.endsWith('\n')).toBe(true);
  });

  it('exits 1 when the version is bumped too little (a retryable change with a patch bump)', () => {
    const p = pair((r) => { r.codes.server_error.retryable = false; r.version = next(r.version, 'patch'); });
    const r = cli('diff', p.old, p.new);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not ok: version raised by patch, needs at least minor');
    const j = JSON.parse(cli('diff', '--json', p.old, p.new).stdout) as { ok: boolean; required: string; bump: string; changes: { path: string[]; level: string }[] };
    expect(j).toMatchObject({ ok: false, required: 'minor', bump: 'patch' });
    expect(j.changes[0]).toMatchObject({ path: ['codes', 'server_error', 'retryable'], level: 'minor' });
  });

  it('exits 1 when a major change keeps the version', () => {
    const p = pair((r) => { delete r.codes.vector_store_timeout; });
    const r = cli('diff', p.old, p.new);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('- codes.vector_store_timeout');
    expect(r.stdout).toContain('- classes.VectorStoreTimeoutError');
  });

  it('lists behaviour changes first and loudly', () => {
    const p = pair((r) => { r.codes.server_error.description = 'reworded'; r.codes.rate_limit_exceeded.extends = 'APIError'; r.codes.vector_store_timeout.retryable = false; r.version = next(r.version, 'major'); });
    const out = cli('diff', p.old, p.new).stdout;
    const behaviour = out.indexOf('!!! BEHAVIOUR CHANGES');
    expect(behaviour).toBeGreaterThan(0);
    expect(behaviour).toBeLessThan(out.indexOf('BREAKING (major)'));
    expect(out.indexOf('BREAKING (major)')).toBeLessThan(out.indexOf('DOCUMENTATION (patch)'));
  });

  it('compares YAML, registry.json and a git revision the same way (no changes between them)', () => {
    for (const [a, b] of [['registry/', 'generated/registry.json'], ['HEAD', 'registry/openai.yaml'], ['generated/', 'HEAD']]) {
      const r = cli('diff', '--json', a as string, b as string);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ required: 'none', changes: [] });
    }
  });

  it('reads YAML folders through the validate pipeline (a code removed from a copy is major)', () => {
    const r = cli('diff', '--json', 'registry/', registryWithout('vector_store_timeout'));
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout) as { required: string; changes: { path: string[]; kind: string }[] };
    expect(j.required).toBe('major');
    expect(j.changes).toContainEqual(expect.objectContaining({ path: ['codes', 'vector_store_timeout'], kind: 'removed' }));
  });
});

describe('diff: a YAML registry bumped too little', () => {
  it('a new code newer than the version is an under-bump (exit 1, the bump it needs), not an invalid registry', () => {
    const yaml = readFileSync('registry/openai.yaml', 'utf8');
    const start = yaml.indexOf('\n  server_error:\n') + 1;
    const end = yaml.indexOf('\n  rate_limit_exceeded:\n');
    const version = /^version: (\S+)$/m.exec(yaml)?.[1] ?? '';
    const entry = yaml
      .slice(start, end + 1)
      .replace('  server_error:', '  proxy_upstream_reset:')
      .replace('class: ServerError', 'class: ProxyUpstreamResetError')
      .replace(/since: \S+/, `since: ${next(version, 'minor')}`);
    const dir = mkdtempSync(join(tmpdir(), 'oer-diff-underbump-'));
    writeFileSync(join(dir, 'openai.yaml'), yaml.replace('\n  server_error:\n', `\n${entry}  server_error:\n`));
    const r = cli('diff', 'registry/', dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/required bump: minor/);
    expect(r.stdout).toContain('proxy_upstream_reset');
  });
});

describe('diff: bad input is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oer-diff-bad-'));
  writeFileSync(join(dir, 'binary.json'), Buffer.from([0x7b, 0, 1, 2, 3]));
  writeFileSync(join(dir, 'other.json'), '{"name": "not a registry"}');
  writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 2,');
  writeFileSync(join(dir, 'other.yaml'), 'just: yaml\n');
  mkdirSync(join(dir, 'empty'));
  cpSync('generated/registry.json', join(dir, 'ok.json'));
  const cases: [string, string, RegExp][] = [
    ['a missing file', join(dir, 'missing.json'), /missing\.json: no such file, folder or git revision/],
    ['a bad git revision', 'no-such-branch~3', /no-such-branch~3: no such file, folder or git revision/],
    ['a folder without a registry', join(dir, 'empty'), /empty: folder holds no \.yaml files and no registry\.json/],
    ['a binary file', join(dir, 'binary.json'), /binary\.json: binary file, not a registry/],
    ['JSON that is not a registry', join(dir, 'other.json'), /other\.json: not a registry \(no schemaVersion\)/],
    ['broken JSON', join(dir, 'broken.json'), /broken\.json: not JSON/],
    ['YAML that is not a registry', join(dir, 'other.yaml'), /other\.yaml: not a valid registry/],
  ];
  it.each(cases)('%s', (_name, path, message) => {
    const r = cli('diff', join(dir, 'ok.json'), path);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    const j = cli('diff', '--json', path, join(dir, 'ok.json'));
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(message) });
  });

  it('needs exactly two registries', () => {
    expect(cli('diff', 'HEAD').code).toBe(2);
    expect(cli('diff', '--out', 'x', 'HEAD', 'HEAD').stderr).toContain('option --out does not apply to diff');
  });
});

describe('the policy table', () => {
  it('every rule sentence is unique and the catch-all rule is last', () => {
    expect(new Set(RULES.map((r) => r.sentence)).size).toBe(RULES.length);
    expect(RULES[RULES.length - 1]?.paths).toEqual(['**']);
  });
  it('path patterns: * is one segment, ** any number', () => {
    expect(matchesPath(['codes', 'a', 'refinements', 'k', 'class'], 'codes.**.class')).toBe(true);
    expect(matchesPath(['codes', 'a'], 'codes.*')).toBe(true);
    expect(matchesPath(['codes', 'a', 'b'], 'codes.*')).toBe(false);
  });
  it('bump levels', () => {
    expect(bumpLevel('2.0.0', '2.0.0')).toBe('none');
    expect(bumpLevel('2.0.0', '2.0.1')).toBe('patch');
    expect(bumpLevel('2.3.4', '2.4.0')).toBe('minor');
    expect(bumpLevel('2.3.4', '3.0.0')).toBe('major');
    expect(bumpLevel('2.3.4', '2.3.3')).toBe('lower');
    expect(bumpLevel('2.3.4', 'two')).toBe('invalid');
  });
  it('a reordered refinement list is no change', () => {
    const a = published();
    const b = published();
    const code = Object.keys(a.codes).find((c) => (a.codes[c].refinements as Json[]).length > 1);
    if (code === undefined) return;
    b.codes[code].refinements.reverse();
    expect(diffRegistries(input(a), input(b)).changes).toEqual([]);
    expect(formatDiff(diffRegistries(input(a), input(b)))).toContain('0 changes; required bump: none; ok: version unchanged');
  });
});
