/**
 * The runtime in a web-standard edge context: src/ imports no Node built-in, and src/index.ts,
 * bundled with openai as an edge function would be, raises its typed errors inside an EdgeVM
 * (@edge-runtime/vm: web globals only, no require, no process).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EdgeVM } from '@edge-runtime/vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe('edge runtime', { timeout: 60_000 }, () => {
  it('no file of src/ imports a Node built-in', () => {
    const offenders = readdirSync(join(root, 'src'))
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /\b(?:from|import)\s*\(?\s*['"](?:node:|(?:fs|path|os|util|http|https|net|crypto|stream|buffer|events|child_process|url|worker_threads)['"/])|\brequire\s*\(/.test(readFileSync(join(root, 'src', f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('raiseForFailedResponse, bundled with openai, throws its typed error in an EdgeVM', async () => {
    const bundle = await build({
      stdin: {
        contents: `export { raiseForFailedResponse, isRetryable, RateLimitExceededError } from './src/index.ts'; export { RateLimitError, APIError } from 'openai';`,
        resolveDir: root,
        loader: 'ts',
      },
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'registry',
      // The edge's conditions: a bundler that honoured "node" would have failed on node: imports.
      platform: 'browser',
      conditions: ['edge-light', 'worker', 'browser'],
      alias: { 'openai-error-registry/runtime': join(root, 'src/runtime.ts') },
      logLevel: 'silent',
    });
    const vm = new EdgeVM();
    vm.evaluate(bundle.outputFiles[0]?.text ?? '');
    const seen = vm.evaluate(`(() => {
      const failed = { id: 'resp_1', object: 'response', status: 'failed', output: [], error: { code: 'rate_limit_exceeded', message: 'Please try again in 2s.' } };
      const completed = { id: 'resp_2', object: 'response', status: 'completed', output: [] };
      const passed = registry.raiseForFailedResponse(completed) === completed;
      try {
        registry.raiseForFailedResponse(failed);
        return { passed, thrown: false };
      } catch (e) {
        return {
          passed,
          thrown: true,
          name: e.name,
          code: e.code,
          typed: e instanceof registry.RateLimitExceededError,
          sdk: e instanceof registry.RateLimitError && e instanceof registry.APIError,
          retryable: registry.isRetryable(e),
          record: JSON.stringify(e),
          noProcess: typeof process === 'undefined' && typeof require === 'undefined',
        };
      }
    })()`) as Record<string, unknown>;
    expect(seen).toMatchObject({ passed: true, thrown: true, name: 'RateLimitExceededError', code: 'rate_limit_exceeded', typed: true, sdk: true, retryable: true, noProcess: true });
    expect(JSON.parse(String(seen['record']))).toMatchObject({ class: 'RateLimitExceededError', transportStatus: 200 });
  });
});
