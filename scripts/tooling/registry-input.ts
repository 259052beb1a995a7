/**
 * Reads a registry for `diff` from whatever the user names, into one normalized form: the shape of
 * a published registry.json (a registry file's shape with every fact resolved), without its
 * `$comment` and `contentHash`, so YAML, JSON and git inputs compare the same.
 *
 * - a published registry.json (or a folder holding one and no YAML): read as JSON, shape-checked
 *   here without ajv, so an installed package can compare two versions with nothing else installed;
 * - registry YAML files or folders: through the load -> validate -> model pipeline (yaml, ajv and
 *   openai, imported lazily by registry-yaml.ts);
 * - a git revision (`origin/main`, `HEAD~1`): the YAML files of `registry/` at that revision, read
 *   with `git ls-tree` and `git show` into the same pipeline.
 * Every problem is an InputError: one line naming the input and the problem.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Json, RegistryInput } from './diff.ts';
import { missingMessage, type OptionalPackage } from './optional-deps.ts';
import { InputError } from '../pipeline/errors.ts';
import type { NamedText } from '../pipeline/load.ts';


/** Largest registry.json read, in bytes (the published one is about 130 KiB). */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;

/** The registry folder a git revision is read from, relative to the repository's root. */
export const GIT_REGISTRY_DIR = 'registry';

/** What the load -> validate -> model pipeline needs. */
export const YAML_PIPELINE: readonly OptionalPackage[] = ['yaml', 'ajv', 'openai'];


const isYamlName = (n: string) => n.endsWith('.yaml') || n.endsWith('.yml');

type JsonObject = { readonly [key: string]: Json };
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The sections every registry.json has, and what each entry of a keyed section must hold. */
const SECTIONS: readonly string[] = ['sdkClasses', 'categories', 'hints', 'polling', 'defaults', 'fallbacks', 'backoff', 'surfaces', 'codes'];
const OUTCOME_FIELDS: readonly (readonly [string, 'string' | 'boolean'])[] = [
  ['class', 'string'],
  ['extends', 'string'],
  ['category', 'string'],
  ['retryable', 'boolean'],
];

/** The first reason `value` is not a registry.json of format 2; undefined when it is one. */
export function registryJsonProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  if (value['schemaVersion'] !== 2) {
    return value['schemaVersion'] === undefined ? 'not a registry (no schemaVersion)' : `registry format ${JSON.stringify(value['schemaVersion'])} is not supported (diff reads format 2)`;
  }
  if (typeof value['version'] !== 'string') return 'not a registry (no version)';
  for (const s of SECTIONS) if (!isObject(value[s])) return `not a published registry.json (no ${s} section; a registry file? give its folder or a .yaml path)`;
  for (const section of ['codes', 'fallbacks'] as const) {
    for (const [name, entry] of Object.entries(value[section] as JsonObject)) {
      if (!isObject(entry)) return `${section}.${name} is not an object`;
      for (const [field, type] of OUTCOME_FIELDS) if (typeof entry[field] !== type) return `${section}.${name}.${field} must be a ${type}`;
    }
  }
  return undefined;
}

/** Parses registry.json text; `source` names the input in errors. */
export function registryFromJson(source: string, text: string): RegistryInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: not JSON (${(e as Error).message})`);
  }
  const problem = registryJsonProblem(value);
  if (problem !== undefined) throw new InputError(`${source}: ${problem}`);
  const { $comment: _comment, contentHash: _hash, ...data } = value as JsonObject;
  return { source, data };
}

function readText(path: string, max: number): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size > max) throw new InputError(`${path}: file is ${size} bytes; the limit is ${max}`);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf.subarray(0, 8192).includes(0)) throw new InputError(`${path}: binary file, not a registry`);
  return buf.toString('utf8');
}

/** Whether text looks like JSON rather than YAML (its first non-blank character opens an object). */
const looksLikeJson = (path: string, text: string) => path.endsWith('.json') || /^\s*\{/.test(text);

/** The rule an under-bumped registry breaks, which diff reads past to say the bump it needs. */
const UNDER_BUMP: ReadonlySet<string> = new Set(['SINCE_AFTER_VERSION']);

async function fromYaml(source: string, files: readonly NamedText[]): Promise<RegistryInput> {
  const missing = missingMessage(`reading the YAML registry ${source}`, YAML_PIPELINE);
  if (missing !== undefined) throw new InputError(missing);
  const { registryDataFromYaml } = await import('./registry-yaml.ts');
  // A code newer than the version is what an under-bump looks like: diff reports it (exit 1).
  const result = registryDataFromYaml(files, UNDER_BUMP);
  if (!result.ok) {
    const n = result.problems.length;
    throw new InputError(`${source}: not a valid registry (${n} problem${n === 1 ? '' : 's'}; first: ${result.problems[0] ?? 'unknown'}; run validate for all)`);
  }
  return { source, data: result.data as JsonObject };
}

function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

/** Reads `registry/*.yaml` at a git revision; undefined when `rev` is not a revision of the repository here. */
function yamlAtRevision(rev: string): NamedText[] | undefined {
  // `--end-of-options` keeps a revision such as `--output=x` from being read as an option.
  if (rev.startsWith('-') || git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]) === undefined) return undefined;
  const listing = git(['ls-tree', '--name-only', '--full-tree', rev, `${GIT_REGISTRY_DIR}/`]);
  const names = (listing ?? '').split('\n').filter((n) => n !== '' && isYamlName(n)).sort();
  if (names.length === 0) throw new InputError(`${rev}: no ${GIT_REGISTRY_DIR}/*.yaml at this revision`);
  return names.map((name) => {
    const text = git(['show', `${rev}:${name}`]);
    if (text === undefined) throw new InputError(`${rev}:${name}: cannot read from git`);
    return { name: `${rev}:${name}`, text };
  });
}

/**
 * Reads a registry from a path (registry.json, a YAML file, a folder) or a git revision, in that
 * order: an existing path wins over a revision of the same name.
 */
export async function readRegistryInput(spec: string): Promise<RegistryInput> {
  if (spec === '') throw new InputError('an empty name is not a registry');
  let isDir: boolean | undefined;
  try {
    isDir = statSync(spec).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new InputError(`${spec}: cannot read (${code ?? (e as Error).message})`);
  }
  if (isDir === undefined) {
    const files = yamlAtRevision(spec);
    if (files === undefined) throw new InputError(`${spec}: no such file, folder or git revision`);
    return fromYaml(spec, files);
  }
  if (isDir) {
    let names: string[];
    try {
      names = readdirSync(spec).sort();
    } catch (e) {
      throw new InputError(`${spec}: cannot read folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const yaml = names.filter(isYamlName);
    if (yaml.length > 0) return fromYaml(spec, yaml.map((n) => ({ name: join(spec, n), text: readText(join(spec, n), MAX_JSON_BYTES) })));
    if (names.includes('registry.json')) return registryFromJson(join(spec, 'registry.json'), readText(join(spec, 'registry.json'), MAX_JSON_BYTES));
    throw new InputError(`${spec}: folder holds no .yaml files and no registry.json`);
  }
  const text = readText(spec, MAX_JSON_BYTES);
  return looksLikeJson(spec, text) ? registryFromJson(spec, text) : fromYaml(spec, [{ name: spec, text }]);
}
