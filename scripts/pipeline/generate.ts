/**
 * Stages 4 and 5, emit and write: the validated model -> every generated file -> disk, or, with
 * --check, a comparison with disk through the same code path (nothing is written).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Registry } from './model.ts';
import { hasGeneratedHeader, REGENERATE_COMMAND, type OutputFile } from './emit/common.ts';
import { ioReason } from './errors.ts';
import { packageFile } from './package-files.ts';
import { emitJson } from './emit/json.ts';
import { emitMarkdown } from './emit/markdown.ts';
import { emitTypeScript } from './emit/typescript.ts';

/** The default output folder: the repository's generated/. */
export const DEFAULT_OUT = `${packageFile('generated')}${sep}`;

/** Every generated file for a registry, in path order; pure (no I/O). */
export function emitAll(registry: Registry, command?: string): OutputFile[] {
  return [...emitTypeScript(registry, command), ...emitJson(registry, command), emitMarkdown(registry, command)].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

/** The file-system calls the writer makes; tests pass one that fails midway. */
export interface OutputFs {
  mkdirSync(path: string, options: { recursive: true }): unknown;
  readdirSync(path: string): string[];
  statSync(path: string): { isFile(): boolean };
  readFileSync(path: string, encoding: 'utf8'): string;
  writeFileSync(path: string, content: string, options: { flag: 'wx' }): void;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: true }): void;
}

/** The real file system. */
export const nodeOutputFs: OutputFs = { mkdirSync, readdirSync: (p) => readdirSync(p), statSync, readFileSync, writeFileSync, renameSync, rmSync };

/** A file's text, or undefined when it is missing, not a regular file or unreadable. */
function readText(path: string, fs: OutputFs): string | undefined {
  try {
    return fs.statSync(path).isFile() ? fs.readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function exists(path: string, fs: OutputFs): boolean {
  try {
    fs.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The header's regenerate command, up to where a line, a JSON string or a comment ends. */
const REGENERATE_LINE = /Regenerate: (?:[^"\\\n]|\\.)*/;

/**
 * Whether a file on disk holds an output: the same bytes but for the header's regenerate command,
 * which says how the folder was written (from which folder, with which paths), not what it holds.
 */
export function sameOutput(disk: string, content: string): boolean {
  return disk === content || disk.replace(REGENERATE_LINE, '') === content.replace(REGENERATE_LINE, '');
}

/**
 * How the output folder differs from the outputs: `changed` outputs are missing or differ from
 * disk; `extra` files carry the generator's header but no emitter produces them any more;
 * `foreign` outputs would overwrite a file the generator did not write (no header of its exact
 * shape). Files without the header are never touched.
 */
export function staleFiles(
  outputs: readonly OutputFile[],
  out: string,
  fs: OutputFs = nodeOutputFs,
): { changed: string[]; extra: string[]; foreign: string[] } {
  const changed: string[] = [];
  const foreign: string[] = [];
  for (const f of outputs) {
    const path = join(out, f.path);
    const disk = readText(path, fs);
    if (disk !== undefined && sameOutput(disk, f.content)) continue;
    changed.push(f.path);
    if (disk !== undefined ? !hasGeneratedHeader(disk) : exists(path, fs)) foreign.push(f.path);
  }
  let onDisk: string[] = [];
  try {
    onDisk = fs.readdirSync(out);
  } catch {
    onDisk = [];
  }
  const expected = new Set(outputs.map((f) => f.path));
  const extra = onDisk
    .filter((name) => {
      if (expected.has(name)) return false;
      const text = readText(join(out, name), fs);
      return text !== undefined && hasGeneratedHeader(text);
    })
    .sort();
  return { changed, extra, foreign };
}

/** An I/O failure of the writer, with the path it concerns. */
function ioError(action: string, path: string, e: unknown): Error {
  return new Error(`cannot ${action} ${path}: ${ioReason(e)}`, { cause: e });
}

/**
 * Writes the changed outputs all or nothing: every file goes to a temporary name first, and only
 * when all were written are they renamed over their targets (each rename is atomic); on a failure
 * every temporary is removed and no target has changed. Then removes stale generated files.
 * Refuses, before writing anything, to overwrite a file the generator did not write.
 */
export function writeOutputs(
  outputs: readonly OutputFile[],
  out: string,
  fs: OutputFs = nodeOutputFs,
): { written: string[]; removed: string[] } {
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (e) {
    throw ioError('create', out, e);
  }
  const { changed, extra, foreign } = staleFiles(outputs, out, fs);
  if (foreign.length > 0) {
    throw new Error(`refusing to overwrite ${foreign.map((p) => join(out, p)).join(', ')}: not written by the generator (no generated header); move it away`);
  }
  const pending = outputs
    .filter((f) => changed.includes(f.path))
    .map((f) => ({ f, target: join(out, f.path), temporary: join(out, `${f.path}.${process.pid}.tmp`) }));
  const removeTemporaries = (from: number) => {
    for (const p of pending.slice(from)) {
      try {
        fs.rmSync(p.temporary, { force: true });
      } catch {
        // best effort: the first error is the one reported
      }
    }
  };
  for (const p of pending) {
    try {
      fs.writeFileSync(p.temporary, p.f.content, { flag: 'wx' });
    } catch (e) {
      removeTemporaries(0);
      throw ioError('write', p.temporary, e);
    }
  }
  for (const [i, p] of pending.entries()) {
    try {
      fs.renameSync(p.temporary, p.target);
    } catch (e) {
      removeTemporaries(i);
      throw ioError('rename', `${p.temporary} to ${p.target}`, e);
    }
  }
  for (const name of extra) {
    try {
      fs.rmSync(join(out, name), { force: true });
    } catch (e) {
      throw ioError('remove', join(out, name), e);
    }
  }
  return { written: changed, removed: extra };
}

/** A command-line word as a POSIX shell reads it back: bare when safe, else single-quoted. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * The command that writes these outputs again, as the user can run it where they ran this one:
 * `npm run generate` for this repository's own generated/, else the npx command with the
 * registries and output folder given.
 */
export function regenerateCommand(options: { registry?: readonly string[] | undefined; out?: string | undefined }, inRepository: boolean): string {
  const args = (options.registry ?? []).flatMap((r) => ['--registry', shellWord(r)]);
  if (options.out !== undefined) args.push('--out', shellWord(options.out));
  if (inRepository) return args.length === 0 ? REGENERATE_COMMAND : `${REGENERATE_COMMAND} -- ${args.join(' ')}`;
  return ['npx', 'openai-error-registry', 'generate', ...args].join(' ');
}
