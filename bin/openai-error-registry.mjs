#!/usr/bin/env node
// Command line entry. In a clone (scripts/ present, dev dependencies installed) it runs the
// TypeScript source through tsx, so an edit is never hidden by a stale build; the published
// package ships no scripts/ and runs the compiled dist/cli.js, which needs nothing but the package.
import { existsSync } from 'node:fs';

const source = new URL('../scripts/main.ts', import.meta.url);
const compiled = new URL('../dist/cli.js', import.meta.url);
let main;
if (existsSync(source)) {
  let tsImport;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch {
    tsImport = undefined;
  }
  if (tsImport) ({ main } = await tsImport(source.href, import.meta.url));
}
if (main === undefined && existsSync(compiled)) ({ main } = await import(compiled.href));
if (main === undefined) {
  process.stderr.write('openai-error-registry: no compiled CLI (dist/cli.js) and no tsx to run scripts/main.ts; run `npm ci` (and `npm run build`) in the clone\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
