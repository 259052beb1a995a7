/**
 * Stages 4 and 5, emit and write: the validated model -> every generated file -> disk, or, with
 * --check, a comparison with disk through the same code path (nothing is written).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from './model.ts';
import { GENERATED_MARK, type OutputFile } from './emit/common.ts';
import { emitJson } from './emit/json.ts';
import { emitMarkdown } from './emit/markdown.ts';
import { emitTypeScript } from './emit/typescript.ts';

/** The default output folder: the repository's generated/. */
export const DEFAULT_OUT = fileURLToPath(new URL('../generated/', import.meta.url));

/** Every generated file for a registry, in path order; pure (no I/O). */
export function emitAll(registry: Registry): OutputFile[] {
  return [...emitTypeScript(registry), ...emitJson(registry), emitMarkdown(registry)].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

/** Whether a file on disk was written by the generator (its first line carries the mark). */
function isGenerated(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    return readFileSync(path, 'utf8').slice(0, 300).includes(GENERATED_MARK);
  } catch {
    return false;
  }
}

/**
 * Files that differ from disk: changed or missing outputs, and generated files on disk that no
 * emitter produces any more. Files the generator did not write are never touched.
 */
export function staleFiles(outputs: readonly OutputFile[], out: string): { changed: string[]; extra: string[] } {
  const changed = outputs
    .filter((f) => {
      try {
        return readFileSync(join(out, f.path), 'utf8') !== f.content;
      } catch {
        return true;
      }
    })
    .map((f) => f.path);
  let onDisk: string[] = [];
  try {
    onDisk = readdirSync(out);
  } catch {
    onDisk = [];
  }
  const expected = new Set(outputs.map((f) => f.path));
  return { changed, extra: onDisk.filter((name) => !expected.has(name) && isGenerated(join(out, name))).sort() };
}

/** Writes each file atomically (temporary file, then rename) and removes files no longer produced. */
export function writeOutputs(outputs: readonly OutputFile[], out: string): { written: string[]; removed: string[] } {
  mkdirSync(out, { recursive: true });
  const { changed, extra } = staleFiles(outputs, out);
  for (const f of outputs) {
    if (!changed.includes(f.path)) continue;
    const target = join(out, f.path);
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, f.content);
    renameSync(temporary, target);
  }
  for (const name of extra) rmSync(join(out, name));
  return { written: changed, removed: extra };
}

/** The `generate` command: write generated/ or, with check, report stale files. Returns the exit code. */
export function generate(
  registry: Registry,
  options: { out?: string | undefined; check?: boolean; json?: boolean },
): number {
  const out = options.out ?? DEFAULT_OUT;
  const shown = relative(process.cwd(), out) || '.';
  const outputs = emitAll(registry);
  if (options.check) {
    const { changed, extra } = staleFiles(outputs, out);
    const ok = changed.length === 0 && extra.length === 0;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ upToDate: ok, stale: changed, notGenerated: extra })}\n`);
    } else if (ok) {
      process.stdout.write(`${shown}: ${outputs.length} files up to date\n`);
    } else {
      const lines = [...changed.map((p) => `stale: ${join(shown, p)}`), ...extra.map((p) => `not generated: ${join(shown, p)}`)];
      process.stderr.write(`${lines.join('\n')}\n${shown} is out of date with the registry; run: npm run generate\n`);
    }
    return ok ? 0 : 1;
  }
  const { written, removed } = writeOutputs(outputs, out);
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ files: outputs.length, written, removed })}\n`
      : `${shown}: ${outputs.length} files, ${written.length} written, ${removed.length} removed (${registry.codes.length} codes)\n`,
  );
  return 0;
}
