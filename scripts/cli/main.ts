/**
 * The command line entry: `openai-error-registry <command>`, compiled to the command-line package
 * (packages/cli/dist/cli.js; its dependencies are yaml, ajv and ts-morph). It imports nothing
 * heavier than the runtime, so `--help`, `--version`, `ingest` and `diff` on JSON start fast; the
 * commands that read the user's openai (validate, generate, sync, ingest --registry) check for it
 * first and say in one line what to install. validate and generate keep their own code path (cli.ts).
 *
 * Exit codes: 0 fine, 1 findings (invalid registry, under-bumped version, SDK codes missing,
 * unknown codes in logs), 2 usage or input problems. With --json every outcome, errors included,
 * is one JSON document on standard output; all output ends with a newline.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { REGISTRY_VERSION } from '../../generated/registry.ts';
import { InputError } from '../pipeline/errors.ts';
import { fail, processOutput, type Output } from './output.ts';
import { missingMessage, type OptionalPackage } from '../tooling/optional-deps.ts';
import { packageFile } from '../pipeline/package-files.ts';

/** A command: what it does, its arguments and options, and the tool chain it needs. */
export interface CommandSpec {
  readonly args: string;
  readonly summary: string;
  readonly options: readonly OptionName[];
  /** How many positionals it takes: [min, max]. */
  readonly positionals: readonly [number, number];
  readonly needs: readonly OptionalPackage[];
}

const OPTIONS = {
  registry: { type: 'string', multiple: true, help: '--registry PATH   validate, generate, ingest: a registry file or folder (repeatable); sync: a registry file, folder, registry.json or git revision' },
  json: { type: 'boolean', help: '--json            print the result (and any error) as JSON' },
  out: { type: 'string', help: '--out DIR         generate: output folder (default: generated/)' },
  check: { type: 'boolean', help: '--check           generate: exit 1 listing stale files instead of writing' },
  python: { type: 'string', help: '--python DIR      sync: also check an installed openai-python package (the folder holding types/)' },
  sdk: { type: 'string', help: '--sdk NAME        sync: the npm package to read (default: openai; an npm alias works)' },
  help: { type: 'boolean', short: 'h', help: '-h, --help        this text' },
  version: { type: 'boolean', short: 'v', help: '-v, --version     the package and registry versions' },
} as const;
type OptionName = keyof typeof OPTIONS;

const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  validate: { args: '', summary: 'check the registry; print "valid" with counts, or every problem as file:line:col', options: ['registry', 'json'], positionals: [0, 0], needs: ['yaml', 'ajv', 'openai'] },
  generate: { args: '', summary: 'validate, then write generated/ (--check: compare with disk instead)', options: ['registry', 'json', 'out', 'check'], positionals: [0, 0], needs: ['yaml', 'ajv', 'openai', 'ts-morph'] },
  diff: {
    args: 'OLD NEW',
    summary: 'added, removed and changed codes between two registries (registry.json, YAML file or folder, git revision) and the semver bump they require; exit 1 when NEW.version is bumped too little',
    options: ['json'],
    positionals: [2, 2],
    needs: [],
  },
  sync: {
    args: '',
    summary: "compare the registry with the installed openai SDK's failure codes and statuses; exit 1 when the SDK knows one the registry lacks",
    options: ['registry', 'json', 'python', 'sdk'],
    positionals: [0, 0],
    needs: ['ts-morph', 'openai'],
  },
  ingest: {
    args: 'FILE...',
    summary: 'read JSON Lines of failed objects, stream events, batch lines or toJSON() records (- for standard input); report codes the registry does not know, with YAML stubs; exit 1 when it found any',
    options: ['registry', 'json'],
    positionals: [1, Number.POSITIVE_INFINITY],
    needs: [],
  },
};

/** The package's version, from its package.json. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The --help text. */
export function usage(): string {
  const width = Math.max(...Object.entries(COMMANDS).map(([n, c]) => `${n} ${c.args}`.trim().length));
  const commands = Object.entries(COMMANDS).map(([n, c]) => `  ${`${n} ${c.args}`.trim().padEnd(width)}  ${c.summary}`);
  const options = Object.values(OPTIONS).map((o) => `  ${o.help}`);
  return [
    'usage: openai-error-registry <command> [options]',
    '',
    'commands:',
    ...commands,
    '',
    'options:',
    ...options,
    '',
    'exit codes: 0 fine, 1 findings, 2 usage or input error.',
    'validate, generate, sync, diff on YAML and ingest --registry read the installed openai.',
  ].join('\n');
}


