/**
 * Stage 2, validate: loaded files -> diagnostics. First the JSON Schema (the same file editors
 * use), then the named semantic rules below, over all files together. Every problem is collected;
 * nothing here throws for bad content.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic, DiagnosticCode } from './diagnostics.ts';
import { JAVASCRIPT_GLOBALS } from './js-globals.ts';
import { positionOf, type LoadedFile, type YamlPath } from './load.ts';
import type { SdkFacts } from './sdk.ts';
import type {
  BackoffProfileDef,
  CodeDef,
  DefaultsDef,
  RegistryFileDef,
  SurfaceDef,
} from './types.ts';

/** Where the registry file schema lives in this repository. */
export const REGISTRY_SCHEMA_PATH = fileURLToPath(new URL('../registry/registry.schema.json', import.meta.url));

/** A value together with the file and path it came from, so rules can point at it. */
export interface Located<T> {
  readonly value: T;
  readonly file: LoadedFile;
  readonly path: YamlPath;
}

/** All files merged: each top-level section once, codes and profiles keyed by name. */
export interface RegistryView {
  /** The files that passed the schema, in load order. */
  readonly files: readonly LoadedFile[];
  readonly schemaVersion: Located<1> | undefined;
  readonly version: Located<string> | undefined;
  readonly defaults: Located<DefaultsDef> | undefined;
  readonly backoff: ReadonlyMap<string, Located<BackoffProfileDef>>;
  readonly surfaces: ReadonlyMap<string, Located<SurfaceDef>>;
  readonly codes: ReadonlyMap<string, Located<CodeDef>>;
}

type Report = (at: Located<unknown>, sub: YamlPath, code: DiagnosticCode, message: string, hint?: string, onKey?: boolean) => void;

interface Rule {
  /** The rule as a plain sentence: also its test name. */
  readonly sentence: string;
  readonly check: (view: RegistryView, sdk: SdkFacts, report: Report) => void;
}

let compiled: ValidateFunction | undefined;

/** The registry file schema compiled once with ajv (2020-12, strict, all errors: the CLI is trusted). */
function schemaValidator(): ValidateFunction {
  if (compiled) return compiled;
  const require = createRequire(import.meta.url);
  const Ajv2020 = require('ajv/dist/2020').default as typeof import('ajv/dist/2020.js').default;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  compiled = ajv.compile(inlineLocalRefs(JSON.parse(readFileSync(REGISTRY_SCHEMA_PATH, 'utf8')) as object));
  return compiled;
}

/**
 * The schema with every `#/$defs/...` reference replaced by the definition itself (beside the
 * reference's own keywords, through `allOf`). ajv compiles a reference to a separate function
 * whose errors it appends with `vErrors.concat(...)`, copying every earlier error: with all
 * errors collected, n bad codes cost n^2 (60,000 codes took over a minute). Inlined, each error
 * is pushed once. A reference back into a definition being inlined (a cycle) stays a reference.
 */
function inlineLocalRefs(schema: object): object {
  const root = schema as { $defs?: Record<string, unknown> };
  const inline = (node: unknown, open: ReadonlySet<string>): unknown => {
    if (Array.isArray(node)) return node.map((n) => inline(n, open));
    if (node === null || typeof node !== 'object') return node;
    const { $ref, ...rest } = node as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) out[k] = k === '$defs' ? v : inline(v, open);
    const name = typeof $ref === 'string' && $ref.startsWith('#/$defs/') ? $ref.slice('#/$defs/'.length) : undefined;
    if ($ref === undefined) return out;
    if (name === undefined || open.has(name) || root.$defs?.[name] === undefined) return { ...out, $ref };
    const target = inline(root.$defs[name], new Set([...open, name]));
    return { ...out, allOf: [...((out['allOf'] as unknown[] | undefined) ?? []), target] };
  };
  return inline(schema, new Set()) as object;
}

