/**
 * `openai-error-registry validate|generate`: exit 0 valid (and written, or up to date), 1 invalid
 * (every diagnostic printed) or stale (with --check), 2 an input or I/O problem, in one line. A bad
 * registry never prints a stack trace.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkRegistry, DEFAULT_REGISTRY, type Checked } from '../pipeline/check.ts';
import { formatReport } from '../pipeline/diagnostics.ts';
import { InputError, ioReason } from '../pipeline/errors.ts';
import { DEFAULT_OUT, emitAll, regenerateCommand, staleFiles, writeOutputs } from '../pipeline/generate.ts';
import type { Registry } from '../pipeline/model.ts';
import { inRepository } from '../pipeline/package-files.ts';
import { fail, type Output } from './output.ts';

/** What validate and generate take from the command line. */
export interface ValidateGenerateOptions {
  readonly registry?: readonly string[] | undefined;
  readonly out?: string | undefined;
  readonly check?: boolean;
}

/**
 * The one line printed for an error of the command's input or environment (exit 2): an
 * InputError's message, or the path and reason of a file-system error met while reading the schema
 * or the SDK; undefined for anything else, which is a bug and keeps its stack.
 */
function inputErrorLine(e: unknown): string | undefined {
  if (e instanceof InputError) return `openai-error-registry: ${e.message}`;
  const io = e as { code?: unknown; syscall?: unknown; path?: unknown };
  if (e instanceof Error && typeof io.code === 'string' && typeof io.syscall === 'string') {
    return `openai-error-registry: cannot read ${typeof io.path === 'string' ? io.path : 'a file'}: ${ioReason(e)}`;
  }
  return undefined;
}

/** Runs validate or generate; returns the exit code. */
export async function runValidateGenerate(o: Output, command: 'validate' | 'generate', options: ValidateGenerateOptions): Promise<number> {
  const paths = options.registry ?? [relative(process.cwd(), DEFAULT_REGISTRY) || '.'];
  let checked: Checked;
  try {
    checked = checkRegistry(paths);
  } catch (e) {
    const line = inputErrorLine(e);
    if (line === undefined) throw e;
    if (o.json) o.out(JSON.stringify({ ok: false, error: line }));
    else o.err(line);
    return 2;
  }
  if (!checked.ok) {
    if (o.json) o.out(JSON.stringify(checked.diagnostics, null, 2));
    else o.err(formatReport(checked.diagnostics));
    return 1;
  }
  const r = checked.registry;
  if (command === 'validate' && o.json) o.out('[]');
  else if (!o.json) o.out(`valid: ${r.sources.join(', ')} (registry ${r.version}, ${r.codes.length} codes, ${r.surfaces.length} surfaces, ${r.backoff.length} backoff profiles)`);
  if (command === 'validate') return 0;
  try {
    return generate(o, r, options);
  } catch (e) {
    // I/O: an output folder that is a file, a file that cannot be written, ...
    return fail(o, (e as Error).message);
  }
}

/** generate: write the output folder or, with check, report stale files. Returns the exit code. */
function generate(o: Output, registry: Registry, options: ValidateGenerateOptions): number {
  const repository = inRepository();
  // An installed package's own folder is no place for output: an update or npm ci would drop it.
  if (options.out === undefined && !repository) return fail(o, 'generate needs --out DIR: the folder of your project to write the generated files to');
  const out = options.out ?? DEFAULT_OUT;
  if (resolve(out).split(sep).includes('node_modules')) return fail(o, `generate --out ${out}: a folder inside node_modules is no place for output; name a folder of your project`);
  const rel = relative(process.cwd(), out);
  const shown = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? out : rel;
  const command = regenerateCommand(options, repository);
  const outputs = emitAll(registry, command);
  if (options.check) {
    const { changed, extra } = staleFiles(outputs, out);
    const ok = changed.length === 0 && extra.length === 0;
    if (o.json) o.out(JSON.stringify({ upToDate: ok, stale: changed, notGenerated: extra }));
    else if (ok) o.out(`${shown}: ${outputs.length} files up to date`);
    else {
      const lines = [...changed.map((p) => `stale: ${join(shown, p)}`), ...extra.map((p) => `not generated: ${join(shown, p)}`)];
      o.err(`${lines.join('\n')}\n${shown} is out of date with the registry; run: ${command}`);
    }
    return ok ? 0 : 1;
  }
  const { written, removed } = writeOutputs(outputs, out);
  o.out(
    o.json
      ? JSON.stringify({ files: outputs.length, written, removed })
      : `${shown}: ${outputs.length} files, ${written.length} written, ${removed.length} removed (${registry.codes.length} codes)`,
  );
  return 0;
}
