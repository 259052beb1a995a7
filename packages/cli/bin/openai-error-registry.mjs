#!/usr/bin/env node
// The installed command line: the compiled CLI (dist/cli.js) with the embedded registry beside it
// (registry/). In a clone, the repository's own bin/openai-error-registry.mjs runs the TypeScript
// source instead.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