/** Validates loaded files; returns the merged view (for the model stage) and every diagnostic. */
export function validateRegistry(
  files: readonly LoadedFile[],
  sdk: SdkFacts,
): { view: RegistryView; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (at, sub, code, message, hint, onKey = false) => {
    const { line, col } = positionOf(at.file, [...at.path, ...sub], onKey);
    diagnostics.push(hint === undefined
      ? { code, message, file: at.file.file, line, col }
      : { code, message, file: at.file.file, line, col, hint });
  };

  const valid: LoadedFile[] = [];
  const validate = schemaValidator();
  for (const f of files) {
    if (f.value === undefined) continue;
    if (validate(f.value)) {
      valid.push(f);
    } else {
      for (const e of validate.errors ?? []) diagnostics.push(schemaDiagnostic(f, e));
    }
  }
  const view = mergeFiles(valid, report);
  // Semantic rules need every file to be well-formed: a half-read registry gives false alarms.
  if (diagnostics.length === 0 && valid.length === files.length) {
    for (const rule of Object.values(RULES)) rule.check(view, sdk, report);
  }
  return { view, diagnostics };
}

function mergeFiles(files: readonly LoadedFile[], report: Report): RegistryView {
  let schemaVersion: Located<1> | undefined;
  let version: Located<string> | undefined;
  let defaults: Located<DefaultsDef> | undefined;
  const backoff = new Map<string, Located<BackoffProfileDef>>();
  const surfaces = new Map<string, Located<SurfaceDef>>();
  const codes = new Map<string, Located<CodeDef>>();

  const once = <T>(prev: Located<T> | undefined, next: Located<T>, name: string): Located<T> => {
    if (prev !== undefined) {
      report(next, [], 'SECTION_REPEATED', `${name} is already set in ${prev.file.file}`, 'keep each top-level section in one file');
      return prev;
    }
    return next;
  };
  const keyed = <T>(into: Map<string, Located<T>>, file: LoadedFile, section: string, entries: Record<string, T> | undefined) => {
    if (entries === undefined) return;
    for (const key of Object.keys(entries)) {
      const at: Located<T> = { value: entries[key] as T, file, path: [section, key] };
      const prev = into.get(key);
      if (prev !== undefined) {
        const where = positionOf(prev.file, prev.path, true);
        report(at, [], 'CODE_DUPLICATE', `${section}.${key} is already defined at ${prev.file.file}:${where.line}:${where.col}`, undefined, true);
      } else {
        into.set(key, at);
      }
    }
  };

  for (const file of files) {
    const v = file.value as RegistryFileDef;
    if (v.schemaVersion !== undefined) schemaVersion = once(schemaVersion, { value: v.schemaVersion, file, path: ['schemaVersion'] }, 'schemaVersion');
    if (v.version !== undefined) version = once(version, { value: v.version, file, path: ['version'] }, 'version');
    if (v.defaults !== undefined) defaults = once(defaults, { value: v.defaults, file, path: ['defaults'] }, 'defaults');
    keyed(backoff, file, 'backoff', v.backoff);
    keyed(surfaces, file, 'surfaces', v.surfaces);
    keyed(codes, file, 'codes', v.codes);
  }
  return { files, schemaVersion, version, defaults, backoff, surfaces, codes };
}

