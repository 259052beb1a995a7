#!/usr/bin/env node
// Maintenance CLI entry: runs the TypeScript pipeline in scripts/ through tsx (a dev dependency:
// the CLI is for registry maintainers working in this repository, not for the published runtime).
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../scripts/cli.ts', import.meta.url);
process.exitCode = await main(process.argv.slice(2));
