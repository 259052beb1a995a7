import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const tsx = resolve(root, 'node_modules/.bin/tsx');

/** Runs `npm run example -- <name>` (without npm): the example against the local fake server; its output. Rejects on a non-zero exit. */
async function runExample(name: string): Promise<{ stdout: string }> {
  return promisify(execFile)(tsx, ['--tsconfig', 'examples/tsconfig.json', 'examples/fake-server.ts', name], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' },
  });
}

describe('examples run end to end against the local fake server', { timeout: 60_000 }, () => {
  it('background-retry: resubmits a failed background run, then prints the typed failure, its retryability and its delay', async () => {
    const { stdout } = await runExample('background-retry');
    expect(stdout.match(/^attempt \d failed: ServerError \(server_error\)/gm)).toHaveLength(2);
    expect(stdout).toMatch(/^gave up: ServerError \(server_error\) on response, retryable: true, next delay: \d+ ms$/m);
  });

  it('streaming: a response.failed event is thrown as its typed error after the deltas', async () => {
    const { stdout } = await runExample('streaming');
    expect(stdout).toContain('stream failed after "One, two": ServerError (server_error), retryable: true, output delivered: true');
  });

  it('resume: a stream cut halfway is resumed after its last event, not created again', async () => {
    const { stdout } = await runExample('resume');
    expect(stdout).toMatch(/^connection lost after event 2; resuming resp_1 in \d+ ms$/m);
    expect(stdout).toContain('completed: One, two, three, four, five.');
  });

  it('batches: classifies every failed line and picks the ones to resubmit', async () => {
    const { stdout } = await runExample('batches');
    expect(stdout).toContain('3 failed lines; resubmit in a new batch: line-2, line-4');
  });

  it('custom-registry: an overlay code raises its own class through createRuntime', async () => {
    const { stdout } = await runExample('custom-registry');
    expect(stdout).toContain('ProxyBudgetExceededError (proxy_budget_exceeded): quota, retryable: false; also a RateLimitError: true');
  });

  it('logging: one JSON line with the registry record, the organization id redacted', async () => {
    const { stdout } = await runExample('logging');
    const line = stdout.split('\n').find((l) => l.startsWith('{'));
    const record = JSON.parse(line ?? '{}') as { failure: { code: string; class: string; message: string } };
    expect([record.failure.code, record.failure.class]).toEqual(['rate_limit_exceeded', 'RateLimitExceededError']);
    expect(record.failure.message).toContain('org-[redacted]');
    expect(stdout).not.toContain('AbCdEf123456');
  });
});
