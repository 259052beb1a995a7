import { defineConfig } from 'tsup';

/**
 * The command line, compiled: scripts/main.ts -> dist/cli.js (ESM, Node), so the installed package
 * runs `openai-error-registry` without tsx. The runtime tables and classifiers are bundled in; the
 * tool chains that only some commands need (yaml, ajv, ts-morph, openai) stay external and are
 * imported lazily, in chunks of their own, after main.ts has checked they are installed.
 * Built after tsup.config.ts (which cleans dist/), so it does not clean.
 */
export default defineConfig({
  entry: { cli: 'scripts/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: false,
  dts: false,
  splitting: true,
  treeshake: true,
  sourcemap: false,
  external: ['yaml', 'ajv', 'ts-morph', 'openai', 'tsx', 'json-schema-to-typescript'],
});
