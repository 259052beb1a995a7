import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { TABLES } from '../generated/registry.ts';
import { classifyFailureIn } from '../src/classify.ts';
import { ingest, stubClassName, yamlStubs } from '../scripts/tooling/ingest.ts';
import { cli } from './tooling-helpers.ts';
import { REGISTRY_VERSION } from '../generated/registry.ts';

const nextMinor = `${REGISTRY_VERSION.split('.')[0]}.${Number(REGISTRY_VERSION.split('.')[1]) + 1}.0`;

vi.setConfig({ testTimeout: 60_000 });


const KEY = 'sk-proj-Q1w2E3r4T5y6U7i8O9p0AsDfGhJkL';
const SECRETS = [KEY, 'sk-abcdef0123456789ABCDEF', 'Bearer-token-value-123456', 'org-Zx9Yw8Vu7Ts6', 'proj_Ab12Cd34Ef56'];

const lines = [
  { id: 'resp_1', object: 'response', status: 'failed', created_at: 1767225600, error: { code: 'server_error', message: 'The server had an error' } },
  'this line is not json',
  { id: 'resp_2', object: 'response', status: 'failed', created_at: 1767225660, error: { code: 'quantum_flux_exceeded', message: `Incorrect API key provided: ${KEY}. Org org-Zx9Yw8Vu7Ts6, project proj_Ab12Cd34Ef56` } },
  { id: 'resp_3', object: 'response', status: 'completed', output: [] },
  { type: 'response.failed', response: { id: 'resp_4', object: 'response', status: 'failed', error: { code: 'quantum_flux_exceeded', message: 'Authorization: Bearer Bearer-token-value-123456 sk-abcdef0123456789ABCDEF' } } },
  '{"truncated": ',
  { custom_id: 'req-9', response: { status_code: 400, body: { error: { code: 'batch_line_mystery', message: 'no idea' } } }, error: null },
  { class: 'ServerError', code: 'server_error', surface: 'batch.line', kind: 'failed', message: 'x', timestamp: '2026-03-01T10:00:00Z' },
  42,
  { id: 'resp_5', object: 'response', status: 'failed', created_at: 1767225720, error: { code: 'quantum_flux_exceeded', message: 'third' } },
].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
const LOG = `${lines.join('\n')}\n`;

function logFile(text: string | Buffer = LOG): string {
  const dir = mkdtempSync(join(tmpdir(), 'oer-ingest-'));
  writeFileSync(join(dir, 'app.jsonl'), text);
  return join(dir, 'app.jsonl');
}

