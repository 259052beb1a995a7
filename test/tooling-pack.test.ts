// Packs the package, installs the tarball alone into a throwaway project (offline, peers not
// installed), and runs the command line there through npx: --version, --help, ingest and diff on
// JSON need nothing else; validate says in one line what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 60_000 });

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'oer-tooling-pack-'));
const project = join(work, 'project');

function npx(...args: string[]) {
  const r = spawnSync('npx', ['--offline', '--no', '--', 'openai-error-registry', ...args], { cwd: project, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const tarball = join(work, npm(['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop() ?? '');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tooling-smoke', private: true }));
  // --legacy-peer-deps: install the package and nothing else (no openai, yaml, ajv, ts-morph, tsx).
  npm(['install', '--no-audit', '--no-fund', '--offline', '--legacy-peer-deps', tarball], project);
  writeFileSync(
    join(project, 'app.jsonl'),
    [
      JSON.stringify({ id: 'resp_1', object: 'response', status: 'failed', error: { code: 'server_error', message: 'x' } }),
      'garbage',
      JSON.stringify({ id: 'resp_2', object: 'response', status: 'failed', error: { code: 'packed_unknown_code', message: 'key sk-proj-AAAAAAAAAAAAAAAAAAAA' } }),
      '',
    ].join('\n'),
  );
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the installed package, with nothing else installed', () => {
  it('has no runtime dependencies and declares the tool chains as optional peers', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/openai-error-registry/package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
    expect(pkg['dependencies']).toBeUndefined();
    for (const name of ['yaml', 'ajv', 'ts-morph']) expect(pkg['peerDependenciesMeta']?.[name]).toEqual({ optional: true });
    for (const name of ['tsx', 'yaml', 'openai']) expect(spawnSync(process.execPath, ['-e', `require.resolve(${JSON.stringify(name)})`], { cwd: project }).status).not.toBe(0);
  });

  it('npx openai-error-registry --version', () => {
    const r = npx('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^openai-error-registry \d+\.\d+\.\d+ \(registry \d+\.\d+\.\d+\)\n$/);
  });

  it('npx openai-error-registry --help', () => {
    const r = npx('--help');
    expect(r.code).toBe(0);
    for (const command of ['validate', 'generate', 'diff OLD NEW', 'sync', 'ingest FILE...']) expect(r.stdout).toContain(`\n  ${command} `);
    expect(r.stdout.endsWith('\n')).toBe(true);
  });

  it('npx openai-error-registry ingest', () => {
    const r = npx('ingest', 'app.jsonl');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('response packed_unknown_code: 1x');
    expect(r.stdout).toContain('1 malformed');
    expect(r.stdout).not.toContain('AAAAAAAAAAAAAAAAAAAA');
    const j = npx('ingest', '--json', 'app.jsonl');
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, unknown: [{ code: 'packed_unknown_code' }] });
  });

  it('npx openai-error-registry diff on registry.json files', () => {
    const json = 'node_modules/openai-error-registry/generated/registry.json';
    const r = npx('diff', json, json);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 changes; required bump: none');
  });

  it('commands that need the YAML or ts-morph tool chain say what to install, in one line, exit 2', () => {
    for (const args of [['validate'], ['generate', '--check'], ['sync'], ['diff', 'node_modules/openai-error-registry/registry', 'node_modules/openai-error-registry/generated/registry.json']]) {
      const r = npx(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^openai-error-registry: .* needs [a-z, -]+: run npm install --save-dev [a-z -]+\n$/);
      const j = npx(...args, '--json');
      expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: expect.stringContaining('npm install') });
    }
  });

  it('unknown options are one line, exit 2', () => {
    const r = npx('ingest', '--frobnicate', 'app.jsonl');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('openai-error-registry: unknown option --frobnicate; see openai-error-registry --help\n');
  });
});
