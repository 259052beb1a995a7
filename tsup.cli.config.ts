import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The command line, compiled into its own package: scripts/cli/main.ts -> packages/cli/dist/cli.js
 * (ESM, Node), so `npx openai-error-registry` runs without tsx. The runtime tables and classifiers
 * are bundled in; the tool chains (yaml, ajv, ts-morph: the CLI package's dependencies) and the
 * user's openai stay external and are imported lazily, in chunks of their own. The embedded
 * registry and its registry.json are copied beside it, where packageFile() finds them.
 */
const cli = 'packages/cli';

export default defineConfig({
  entry: { cli: 'scripts/cli/main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: `${cli}/dist`,
  clean: true,
  dts: false,
  splitting: true,
  treeshake: true,
  sourcemap: false,
  external: ['yaml', 'ajv', 'ts-morph', 'openai', 'tsx', 'json-schema-to-typescript'],
  onSuccess: async () => {
    rmSync(`${cli}/registry`, { recursive: true, force: true });
    cpSync('registry', `${cli}/registry`, { recursive: true });
    mkdirSync(`${cli}/generated`, { recursive: true });
    cpSync('generated/registry.json', `${cli}/generated/registry.json`);
  },
});