function schemaDiagnostic(f: LoadedFile, e: ErrorObject): Diagnostic {
  const path: (string | number)[] = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let key = false;
  let subject = e.instancePath === '' ? 'the file' : e.instancePath.slice(1).replace(/\//g, '.');
  let message = e.message ?? e.keyword;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    path.push(String(params['additionalProperty']));
    key = true;
    message = `unknown property ${String(params['additionalProperty'])}`;
  } else if (e.keyword === 'propertyNames') {
    path.push(String(params['propertyName']));
    key = true;
    message = `key ${JSON.stringify(params['propertyName'])} is not a valid name`;
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(params['allowedValues'] as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
  }
  const { line, col } = positionOf(f, path, key);
  return { code: 'SCHEMA', message: `${subject} ${message}`, file: f.file, line, col };
}

/** Words that cannot name a class, and globals a generated class must not shadow. */
const RESERVED = new Set([
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await any boolean constructor declare get module require number set string symbol type from of'.split(' '),
  ...JAVASCRIPT_GLOBALS,
  // names the hand-written runtime exports; generated classes share its namespace
  ...'OpenAIFailure RetryBudget PollTimeoutError'.split(' '),
]);

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Each class a registry defines, where it is defined, and its SDK base. */
function* classDefinitions(view: RegistryView): Generator<{ at: Located<unknown>; name: string; base: string | undefined }> {
  if (view.defaults) yield { at: view.defaults, name: view.defaults.value.class, base: view.defaults.value.extends };
  for (const at of view.codes.values()) {
    yield { at, name: at.value.class, base: at.value.extends };
    for (const [i, r] of (at.value.refinements ?? []).entries()) {
      if (r.class !== undefined) yield { at: { ...at, path: [...at.path, 'refinements', i] }, name: r.class, base: r.extends };
    }
  }
}

/** Every backoff reference and where it is made. */
function* backoffReferences(view: RegistryView): Generator<{ at: Located<unknown>; name: string }> {
  if (view.defaults) {
    yield { at: { ...view.defaults, path: ['defaults', 'backoff'] }, name: view.defaults.value.backoff };
    for (const [i, s] of view.defaults.value.retryableStatuses.entries()) {
      yield { at: { ...view.defaults, path: ['defaults', 'retryableStatuses', i, 'backoff'] }, name: s.backoff };
    }
  }
  for (const at of view.codes.values()) {
    if (at.value.backoff !== undefined) yield { at: { ...at, path: [...at.path, 'backoff'] }, name: at.value.backoff };
    for (const [i, r] of (at.value.refinements ?? []).entries()) {
      if (r.backoff !== undefined) yield { at: { ...at, path: [...at.path, 'refinements', i, 'backoff'] }, name: r.backoff };
    }
  }
}

/** The semantic rules, keyed by diagnostic code. */
export const RULES: Readonly<Partial<Record<DiagnosticCode, Rule>>> = {
  SECTION_MISSING: {
    sentence: 'the registry sets schemaVersion, version and defaults, and defines at least one code',
    check(view, _sdk, report) {
      const first = view.files[0];
      if (first === undefined) return;
      for (const [name, at] of [['schemaVersion', view.schemaVersion], ['version', view.version], ['defaults', view.defaults]] as const) {
        if (at === undefined) report({ value: undefined, file: first, path: [] }, [], 'SECTION_MISSING', `no file sets ${name}`);
      }
      if (view.codes.size === 0) {
        // At an empty codes: section when there is one, else at the top of the first file.
        const withSection = view.files.find((f) => Object.hasOwn(f.value as object, 'codes'));
        const at = withSection === undefined ? { value: undefined, file: first, path: [] } : { value: undefined, file: withSection, path: ['codes'] };
        report(at, [], 'SECTION_MISSING', 'no file defines a code', 'a registry maps at least one code', withSection !== undefined);
      }
    },
  },
  CLASS_NAME_INVALID: {
    sentence: 'class names end in Error',
    check(view, _sdk, report) {
      for (const d of classDefinitions(view)) {
        if (!d.name.endsWith('Error')) report(d.at, ['class'], 'CLASS_NAME_INVALID', `class ${d.name} must end in Error`);
      }
    },
  },
  CLASS_NAME_RESERVED: {
    sentence: 'class names are not reserved words or globals',
    check(view, _sdk, report) {
      for (const d of classDefinitions(view)) {
        if (RESERVED.has(d.name)) report(d.at, ['class'], 'CLASS_NAME_RESERVED', `class ${d.name} is a reserved word or global name`);
      }
    },
  },
  CLASS_NAME_DUPLICATE: {
    sentence: 'class names are unique',
    check(view, _sdk, report) {
      const seen = new Map<string, Located<unknown>>();
      for (const d of classDefinitions(view)) {
        const prev = seen.get(d.name);
        if (prev) {
          const where = positionOf(prev.file, [...prev.path, 'class']);
          report(d.at, ['class'], 'CLASS_NAME_DUPLICATE', `class ${d.name} is already defined at ${prev.file.file}:${where.line}:${where.col}`);
        } else {
          seen.set(d.name, d.at);
        }
      }
    },
  },
  CLASS_NAME_CLASHES_SDK: {
    sentence: 'class names do not clash with openai exports',
    check(view, sdk, report) {
      for (const d of classDefinitions(view)) {
        if (sdk.exports.has(d.name)) report(d.at, ['class'], 'CLASS_NAME_CLASHES_SDK', `class ${d.name} is also exported by openai`, 'name the class for what happened, e.g. ServerErrorFailure');
      }
    },
  },
  SDK_BASE_UNKNOWN: {
    sentence: "each SDK base is an HTTP error class in openai's error module",
    check(view, sdk, report) {
      for (const d of classDefinitions(view)) {
        if (d.base !== undefined && !sdk.bases.has(d.base)) {
          report(d.at, ['extends'], 'SDK_BASE_UNKNOWN', `${d.base} is not an HTTP error class of openai/core/error`, `one of: ${[...sdk.bases].sort().join(', ')}`);
        }
      }
    },
  },
  BACKOFF_UNKNOWN: {
    sentence: 'every backoff profile referenced exists',
    check(view, _sdk, report) {
      for (const r of backoffReferences(view)) {
        if (!view.backoff.has(r.name)) report(r.at, [], 'BACKOFF_UNKNOWN', `backoff profile ${r.name} is not defined`, `defined: ${[...view.backoff.keys()].sort().join(', ')}`);
      }
    },
  },
  BACKOFF_RANGE: {
    sentence: 'a backoff profile has maxMs >= initialMs',
    check(view, _sdk, report) {
      for (const [name, at] of view.backoff) {
        if (at.value.maxMs < at.value.initialMs) {
          report(at, ['maxMs'], 'BACKOFF_RANGE', `backoff.${name}.maxMs (${at.value.maxMs}) must be >= initialMs (${at.value.initialMs})`);
        }
      }
    },
  },
  BACKOFF_MULTIPLIER: {
    sentence: 'a backoff profile has multiplier >= 1',
    check(view, _sdk, report) {
      for (const [name, at] of view.backoff) {
        if (!(at.value.multiplier >= 1)) {
          report(at, ['multiplier'], 'BACKOFF_MULTIPLIER', `backoff.${name}.multiplier (${at.value.multiplier}) must be >= 1`);
        }
      }
    },
  },
  SURFACE_UNKNOWN: {
    sentence: 'every surface referenced exists',
    check(view, _sdk, report) {
      for (const at of view.codes.values()) {
        for (const [i, s] of at.value.surfaces.entries()) {
          if (!view.surfaces.has(s)) report(at, ['surfaces', i], 'SURFACE_UNKNOWN', `surface ${s} is not defined`, `defined: ${[...view.surfaces.keys()].sort().join(', ')}`);
        }
      }
    },
  },
  SINCE_AFTER_VERSION: {
    sentence: 'since is not newer than the registry version',
    check(view, _sdk, report) {
      const version = view.version?.value;
      if (version === undefined) return;
      for (const [code, at] of view.codes) {
        if (compareVersions(at.value.since, version) > 0) {
          report(at, ['since'], 'SINCE_AFTER_VERSION', `codes.${code}.since (${at.value.since}) is newer than version (${version})`, 'raise version when adding a code');
        }
      }
    },
  },
  REFINEMENT_TARGET_UNKNOWN: {
    sentence: 'a refinement treats a failure only as a code the registry defines',
    check(view, _sdk, report) {
      for (const [code, at] of view.codes) {
        for (const [i, r] of (at.value.refinements ?? []).entries()) {
          if (r.as !== undefined && (!view.codes.has(r.as) || r.as === code)) {
            report(at, ['refinements', i, 'as'], 'REFINEMENT_TARGET_UNKNOWN', `refinement target ${r.as} is not another code of the registry`);
          }
        }
      }
    },
  },
  EVIDENCE_MISSING: {
    sentence: 'every code has evidence',
    check(view, _sdk, report) {
      for (const [code, at] of view.codes) {
        if (at.value.evidence.length === 0) report(at, ['evidence'], 'EVIDENCE_MISSING', `codes.${code} has no evidence`, 'add { url, note }: where the code was seen and why its retryability is what it is');
      }
    },
  },
  EVIDENCE_URL_NOT_HTTPS: {
    sentence: 'every evidence URL is https',
    check(view, _sdk, report) {
      for (const at of view.codes.values()) {
        for (const [i, e] of at.value.evidence.entries()) {
          let ok = false;
          try {
            const u = new URL(e.url);
            ok = u.protocol === 'https:' && u.hostname.includes('.');
          } catch {
            ok = false;
          }
          if (!ok) report(at, ['evidence', i, 'url'], 'EVIDENCE_URL_NOT_HTTPS', `evidence URL ${JSON.stringify(e.url)} is not an https URL`);
        }
      }
    },
  },
};
