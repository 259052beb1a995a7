import { defineConfig } from 'tsup';

/**
 * The published runtime: one ESM and one CommonJS build of src/index.ts (with the generated
 * classes) and of src/runtime.ts (the public subpath generated code imports), each importing
 * openai's matching copy of its error classes (`openai` stays external).
 */
export default defineConfig({
  entry: { index: 'src/index.ts', runtime: 'src/runtime.ts', redis: 'src/redis.ts', otel: 'src/otel.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'neutral',
  external: ['openai'],
  treeshake: true,
  sourcemap: false,
});
