#!/usr/bin/env node
// The command line in a clone of the repository: it runs the TypeScript source through tsx, so
// an edit is never hidden by a stale build (`npm start`, `npm run validate` and the tests use it).
// Without tsx it falls back to the compiled CLI of the command-line package
// (packages/cli/dist/cli.js, from `npm run build`), which is what `openai-error-registry-cli` ships.
import { existsSync } from 'node:fs';

const source = new URL('../scripts/cli/main.ts', import.meta.url);
const compiled = new URL('../packages/cli/dist/cli.js', import.meta.url);
let main;
let tsImport;
try {
  ({ tsImport } = await import('tsx/esm/api'));
} catch {
  tsImport = undefined;
}
if (tsImport) ({ main } = await tsImport(source.href, import.meta.url));
else if (existsSync(compiled)) ({ main } = await import(compiled.href));
if (main === undefined) {
  process.stderr.write('openai-error-registry: no tsx to run scripts/cli/main.ts and no compiled CLI (packages/cli/dist/cli.js); run `npm ci` (and `npm run build`) in the clone\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
