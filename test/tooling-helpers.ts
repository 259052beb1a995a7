/** Helpers of the tooling tests: run the CLI, and copy the registry with one code taken out. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs bin/openai-error-registry.mjs with `args` (and `input` on standard input). */
export function cli(args: readonly string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, ['--no-warnings', 'bin/openai-error-registry.mjs', ...args], { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A folder holding a copy of registry/openai.yaml without the entry of `code` under codes:. */
export function registryWithout(code: string): string {
  const text = readFileSync('registry/openai.yaml', 'utf8');
  const codes = text.indexOf('\ncodes:\n');
  const start = text.indexOf(`\n  ${code}:\n`, codes);
  if (codes < 0 || start < 0) throw new Error(`registry/openai.yaml has no code ${code}`);
  // The entry runs to the next line indented by exactly two spaces (the next code) or the end.
  const next = /\n {2}[^ \n#][^\n]*\n/g;
  next.lastIndex = start + 1;
  const end = next.exec(text)?.index ?? text.length;
  const dir = mkdtempSync(join(tmpdir(), `oer-without-${code}-`));
  writeFileSync(join(dir, 'openai.yaml'), text.slice(0, start) + text.slice(end));
  return dir;
}
