/**
 * The maintenance command line: `openai-error-registry validate|generate`. Exit codes: 0 valid,
 * 1 invalid (diagnostics printed), 2 usage or I/O error. A bad registry never prints a stack trace.
 */
import { parseArgs } from 'node:util';
import { relative, sep } from 'node:path';
import { packageFile } from './package-files.ts';
import { formatDiagnostic, formatReport, sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { loadRegistry, RegistryInputError, type LoadResult } from './load.ts';
import { buildModel, type Registry } from './model.ts';
import { installedSdkFacts } from './sdk.ts';
import { validateRegistry } from './validate.ts';

/** The embedded registry: every YAML file in the repository's registry/ folder. */
export const DEFAULT_REGISTRY = `${packageFile('registry')}${sep}`;

const USAGE = `usage: openai-error-registry <command> [options]

commands:
  validate   check the registry; print "valid" with counts, or every problem as file:line:col
  generate   validate, then write generated/ (--check: compare with disk instead)

options:
  --registry PATH   a registry file or folder (repeatable; default: the embedded registry/)
  --json            print diagnostics as JSON
  --out DIR         generate: output folder (default: generated/)
  --check           generate: exit 1 listing stale files instead of writing
  -h, --help        this text`;

/** Result of the shared load -> validate -> model stages. */
export type Checked =
  | { readonly ok: true; readonly registry: Registry; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Runs load, validate and model over the given paths; throws only RegistryInputError. */
export function checkRegistry(paths: readonly string[]): Checked {
  return checkLoaded(loadRegistry(paths));
}

/**
 * Runs validate and model over files already loaded (from disk, or from a git revision by diff).
 * Diagnostics of a `tolerated` rule do not stop the model (diff reads a registry whose new codes
 * are newer than its version, to report the bump it needs).
 */
export function checkLoaded(loaded: LoadResult, tolerated: ReadonlySet<string> = new Set()): Checked {
  const { view, diagnostics } = validateRegistry(loaded.files, installedSdkFacts());
  const all = sortDiagnostics([...loaded.diagnostics, ...diagnostics]);
  if (all.some((d) => !tolerated.has(d.code))) return { ok: false, diagnostics: all };
  return { ok: true, registry: buildModel(view, loaded.files), diagnostics: all };
}

/**
 * The one line printed for an error of the command's input or environment (exit 2): a
 * RegistryInputError's message, or the path and reason of a file-system error met while reading
 * the schema or the SDK; undefined for anything else, which is a bug and keeps its stack.
 */
function inputErrorLine(e: unknown): string | undefined {
  if (e instanceof RegistryInputError) return `openai-error-registry: ${e.message}`;
  const io = e as { code?: unknown; syscall?: unknown; path?: unknown; message?: unknown };
  if (e instanceof Error && typeof io.code === 'string' && typeof io.syscall === 'string') {
    const reason = e.message.split('\n')[0]?.replace(/, \w+( '.*')?$/, '') ?? io.code;
    return `openai-error-registry: cannot read ${typeof io.path === 'string' ? io.path : 'a file'}: ${reason}`;
  }
  return undefined;
}

/** Runs one command; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        registry: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        check: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, ...rest] = args.positionals;
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ((command !== 'validate' && command !== 'generate') || rest.length > 0) {
    process.stderr.write(`${command === undefined ? 'no command given' : `unknown command: ${[command, ...rest].join(' ')}`}\n${USAGE}\n`);
    return 2;
  }
  const paths = args.values.registry ?? [relative(process.cwd(), DEFAULT_REGISTRY) || '.'];

  let checked: Checked;
  try {
    checked = checkRegistry(paths);
  } catch (e) {
    const line = inputErrorLine(e);
    if (line === undefined) throw e;
    if (args.values.json) process.stdout.write(`${JSON.stringify({ ok: false, error: line })}
`);
    else process.stderr.write(`${line}
`);
    return 2;
  }
  if (!checked.ok) {
    if (args.values.json) {
      process.stdout.write(`${JSON.stringify(checked.diagnostics, null, 2)}\n`);
    } else {
      process.stderr.write(formatReport(checked.diagnostics));
    }
    return 1;
  }
  const r = checked.registry;
  if (command === 'validate' && args.values.json) {
    process.stdout.write('[]\n');
  } else if (!args.values.json) {
    process.stdout.write(
      `valid: ${r.sources.join(', ')} (registry ${r.version}, ${r.codes.length} codes, ${r.surfaces.length} surfaces, ${r.backoff.length} backoff profiles)\n`,
    );
  }
  if (command === 'generate') {
    const { generate } = await import('./generate.ts');
    try {
      return generate(r, { out: args.values.out, registry: args.values.registry, check: args.values.check, json: args.values.json });
    } catch (e) {
      // I/O: an output folder that is a file, a file that cannot be written, ...
      if (args.values.json) process.stdout.write(`${JSON.stringify({ ok: false, error: (e as Error).message })}\n`);
      else process.stderr.write(`openai-error-registry: ${(e as Error).message}\n`);
      return 2;
    }
  }
  return 0;
}