describe('ingest', () => {
  it('names the unknown code on a log with known, unknown and malformed lines, and leaks no key', () => {
    const path = logFile();
    const r = cli(['ingest', path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('response quantum_flux_exceeded: 2x');
    expect(r.stdout).toContain('response.stream quantum_flux_exceeded: 1x');
    expect(r.stdout).toContain(`first ${path}:3 (2026-01-01T00:01:00.000Z), last ${path}:10 (2026-01-01T00:02:00.000Z)`);
    expect(r.stdout).toContain('batch.line batch_line_mystery: 1x');
    expect(r.stdout).toContain('KNOWN CODES ON A SURFACE THE REGISTRY DOES NOT LIST FOR THEM:\n  batch.line server_error: 1x');
    expect(r.stdout).toMatch(/3 malformed/);
    expect(r.stdout).toContain(`${path}:2 not JSON; ${path}:6 not JSON; ${path}:9 not a JSON object`);
    expect(r.stdout).toContain('  quantum_flux_exceeded:\n    class: QuantumFluxExceededError\n    extends: InternalServerError');
    const json = cli(['ingest', '--json', path]);
    for (const out of [r.stdout, json.stdout]) for (const secret of SECRETS) expect(out).not.toContain(secret);
    expect(r.stdout).toContain('sk-proj-[redacted]');
    const j = JSON.parse(json.stdout) as { ok: boolean; malformed: number; failures: number; unknown: { surface: string; code: string; count: number }[]; stubs: string };
    expect(j).toMatchObject({ ok: false, malformed: 3, failures: 6 });
    expect(j.unknown.map((g) => `${g.surface} ${g.code} ${g.count}`)).toEqual(['response quantum_flux_exceeded 2', 'batch.line batch_line_mystery 1', 'response.stream quantum_flux_exceeded 1']);
  });

  it('reads standard input for -', () => {
    const r = cli(['ingest', '-', '--json'], LOG);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { unknown: { first: { input: string } }[] }).unknown[0]?.first.input).toBe('(stdin)');
  });

  it('exits 0 on a log with only known codes', () => {
    const r = cli(['ingest', logFile(`${lines[0]}\n${lines[3]}\n`)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no unknown codes');
  });

  it('writes YAML stubs that parse, with the surface fallback base and TODO evidence', async () => {
    const report = await ingest([logFile()]);
    const stub = parse(`codes:\n${yamlStubs(report)}`) as { codes: Record<string, Record<string, unknown>> };
    expect(stub.codes['quantum_flux_exceeded']).toMatchObject({
      class: 'QuantumFluxExceededError',
      extends: 'InternalServerError',
      retryable: false,
      surfaces: ['response', 'response.stream'],
      since: nextMinor, // the registry's next minor version
      description: expect.stringMatching(/^TODO/),
      evidence: [{ url: expect.stringMatching(/^TODO/), note: expect.stringMatching(/^TODO/) }],
    });
    expect(stub.codes['batch_line_mystery']).toMatchObject({ extends: 'BadRequestError', surfaces: ['batch.line'] });
  });

  it('reads a toJSON() record as the runtime writes it', async () => {
    const facts = classifyFailureIn(TABLES, { id: 'resp_1', object: 'response', status: 'failed', error: { code: 'never_seen_before', message: 'm' } });
    const report = await ingest([logFile(`${JSON.stringify(facts)}\n`)]);
    expect(report.groups).toMatchObject([{ surface: 'response', code: 'never_seen_before', known: false, class: 'UnknownResponseFailureError' }]);
  });

  it('class names for stubs are PascalCase, end in Error and avoid taken names', () => {
    expect(stubClassName('quantum_flux', new Set())).toBe('QuantumFluxError');
    expect(stubClassName('server_error', new Set(['ServerError']))).toBe('Server2Error');
    expect(stubClassName('429', new Set())).toBe('Code429Error');
  });
});

describe('ingest --registry: a registry of the user\'s own', () => {
  /** The embedded registry plus one proxy code, copied from server_error's entry, in a file of its own. */
  function customRegistry(): string {
    const yaml = readFileSync('registry/openai.yaml', 'utf8');
    const start = yaml.indexOf('\n  server_error:\n') + 1;
    const end = yaml.indexOf('\n  rate_limit_exceeded:\n');
    const entry = yaml.slice(start, end + 1).replace('  server_error:', '  proxy_upstream_reset:').replace('class: ServerError', 'class: ProxyUpstreamResetError');
    const dir = mkdtempSync(join(tmpdir(), 'oer-ingest-registry-'));
    writeFileSync(join(dir, 'proxy.yaml'), yaml.replace('\n  server_error:\n', `\n${entry}  server_error:\n`));
    return join(dir, 'proxy.yaml');
  }
  const proxyLog = () =>
    logFile(
      `${[
        { id: 'resp_1', object: 'response', status: 'failed', error: { code: 'proxy_upstream_reset', message: 'reset' } },
        { id: 'resp_2', object: 'response', status: 'failed', error: { code: 'still_unknown', message: 'x' } },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n')}\n`,
    );

  it("classifies by the registry given: its codes are known, and the stubs name its file", () => {
    const registry = customRegistry();
    const log = proxyLog();
    const embedded = cli(['ingest', log]);
    expect(embedded.stdout).toContain('response proxy_upstream_reset: 1x');
    expect(embedded.stdout).toContain('paste under codes: in registry/openai.yaml');
    const own = cli(['ingest', '--registry', registry, log]);
    expect(own.code).toBe(1);
    expect(own.stdout).toContain('known codes:\n  response proxy_upstream_reset: 1x');
    expect(own.stdout).toContain('response still_unknown: 1x');
    expect(own.stdout).toContain(`paste under codes: in ${registry}, fill every TODO`);
    expect(own.stdout).not.toContain('  proxy_upstream_reset:\n    class:');
  });

  it('an invalid registry is one line naming its first problem, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oer-ingest-bad-'));
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\n');
    const r = cli(['ingest', '--registry', join(dir, 'bad.yaml'), proxyLog()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^openai-error-registry: --registry .*bad\.yaml is not a valid registry: .*bad\.yaml:\d+:\d+ [A-Z_]+ .*\(see validate --registry .*bad\.yaml\)\n$/);
  });
});

describe('ingest: bad input is one line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oer-ingest-bad-'));
  const binary = join(dir, 'core.bin');
  writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 10, 0, 2]));
  const cases: [string, string, RegExp][] = [
    ['a missing file', join(dir, 'missing.jsonl'), /missing\.jsonl: no such file$/],
    ['a folder', dir, /is a folder, not a log file$/],
    ['a binary log', binary, /core\.bin: binary data \(NUL byte on line 1\), not JSON Lines$/],
  ];
  it.each(cases)('%s', (_name, path, message) => {
    const r = cli(['ingest', logFile(), path]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    const j = cli(['ingest', '--json', path]);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(message) });
  });

  it('needs at least one input', () => {
    expect(cli(['ingest']).code).toBe(2);
    expect(cli(['ingest', '--bogus', 'x']).stderr).toBe('openai-error-registry: unknown option --bogus; see openai-error-registry --help\n');
  });
});
