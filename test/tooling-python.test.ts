// Runs the Python consumer (examples/python/classify.py) with an interpreter that has jsonschema,
// and hands it toJSON() records produced by the TypeScript runtime. No such Python is a failure
// with instructions, never a silent skip: the schemas must be proven outside TypeScript.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { TABLES } from '../generated/registry.ts';
import { classifyFailureIn, classifyOnSurface } from '../src/classify.ts';

/** OER_PYTHON (set by .ci/run), else Debian's /usr/bin/python3, else the first python3 on PATH. */
function pythonWithJsonschema(): { python: string | undefined; tried: string[] } {
  const candidates = [process.env['OER_PYTHON'], '/usr/bin/python3', 'python3'].filter((p): p is string => p !== undefined && p !== '');
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'from jsonschema import Draft202012Validator'], { stdio: 'ignore' }).status === 0) return { python, tried: candidates };
  }
  return { python: undefined, tried: candidates };
}

it('the Python example validates registry.json and both failure schemas with jsonschema, and classifies an unknown code', () => {
  const { python, tried } = pythonWithJsonschema();
  if (python === undefined) {
    throw new Error(`no Python with jsonschema (tried ${tried.join(', ')}): run .ci/run, or apt-get install -y python3-jsonschema, or set OER_PYTHON to an interpreter that has it`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'oer-python-'));
  const records = [
    classifyFailureIn(TABLES, { id: 'resp_9', object: 'response', status: 'failed', error: { code: 'never_heard_of_it', message: 'key sk-proj-abcdefghijkl' } }),
    classifyFailureIn(TABLES, { id: 'resp_8', object: 'response', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{}] }),
    classifyOnSurface(TABLES, 'batch.line', { custom_id: 'r1', response: { status_code: 429, body: { error: { code: 'rate_limit_exceeded', message: 'slow' } } } }),
  ].map((record, i) => {
    expect(record).toBeDefined();
    const path = join(dir, `record-${i}.json`);
    writeFileSync(path, JSON.stringify(record));
    return path;
  });
  const r = spawnSync(python, ['examples/python/classify.py', ...records], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status, r.stdout).toBe(0);
  expect(r.stdout).toContain('validates against registry.schema.json (0 errors)');
  expect(r.stdout).toContain("classifies as {'class': 'UnknownResponseFailureError', 'code': 'a_code_from_the_future', 'known': False, 'retryable': False}");
  expect(r.stdout.match(/toJSON\(\) record .* validates against failure-record\.schema\.json/g)).toHaveLength(3);
  expect(r.stdout.trimEnd().split('\n').pop()).toBe('python consumer: all checks passed');
}, 60_000);
