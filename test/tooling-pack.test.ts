// Packs both packages and installs each into throwaway projects: the command line package with
// its dependencies (from the npm cache, or the npm registry for what the cache lacks), then with openai, run through npx as
// a consumer would; the runtime package into a project that already has ajv@6 and yaml@1, whose
// tree must stay as it was but for the runtime itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 60_000 });

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'oer-tooling-pack-'));
const project = join(work, 'project');
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const install = (cwd: string, ...specs: string[]) => npm(['install', '--no-audit', '--no-fund', '--offline', '--install-links', ...specs], cwd);
/** The command line's tool chains are real dependencies: their metadata may need the npm registry. */
const installWithDependencies = (cwd: string, ...specs: string[]) => npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--install-links', ...specs], cwd);
let runtimeTarball = '';

function npx(...args: string[]) {
  const r = spawnSync('npx', ['--offline', '--no', '--', 'openai-error-registry', ...args], { cwd: project, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A folder holding a package that says it is `name@version` (enough for npm to resolve a tree against). */
function fakePackage(name: string, version: string): string {
  const dir = join(work, `${name}-${version}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), 'module.exports = {};\n');
  return dir;
}

beforeAll(() => {
  const pack = (args: string[]) => join(work, npm(['pack', '--silent', '--pack-destination', work, ...args], root).trim().split('\n').pop() ?? '');
  runtimeTarball = pack([]);
  // The runtime's pack built both packages (its prepack runs the whole build).
  const cliTarball = pack(['-w', 'packages/cli', '--ignore-scripts']);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tooling-smoke', private: true }));
  installWithDependencies(project, cliTarball);
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

describe('the command line package, installed alone', () => {
  it('brings its tool chains as dependencies; openai is an optional peer, not installed', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/openai-error-registry-cli/package.json'), 'utf8')) as Record<string, Record<string, unknown> | undefined>;
    expect(Object.keys(pkg['dependencies'] ?? {}).sort()).toEqual(['ajv', 'ts-morph', 'yaml']);
    expect(pkg['peerDependenciesMeta']).toEqual({ openai: { optional: true } });
    for (const name of ['yaml', 'ajv', 'ts-morph']) expect(existsSync(join(project, 'node_modules', name)), name).toBe(true);
    for (const name of ['tsx', 'openai', 'openai-error-registry']) expect(existsSync(join(project, 'node_modules', name)), name).toBe(false);
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

  it('npx openai-error-registry ingest: the stubs name a file the consumer can make', () => {
    const r = npx('ingest', 'app.jsonl');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('response packed_unknown_code: 1x');
    expect(r.stdout).toContain('1 malformed');
    expect(r.stdout).toContain('paste under codes: in a copy of node_modules/openai-error-registry-cli/registry/openai.yaml (then pass it with --registry)');
    expect(r.stdout).not.toContain('AAAAAAAAAAAAAAAAAAAA');
    const j = npx('ingest', '--json', 'app.jsonl');
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, unknown: [{ code: 'packed_unknown_code' }] });
  });

  it('npx openai-error-registry diff on registry.json files', () => {
    const json = 'node_modules/openai-error-registry-cli/generated/registry.json';
    const r = npx('diff', json, json);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 changes; required bump: none');
  });

  it('commands that read the installed openai say so, in one line, exit 2', () => {
    for (const args of [['validate'], ['generate', '--out', 'gen'], ['sync'], ['ingest', '--registry', 'node_modules/openai-error-registry-cli/registry', 'app.jsonl']]) {
      const r = npx(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^openai-error-registry: .* needs openai: run npm install --save-dev openai\n$/);
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

describe('the command line package beside openai, as a consumer runs it', () => {
  beforeAll(() => {
    cpSync(join(root, 'node_modules/openai'), join(work, 'openai-pkg'), { recursive: true });
    installWithDependencies(project, `openai@file:${join(work, 'openai-pkg')}`);
  }, 120_000);

  it('validate checks the embedded registry', () => {
    const r = npx('validate');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^valid: .*registry\/openai\.yaml \(registry \d+\.\d+\.\d+, \d+ codes/);
  });

  it('generate never writes into node_modules: without --out it says what to give, exit 2', () => {
    const r = npx('generate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('openai-error-registry: generate needs --out DIR');
    expect(npx('generate', '--out', 'node_modules/somewhere').code).toBe(2);
    expect(existsSync(join(project, 'node_modules/openai-error-registry-cli/generated/registry.ts'))).toBe(false);
  });

  it('generate --out writes the project folder; its headers and --check name the command to run there', () => {
    const r = npx('generate', '--out', 'src/errors');
    expect(r.code, r.stderr).toBe(0);
    const tables = readFileSync(join(project, 'src/errors/registry.ts'), 'utf8');
    expect(tables).toContain('// Regenerate: npx openai-error-registry generate --out src/errors\n');
    expect(npx('generate', '--out', 'src/errors', '--check').code).toBe(0);
    writeFileSync(join(project, 'src/errors/registry.ts'), `${tables}// edited\n`);
    const stale = npx('generate', '--out', 'src/errors', '--check');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('run: npx openai-error-registry generate --out src/errors\n');
  });

  it('sync compares the embedded registry with the openai the consumer installed', () => {
    const r = npx('sync');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('in sync');
  });

  it('ingest --registry reads the registry the user gives, and the stubs name it', () => {
    const copy = join(project, 'my-registry.yaml');
    cpSync(join(project, 'node_modules/openai-error-registry-cli/registry/openai.yaml'), copy);
    const r = npx('ingest', '--registry', 'my-registry.yaml', 'app.jsonl');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('paste under codes: in my-registry.yaml, fill every TODO');
  });
});

describe('the runtime package in a project that has ajv@6 and yaml@1', () => {
  it('installs without a conflict, and the tree is unchanged but for openai-error-registry', () => {
    const app = join(work, 'old-toolchain');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'old-toolchain', private: true }));
    cpSync(join(root, 'node_modules/openai-v6'), join(work, 'openai-v6-pkg'), { recursive: true });
    install(app, `ajv@file:${fakePackage('ajv', '6.12.6')}`, `yaml@file:${fakePackage('yaml', '1.10.2')}`, `openai@file:${join(work, 'openai-v6-pkg')}`);
    const tree = () => {
      // npm ls exits 1 over file: specs it calls invalid; its JSON still lists the tree.
      const ls = JSON.parse(spawnSync('npm', ['ls', '--all', '--json'], { cwd: app, encoding: 'utf8' }).stdout) as { dependencies: Record<string, { version: string }> };
      return Object.fromEntries(Object.entries(ls.dependencies).map(([name, d]) => [name, d.version]));
    };
    const before = tree();
    expect(before).toMatchObject({ ajv: '6.12.6', yaml: '1.10.2' });
    install(app, runtimeTarball);
    const { 'openai-error-registry': added, ...rest } = tree();
    expect(added).toMatch(/^\d+\.\d+\.\d+$/);
    expect(rest).toEqual(before);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/openai-error-registry/package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['dependencies']).toBeUndefined();
    expect(pkg['peerDependencies']).toEqual({ openai: '>=5 <8' });
    expect(pkg['peerDependenciesMeta']).toBeUndefined();
    expect(pkg['bin']).toBeUndefined();
  }, 120_000);
});
