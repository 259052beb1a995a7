/**
 * The tests Stryker runs against each mutant of src/ (`npm run mutation`): the unit tests that
 * exercise the runtime in process, and the end-to-end tests against openai 7 (a real client and a
 * local server). Generator, tooling and packaging tests are left out: they test scripts/, or run
 * the runtime in child processes where a mutant is never switched on; so are the fault scenarios
 * (test/e2e/faults.test.ts), whose real waits of seconds would multiply by every poll mutant.
 */
import { defineConfig } from 'vitest/config';
import type { TestProjectInlineConfiguration } from 'vitest/config';
import base from './vitest.config.ts';

/** The runtime's tests, by project name: the include lists narrow the projects of vitest.config.ts. */
const RUNTIME_TESTS: Record<string, string[]> = {
  unit: [
    'test/backoff-retry.test.ts',
    'test/dispatch.test.ts',
    'test/facts.test.ts',
    'test/limiter.test.ts',
    'test/poll.test.ts',
    'test/poll-faults.test.ts',
    'test/retry-load.test.ts',
    'test/mutation-*.test.ts',
  ],
  'e2e-openai-7': ['test/e2e/background.test.ts', 'test/e2e/secrets.test.ts'],
};

/**
 * A mutant that lengthens a wait makes a test sleep until it times out; every test here takes
 * well under a second, so a mutant is told apart in 2.5 s rather than vitest's default 5 s.
 */
const TEST_TIMEOUT_MS = 2_500;

const projects = (base.test?.projects ?? []) as TestProjectInlineConfiguration[];

export default defineConfig({
  test: {
    projects: projects.flatMap((project) => {
      const include = RUNTIME_TESTS[project.test?.name as string];
      return include ? [{ ...project, test: { ...project.test, include, testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS } }] : [];
    }),
  },
});
