import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { candidateModules, readPythonVocabulary, snakeCase } from '../scripts/tooling/python-vocabulary.ts';
import { cli, registryWithout } from './tooling-helpers.ts';

vi.setConfig({ testTimeout: 120_000 });

const PYTHON = 'test/fixtures/python-sdk/openai';

interface SyncJson {
  ok: boolean;
  sdks: { sdk: string; problems: number; surfaces: { surface: string; missingCodes: string[]; statusProblems: { status: string; lists: string[] }[]; registryOnlyCodes: string[]; removedCodes: { code: string; declaredIn: string }[] }[] }[];
}
const surface = (j: SyncJson, sdk: string, name: string) => j.sdks.find((s) => s.sdk === sdk)?.surfaces.find((s) => s.surface === name);

describe('sync', () => {
  it('the embedded registry is in sync with the installed openai and the Python fixture (exit 0)', () => {
    const r = cli(['sync', '--json', '--python', PYTHON]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as SyncJson;
    expect(j.ok).toBe(true);
    // Seen in the wild, not in the SDK's union: shown, not fatal.
    expect(surface(j, 'openai-node', 'response')?.registryOnlyCodes).toContain('insufficient_quota');
  });

  it('a code an older openai-node declared (its evidence pins that release\'s union) and the installed one dropped is named as removed, not as seen in the wild', () => {
    const r = cli(['sync', '--json']);
    const j = JSON.parse(r.stdout) as SyncJson;
    const turn = surface(j, 'openai-node', 'beta.agents.turn');
    // openai 7.57.0 declared session_budget_exceeded in SessionTurnError.code; 7.60.0 does not.
    expect(turn?.removedCodes).toEqual([{ code: 'session_budget_exceeded', declaredIn: '7.57.0' }]);
    expect(turn?.registryOnlyCodes).not.toContain('session_budget_exceeded');
    // Evidence pinned to another file of the SDK, or to the installed release, proves no removal.
    expect(surface(j, 'openai-node', 'response')?.removedCodes).toEqual([]);
    expect(cli(['sync']).stdout).toContain('session_budget_exceeded: declared by an older SDK (openai 7.57.0), removed by 7.60.0; kept while older SDKs may send it');
  });

  it('a registry without vector_store_timeout makes sync name it and exit 1, for both SDKs', () => {
    const copy = registryWithout('vector_store_timeout');
    const r = cli(['sync', '--registry', copy, '--python', PYTHON]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('codes the SDK declares and the registry lacks on response: vector_store_timeout');
    const j = JSON.parse(cli(['sync', '--json', '--registry', copy, '--python', PYTHON]).stdout) as SyncJson;
    expect(j.ok).toBe(false);
    expect(surface(j, 'openai-node', 'response')?.missingCodes).toEqual(['vector_store_timeout']);
    expect(surface(j, 'openai-python', 'response')?.missingCodes).toEqual(['vector_store_timeout']);
  });

  it('an SDK status in no status list, or in two, is a problem (registry.json input)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oer-sync-'));
    const data = JSON.parse(readFileSync('generated/registry.json', 'utf8')) as { surfaces: Record<string, { status: Record<string, string[]> }> };
    const batch = data.surfaces['batch']?.status as Record<string, string[]>;
    batch['failed'] = (batch['failed'] ?? []).filter((s) => s !== 'failed');
    batch['done'] = [...(batch['done'] ?? []), 'expired'];
    writeFileSync(join(dir, 'registry.json'), JSON.stringify(data));
    const r = cli(['sync', '--json', '--registry', join(dir, 'registry.json')]);
    expect(r.code).toBe(1);
    const problems = surface(JSON.parse(r.stdout) as SyncJson, 'openai-node', 'batch')?.statusProblems;
    expect(problems).toEqual([
      { status: 'expired', lists: ['expired', 'done'] },
      { status: 'failed', lists: [] },
    ]);
  });

  it('--python: a status the Python SDK adds is a problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oer-sync-py-'));
    cpSync(PYTHON, dir, { recursive: true });
    const batch = join(dir, 'types/batch.py');
    writeFileSync(batch, readFileSync(batch, 'utf8').replace('"cancelled"\n', '"cancelled", "paused"\n'));
    const r = cli(['sync', '--python', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('status paused: in no status list; it must be in exactly one');
  });

  it('reads older openai majors through an npm alias', () => {
    const r = cli(['sync', '--sdk', 'openai-v6']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/openai-node 6\.\d+\.\d+ .*: in sync/);
  });

  it.each([
    ['a missing --python folder', ['--python', 'no/such/dir'], /no\/such\/dir: no such folder/],
    ['a --python folder without types/', ['--python', 'test/fixtures'], /test\/fixtures: no types\/ folder here/],
    ['an SDK that is not installed', ['--sdk', 'openai-v2'], /openai-v2: not installed here/],
    ['a registry that does not exist', ['--registry', 'nope.yaml'], /nope\.yaml: no such file, folder or git revision/],
    ['two registries', ['--registry', 'registry', '--registry', 'registry'], /sync reads one --registry/],
  ])('%s is one line, exit 2', (_name, args, message) => {
    const r = cli(['sync', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    const j = cli(['sync', '--json', ...args]);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(message) });
  });
});

describe('the Python mapping rule', () => {
  it('module names: snake case of the top-level name, in the mirrored folder or one above', () => {
    expect(snakeCase('ResponseError')).toBe('response_error');
    expect(snakeCase('FineTuningJob')).toBe('fine_tuning_job');
    expect(candidateModules('resources/beta/threads/runs/runs.d.ts', 'Run')).toEqual(['types/beta/threads/runs/run.py', 'types/beta/threads/run.py', 'types/beta/run.py', 'types/run.py']);
    expect(candidateModules('resources/vector-stores/files.d.ts', 'VectorStoreFile')[0]).toBe('types/vector_stores/vector_store_file.py');
  });

  it('reads a nested class field, a multi-line Literal and a type alias', () => {
    const base = { surface: 'response', kind: 'codes', sinceMajor: 5 } as const;
    expect(readPythonVocabulary(PYTHON, { ...base, file: 'resources/responses/responses.d.ts', path: 'Response.IncompleteDetails.reason' })).toMatchObject({ module: 'types/responses/response.py', values: ['content_filter', 'max_output_tokens'] });
    expect(readPythonVocabulary(PYTHON, { ...base, file: 'resources/responses/responses.d.ts', path: 'ResponseError.code' }).values).toHaveLength(18);
    expect(readPythonVocabulary(PYTHON, { ...base, kind: 'statuses', file: 'resources/beta/threads/runs/runs.d.ts', path: 'RunStatus' })).toMatchObject({ module: 'types/beta/threads/runs/run_status.py' });
    expect(readPythonVocabulary(PYTHON, { ...base, file: 'resources/beta/threads/runs/runs.d.ts', path: 'Run.LastError.code' })).toMatchObject({ module: 'types/beta/threads/run.py', values: ['invalid_prompt', 'rate_limit_exceeded', 'server_error'] });
  });
});
