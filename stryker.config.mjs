// Mutation testing of the hand-written runtime (src/): `npm run mutation` (test/mutation/run.mjs),
// not part of `npm test`. Reports go to reports/mutation/ (gitignored).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // Generated files are checked by their generator's --check, not by mutation.
  mutate: ['src/**/*.ts', '!src/**/*.generated.ts'],
  coverageAnalysis: 'perTest',
  // Two cores, shared: one test runner each.
  concurrency: 2,
  // Re-runs test only the mutants whose code or tests changed since the last run. It keeps a
  // surviving static mutant (module-level tables) even when new tests kill it: `npm run mutation -- --force`.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'json', 'progress-append-only'],
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // A loaded machine runs the tests slower than the dry run measured.
  timeoutFactor: 2.5,
  timeoutMS: 10000,
};
