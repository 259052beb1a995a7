/**
 * Reads the failure vocabularies of an installed openai-python package (its `types/` tree of
 * Stainless-generated pydantic models) through the same `sdk:` references the surfaces give for
 * openai-node, so one registry entry serves both SDKs.
 *
 * The mapping rule, from a reference `resources/<dir>/<file>.d.ts#<Top>[.<Nested>...].<field>`:
 * - module: `types/<dir>/<snake(Top)>.py`, where <dir> has `-` turned into `_`; when that file is
 *   absent, the same file name one folder up, and so on up to `types/` (openai-python puts `Run`
 *   in `types/beta/threads/run.py` where openai-node has `resources/beta/threads/runs/runs.d.ts`);
 * - class: the last name before the field (`ResponseError.code` -> `class ResponseError`,
 *   `Response.IncompleteDetails.reason` -> `class IncompleteDetails` in response.py: Stainless
 *   writes nested types as module-level classes);
 * - field: its annotation's `Literal[...]` strings, wherever they sit (`Optional[Literal[...]]`,
 *   `Union[Literal[...], str]`); an annotation that names a type alias is followed to that alias,
 *   in the same module or in the module named after it beside it;
 * - a single name (`ResponseStatus`) is a type alias: `ResponseStatus: TypeAlias = Literal[...]`
 *   in `types/<dir>/<snake(name)>.py`.
 * A reference the rule cannot place is reported as such (not fatal: the layouts differ).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Vocabulary } from './sdk-vocabulary.ts';

/** What one vocabulary holds in the Python SDK, and where the rule looked. */
export interface PythonReading extends Vocabulary {
  /** The module the rule chose (relative to the package folder); undefined when none exists. */
  readonly module: string | undefined;
  /** The string literals, sorted; undefined when the rule found no Literal for the reference. */
  readonly values: readonly string[] | undefined;
}

/** `ResponseError` -> `response_error`, `FineTuningJob` -> `fine_tuning_job`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Candidate modules for a reference, deepest folder first. */
export function candidateModules(file: string, top: string): string[] {
  const dirs = file.replace(/^resources\//, '').split('/').slice(0, -1).map((d) => d.replace(/-/g, '_'));
  const out: string[] = [];
  for (let n = dirs.length; n >= 0; n--) out.push(['types', ...dirs.slice(0, n), `${snakeCase(top)}.py`].join('/'));
  return out;
}

/** The text of `class Name(...):` up to the next line that is not indented (its body). */
function classBody(source: string, name: string): string | undefined {
  const start = new RegExp(`^class ${name}\\b[^\\n]*:\\s*$`, 'm').exec(source);
  if (start === null) return undefined;
  const rest = source.slice(start.index + start[0].length);
  const end = /\n(?=\S)/.exec(rest);
  return end === null ? rest : rest.slice(0, end.index);
}

/** The annotation of `name:` (or `name: T = ...` / an alias `name: TypeAlias = ...`), across lines until brackets balance. */
function annotation(text: string, name: string, indent: string): string | undefined {
  const m = new RegExp(`^${indent}${name}\\s*(?::|=)`, 'm').exec(text);
  if (m === null) return undefined;
  let depth = 0;
  let i = m.index + m[0].length;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === '\n' && depth <= 0) break;
  }
  return text.slice(m.index + m[0].length, i);
}

/** Every quoted string inside a `Literal[...]` of an annotation. */
function literalStrings(annotationText: string): string[] {
  const out: string[] = [];
  for (let at = annotationText.indexOf('Literal['); at !== -1; at = annotationText.indexOf('Literal[', at + 1)) {
    let depth = 0;
    let end = at + 'Literal'.length;
    for (; end < annotationText.length; end++) {
      if (annotationText[end] === '[') depth++;
      else if (annotationText[end] === ']' && --depth === 0) break;
    }
    const inner = annotationText.slice(at + 'Literal['.length, end);
    for (const s of inner.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g)) out.push(s[1] ?? s[2] ?? '');
  }
  return [...new Set(out)].sort();
}

/** The alias an annotation names, when it is one bare identifier (`Optional[ResponseStatus]` counts). */
function aliasName(annotationText: string): string | undefined {
  const inner = annotationText.split('=')[0]?.trim().replace(/^Optional\[(.*)\]$/s, '$1').trim() ?? '';
  return /^[A-Z][A-Za-z0-9_]*$/.test(inner) ? inner : undefined;
}

function readModule(root: string, module: string): string | undefined {
  const path = join(root, module);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The Literal strings an annotation holds, following one alias. */
function valuesOf(root: string, module: string, source: string, annotationText: string): string[] | undefined {
  const direct = literalStrings(annotationText);
  if (direct.length > 0) return direct;
  const alias = aliasName(annotationText);
  if (alias === undefined) return undefined;
  const here = annotation(source, alias, '');
  if (here !== undefined && literalStrings(here).length > 0) return literalStrings(here);
  const beside = module.replace(/[^/]+\.py$/, `${snakeCase(alias)}.py`);
  const other = readModule(root, beside);
  const there = other === undefined ? undefined : annotation(other, alias, '');
  return there === undefined ? undefined : literalStrings(there).length > 0 ? literalStrings(there) : undefined;
}

/** Reads one vocabulary from the package folder `root` (the folder holding `types/`). */
export function readPythonVocabulary(root: string, v: Vocabulary): PythonReading {
  const parts = v.path.split('.');
  const top = parts[0] ?? '';
  const module = candidateModules(v.file, top).find((m) => existsSync(join(root, m)));
  if (module === undefined) return { ...v, module, values: undefined };
  const source = readModule(root, module) ?? '';
  let text: string | undefined;
  if (parts.length === 1) {
    text = annotation(source, top, '');
  } else {
    const field = parts[parts.length - 1] ?? '';
    const cls = parts[parts.length - 2] ?? '';
    const body = classBody(source, cls);
    text = body === undefined ? undefined : annotation(body, field, '[ \\t]+');
  }
  return { ...v, module, values: text === undefined ? undefined : valuesOf(root, module, source, text) };
}

/** Checks that `dir` is an openai-python package folder (it holds `types/`); returns a problem or undefined. */
export function pythonPackageProblem(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `${dir}: not a folder`;
  } catch {
    return `${dir}: no such folder`;
  }
  try {
    if (!statSync(join(dir, 'types')).isDirectory()) return `${dir}: types is not a folder`;
  } catch {
    return `${dir}: no types/ folder here (give the installed openai package's folder, e.g. .../site-packages/openai)`;
  }
  return undefined;
}
