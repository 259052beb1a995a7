// Packs the package, installs the tarball beside openai 5, 6 and 7 (the copies this repository
// already has, so no network is needed) in throwaway projects, and runs smoke.mjs and smoke.cjs.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'oer-pack-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
try {
  const tarball = join(work, npm(['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop());
  for (const sdk of ['openai-v5', 'openai-v6', 'openai']) {
    const project = join(work, sdk);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `smoke-${sdk}`, private: true }));
    // A copy of the SDK folder, installed as "openai" (a file: dependency keeps its own name).
    cpSync(join(root, 'node_modules', sdk), join(work, `${sdk}-pkg`), { recursive: true });
    npm(['install', '--no-audit', '--no-fund', '--offline', '--install-links', tarball, `openai@file:${join(work, `${sdk}-pkg`)}`], project);
    for (const file of ['smoke.mjs', 'smoke.cjs']) {
      cpSync(join(root, 'test/pack', file), join(project, file));
      process.stdout.write(execFileSync(process.execPath, ['--no-warnings', file], { cwd: project, encoding: 'utf8' }));
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