function parseFailure(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(err.message ?? '')?.[1] ?? '';
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${quoted}; see openai-error-registry --help`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `option ${quoted.split(' ')[0] ?? ''} needs a value`;
  return `${err.message ?? String(e)}`.split('\n')[0] ?? 'bad arguments';
}

/** A command line, understood: `help` / `version`, a command with its arguments, or the one-line problem with it. */
export type CommandLine =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'command'; readonly command: string; readonly spec: CommandSpec; readonly rest: readonly string[]; readonly values: Partial<Record<OptionName, string | boolean | string[]>> }
  | { readonly kind: 'error'; readonly message: string };

/** Parses and checks a command line without running anything (the workflow test uses it too). */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(Object.entries(OPTIONS).map(([k, v]) => [k, { type: v.type, ...('multiple' in v ? { multiple: v.multiple } : {}), ...('short' in v ? { short: v.short } : {}) }])) as Record<OptionName, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>,
    });
  } catch (e) {
    return { kind: 'error', message: parseFailure(e) };
  }
  const values = parsed.values as Partial<Record<OptionName, string | boolean | string[]>>;
  const [command, ...rest] = parsed.positionals;
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  if (command === undefined) return { kind: 'error', message: 'no command given; see openai-error-registry --help' };
  const spec = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (spec === undefined) return { kind: 'error', message: `unknown command ${command}; see openai-error-registry --help` };
  const stray = (Object.keys(values) as OptionName[]).filter((k) => !spec.options.includes(k));
  if (stray.length > 0) return { kind: 'error', message: `option --${stray[0]} does not apply to ${command}` };
  const [min, max] = spec.positionals;
  if (rest.length < min || rest.length > max) {
    return { kind: 'error', message: max === 0 ? `${command} takes no arguments (got ${rest.join(' ')})` : `${command} needs ${spec.args}` };
  }
  return { kind: 'command', command, spec, rest, values };
}

/** Runs one command line; returns the exit code. Never throws for bad input. */
export async function main(argv: readonly string[], output?: Output): Promise<number> {
  const o = output ?? processOutput(argv.includes('--json'));
  const line = parseCommandLine(argv);
  if (line.kind === 'error') return fail(o, line.message);
  if (line.kind === 'help') {
    o.out(usage());
    return 0;
  }
  if (line.kind === 'version') {
    const version = packageVersion();
    o.out(o.json ? JSON.stringify({ ok: true, version, registry: REGISTRY_VERSION }) : `openai-error-registry ${version} (registry ${REGISTRY_VERSION})`);
    return 0;
  }
  const { command, spec, rest, values } = line;
  const missing = missingMessage(command, spec.needs);
  if (missing !== undefined) return fail(o, missing);

  try {
    switch (command) {
      case 'validate':
      case 'generate': {
        const { runValidateGenerate } = await import('./validate-generate.ts');
        return await runValidateGenerate(o, command, { registry: values.registry as string[] | undefined, out: values.out as string | undefined, check: values.check === true });
      }
      case 'diff': {
        const { runDiff } = await import('./diff.ts');
        return await runDiff(o, rest[0] ?? '', rest[1] ?? '');
      }
      case 'ingest': {
        const { runIngest } = await import('./ingest.ts');
        const paths = values.registry as string[] | undefined;
        if (paths === undefined) return await runIngest(o, rest);
        // A registry of the user's own is read as validate reads it: that needs the YAML tool chain.
        const needs = missingMessage('ingest --registry', ['yaml', 'ajv', 'openai']);
        if (needs !== undefined) return fail(o, needs);
        const { ingestRegistryFrom } = await import('../tooling/registry-yaml.ts');
        return await runIngest(o, rest, ingestRegistryFrom(paths));
      }
      case 'sync': {
        const { runSync } = await import('./sync.ts');
        return await runSync(o, { registry: values.registry as string[] | undefined, python: values.python as string | undefined, sdk: values.sdk as string | undefined });
      }
    }
  } catch (e) {
    if (e instanceof InputError) return fail(o, e.message);
    const code = (e as NodeJS.ErrnoException).code;
    // An I/O failure the command did not name (EPIPE, EACCES, ...): still one line.
    if (typeof code === 'string') return fail(o, `${command}: ${(e as Error).message}`);
    throw e;
  }
  return fail(o, `unknown command ${command}`);
}
