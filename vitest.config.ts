import { defineConfig } from 'vitest/config';

/** The end-to-end tests run three times: against openai 7 (the dev dependency), 6 and 5 (npm aliases). */
const sdk = (major: 5 | 6 | 7) => ({
  resolve: { alias: major === 7 ? [] : [{ find: /^openai(\/.*)?$/, replacement: `openai-v${major}$1` }] },
  test: { name: `e2e-openai-${major}`, include: ['test/e2e/**/*.test.ts'] },
});

export default defineConfig({
  test: {
    projects: [{ test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } }, sdk(7), sdk(6), sdk(5)],
  },
});
