import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VERSION } from 'openai/version';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { playServer, response, type PlayServer } from './server.ts';

let server: PlayServer;
beforeAll(async () => {
  server = await playServer();
});
afterAll(() => server.close());

/** The package the child imports for this project's openai major (the e2e aliases do not reach a child). */
const sdkPackage = ({ '7': 'openai', '6': 'openai-v6', '5': 'openai-v5' } as Record<string, string>)[VERSION.split('.')[0] ?? ''] ?? 'openai';

it(`openai ${VERSION}: a process that waited through a stall and a completion exits on its own, leaving the server a cancel`, async () => {
  server.script('GET /responses/resp_stall', { body: response('in_progress', { id: 'resp_stall' }) }, { stall: 'headers' });
  server.script('POST /responses/resp_stall/cancel', { body: response('cancelled', { id: 'resp_stall' }) });
  server.script('GET /responses/resp_done', { body: response('queued', { id: 'resp_done' }) }, { body: response('completed', { id: 'resp_done' }) });
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./exit-child.ts', import.meta.url)), sdkPackage, server.baseURL], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const exitedAt = Date.now();
  clearTimeout(killer);
  expect(err).toBe('');
  expect(code).toBe(0);
  const report = JSON.parse(out) as { outcome: string[]; doneAt: number };
  expect(report.outcome).toEqual(['PollTimeoutError resp_stall in_progress', 'completed']);
  // Exiting on its own means promptly: no timer or socket waited out first.
  expect(exitedAt - report.doneAt).toBeLessThan(1000);
  expect(server.requests).toEqual(['GET /responses/resp_stall', 'GET /responses/resp_stall', 'POST /responses/resp_stall/cancel', 'GET /responses/resp_done', 'GET /responses/resp_done']);
}, 20_000);
