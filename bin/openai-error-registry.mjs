#!/usr/bin/env node
// Maintenance CLI entry: runs the TypeScript pipeline in scripts/ through tsx. The CLI is for
// registry maintainers working in a clone of the repository (after `npm ci`), not part of the
// runtime an application installs.
let tsImport;
try {
  ({ tsImport } = await import('tsx/esm/api'));
} catch {
  process.stderr.write('openai-error-registry: the maintenance CLI needs the repository\'s dev dependencies; run it from a clone after `npm ci`\n');
  process.exit(2);
}
const { main } = await tsImport('../scripts/cli.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
