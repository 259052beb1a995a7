import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Generated code imports the runtime as `openai-error-registry/runtime` (tsconfig `paths` maps it to src/runtime.ts). */
const runtime = { find: /^openai-error-registry\/runtime$/, replacement: fileURLToPath(new URL('./src/runtime.ts', import.meta.url)) };

/** The end-to-end tests run three times: against openai 7 (the dev dependency), 6 and 5 (npm aliases). */
const sdk = (major: 5 | 6 | 7) => ({
  resolve: { alias: major === 7 ? [runtime] : [runtime, { find: /^openai(\/.*)?$/, replacement: `openai-v${major}$1` }] },
  test: { name: `e2e-openai-${major}`, include: ['test/e2e/**/*.test.ts'] },
});

export default defineConfig({
  test: {
    // Explicit, and generous for a 2-core machine: no test relies on vitest's 5 s default. Heavy
    // tests (hostile corpus, scale, packing, examples) set their own, longer timeouts.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [{ resolve: { alias: [runtime] }, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } }, sdk(7), sdk(6), sdk(5)],
  },
});
