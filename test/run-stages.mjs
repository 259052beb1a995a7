// `npm test`: runs each stage in order, stopping at the first that fails (as the `&&` chain it
// replaces did, with that stage's exit code), and ends with one line CI tools read:
//
//   412 passed, 0 failed, 2 skipped (generate:types 1.1s, generate 1.9s, typecheck 21.0s, ...)
//
// Every vitest test counts once (from vitest's JSON report); every other stage counts as one check.
// Stages after a failure are not run and count as skipped.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const report = join(root, 'test/.tmp/vitest-report.json');

/** The stages of `npm test`, in order: a name and the command (run through the shell, from the repository root). */
const STAGES = [
  ['generate:types', 'npm run -s generate:types -- --check'],
  ['generate', 'node bin/openai-error-registry.mjs generate --check'],
  ['typecheck', 'npm run -s typecheck'],
  ['docs', 'npm run -s docs:check'],
  ['vitest', `npx vitest run --reporter=default --reporter=json --outputFile.json=${JSON.stringify(report)}`],
  ['lint:package', 'npm run -s lint:package'],
  ['smoke:pack', 'npm run -s smoke:pack'],
];

/** passed, failed and skipped tests of a vitest JSON report; undefined when there is none. */
function vitestCounts(path) {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
  } catch {
    return undefined;
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const durations = [];
let exitCode = 0;
mkdirSync(join(root, 'test/.tmp'), { recursive: true });
for (const [name, command] of STAGES) {
  if (exitCode !== 0) {
    totals.skipped++;
    durations.push(`${name} skipped`);
    continue;
  }
  if (name === 'vitest') rmSync(report, { force: true });
  const started = performance.now();
  const run = spawnSync(command, { cwd: root, shell: true, stdio: 'inherit' });
  durations.push(`${name} ${((performance.now() - started) / 1000).toFixed(1)}s`);
  const code = run.status ?? 1;
  const counts = name === 'vitest' ? vitestCounts(report) : undefined;
  if (counts !== undefined) {
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
    // A run that failed without a failing test (a file that does not load) still fails the stage.
    if (code !== 0 && counts.failed === 0) totals.failed++;
  } else if (code === 0) {
    totals.passed++;
  } else {
    totals.failed++;
  }
  if (code !== 0) exitCode = code;
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped (${durations.join(', ')})`);
process.exit(exitCode);
