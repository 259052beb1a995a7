/**
 * Stage 2, validate: loaded files -> diagnostics. First the JSON Schema (the same file editors
 * use), then the named semantic rules below, over all files together. Every problem is collected;
 * nothing here throws for bad content.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.ts';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic, DiagnosticCode, RuleCode } from './diagnostics.ts';
import { JAVASCRIPT_GLOBALS } from './js-globals.ts';
import { positionOf, type LoadedFile, type YamlPath } from './load.ts';
import type { SdkFacts } from './sdk.ts';
import { NO_BACKOFF, type Located, type RegistryView } from './view.ts';
import type {
  BackoffProfile as BackoffProfileDef,
  Category as CategoryDef,
  Code as CodeDef,
  Defaults as DefaultsDef,
  Fallback as FallbackDef,
  Hints as HintsDef,
  Polling as PollingDef,
  RegistryFile as RegistryFileDef,
  SdkClass as SdkClassDef,
  Surface as SurfaceDef,
} from './registry-file.generated.ts';
import { STATUS_KINDS } from '../../src/spec.ts';

/** Where the registry file schema lives in this repository. */
export const REGISTRY_SCHEMA_PATH = packageFile('registry/registry.schema.json');

type Report = (at: Located<unknown>, sub: YamlPath, code: DiagnosticCode, message: string, hint?: string, onKey?: boolean) => void;

/** A top-level section of a registry file. */
type Section = keyof RegistryFileDef;

interface Rule {
  /** The rule as a plain sentence: also its test name. */
  readonly sentence: string;
  /**
   * Sections the rule looks names up in (or requires to be present). It runs only when each of
   * them is whole: an entry the schema rejected is left out of the view, and a lookup that misses
   * it would report a problem that is not there. Entries the rule merely visits need not be whole.
   */
  readonly resolves?: readonly Section[];
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

  // Every file contributes the parts that passed the schema, so the semantic rules report the
  // problems independent of the schema's in the same run.
  const parts: LoadedFile[] = [];
  const incomplete = new Set<Section>();
  const validate = schemaValidator();
  for (const f of files) {
    if (f.value === undefined) {
      for (const section of SECTIONS) incomplete.add(section);
      continue;
    }
    if (validate(f.value)) {
      parts.push(f);
      continue;
    }
    const errors = validate.errors ?? [];
    for (const e of errors) diagnostics.push(schemaDiagnostic(f, e));
    const kept = withoutRejected(f.value, errors, incomplete);
    if (kept !== undefined) parts.push({ ...f, value: kept });
  }
  const view = mergeFiles(parts, report);
  for (const rule of Object.values(RULES)) {
    if (!(rule.resolves ?? []).some((section) => incomplete.has(section))) rule.check(view, sdk, report);
  }
  return { view, diagnostics };
}

/** Every top-level section, in the schema's order. */
const SECTIONS = ['schemaVersion', 'version', 'sdkClasses', 'categories', 'hints', 'polling', 'defaults', 'fallbacks', 'backoff', 'surfaces', 'codes'] as const satisfies readonly Section[];
const KEYED: ReadonlySet<string> = new Set<Section>(['sdkClasses', 'categories', 'fallbacks', 'backoff', 'surfaces', 'codes']);

/**
 * A file's value without the parts the schema rejected: the whole entry of a keyed section
 * (`codes.foo`), the whole of any other section, an unknown top-level key. The sections that lost
 * something are added to `incomplete`. Undefined when the file is not a mapping at all.
 */
function withoutRejected(value: unknown, errors: readonly ErrorObject[], incomplete: Set<Section>): object | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    for (const section of SECTIONS) incomplete.add(section);
    return undefined;
  }
  const file = value as Record<string, unknown>;
  const dropped = new Set<string>();
  const droppedEntries = new Map<string, Set<string>>();
  for (const e of errors) {
    const [section, key] = e.instancePath.split('/').slice(1).map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'));
    const params = e.params as Record<string, unknown>;
    if (section === undefined) {
      // At the top: an unknown section is dropped; nothing else is rejected there (no section is required).
      if (e.keyword === 'additionalProperties') dropped.add(String(params['additionalProperty']));
      continue;
    }
    incomplete.add(section as Section);
    const entry = key ?? (e.keyword === 'propertyNames' ? String(params['propertyName']) : undefined);
    const entries = file[section];
    if (KEYED.has(section) && entry !== undefined && entries !== null && typeof entries === 'object' && !Array.isArray(entries)) {
      let keys = droppedEntries.get(section);
      if (keys === undefined) droppedEntries.set(section, (keys = new Set()));
      keys.add(entry);
    } else {
      dropped.add(section);
    }
  }
  // Rebuilt with fromEntries (own data properties), so a key named __proto__ stays a plain key.
  const kept = (entries: Record<string, unknown>, keys: ReadonlySet<string>) => Object.fromEntries(Object.entries(entries).filter(([k]) => !keys.has(k)));
  return Object.fromEntries(
    Object.entries(file)
      .filter(([section]) => !dropped.has(section))
      .map(([section, entries]) => {
        const keys = droppedEntries.get(section);
        return [section, keys === undefined ? entries : kept(entries as Record<string, unknown>, keys)];
      }),
  );
}

function mergeFiles(files: readonly LoadedFile[], report: Report): RegistryView {
  let schemaVersion: Located<2> | undefined;
  let version: Located<string> | undefined;
  let hints: Located<HintsDef> | undefined;
  let polling: Located<PollingDef> | undefined;
  let defaults: Located<DefaultsDef> | undefined;
  const sdkClasses = new Map<string, Located<SdkClassDef>>();
  const categories = new Map<string, Located<CategoryDef>>();
  const fallbacks = new Map<string, Located<FallbackDef>>();
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
    if (v.hints !== undefined) hints = once(hints, { value: v.hints, file, path: ['hints'] }, 'hints');
    if (v.polling !== undefined) polling = once(polling, { value: v.polling, file, path: ['polling'] }, 'polling');
    if (v.defaults !== undefined) defaults = once(defaults, { value: v.defaults, file, path: ['defaults'] }, 'defaults');
    keyed(sdkClasses, file, 'sdkClasses', v.sdkClasses);
    keyed(categories, file, 'categories', v.categories);
    keyed(fallbacks, file, 'fallbacks', v.fallbacks);
    keyed(backoff, file, 'backoff', v.backoff);
    keyed(surfaces, file, 'surfaces', v.surfaces);
    keyed(codes, file, 'codes', v.codes);
  }
  return { files, schemaVersion, version, hints, polling, defaults, sdkClasses, categories, fallbacks, backoff, surfaces, codes };
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

/**
 * The hand-written runtime's exports that a generated class name could take (class names end in
 * Error): generated classes share the package's namespace. test/runtime-exports.test.ts checks
 * this list against src/index.ts, so a new runtime error cannot be shadowed silently.
 */
export const RUNTIME_ERROR_EXPORTS: readonly string[] = ['PollFaultError', 'PollTimeoutError', 'StreamDropError', 'StreamStallError'];

/** Words that cannot name a class, and globals a generated class must not shadow. */
const RESERVED = new Set([
  ...'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await any boolean constructor declare get module require number set string symbol type from of'.split(' '),
  ...JAVASCRIPT_GLOBALS,
  ...RUNTIME_ERROR_EXPORTS,
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

/** An outcome (code, fallback, override or refinement), where it sits, and the class it defines if any. */
interface OutcomeAt {
  readonly at: Located<unknown>;
  readonly name: string | undefined;
  readonly base: string | undefined;
  readonly http: number | undefined;
  readonly baseRule: string | undefined;
  readonly category: string | undefined;
  readonly backoff: string | undefined;
  /** Whether the outcome must say how its base was chosen (codes and fallbacks), not inherit it. */
  readonly standalone: boolean;
  /** The base class in force (its own, or the code's it refines). */
  readonly effectiveBase: string | undefined;
  /** The status in force (its own, or the code's when it keeps the code's base). */
  readonly effectiveHttp: number | undefined;
  /** Whether the model gives it the `none` profile (it names none and inherits none), which must then exist. */
  readonly getsNone: boolean;
}

/** Every outcome a registry defines: fallbacks, codes, their per-surface overrides and refinements. */
function* outcomes(view: RegistryView): Generator<OutcomeAt> {
  for (const at of view.fallbacks.values()) {
    const f = at.value;
    yield { at, name: f.class, base: f.extends, http: f.http, baseRule: f.baseRule, category: f.category, backoff: f.backoff, standalone: true, effectiveBase: f.extends, effectiveHttp: f.http, getsNone: f.backoff === undefined };
  }
  for (const at of view.codes.values()) {
    const c = at.value;
    yield { at, name: c.class, base: c.extends, http: c.http, baseRule: c.baseRule, category: c.category, backoff: c.backoff, standalone: true, effectiveBase: c.extends, effectiveHttp: c.http, getsNone: c.backoff === undefined };
    const nested = (path: YamlPath, o: { class?: string; extends?: string; http?: number; baseRule?: string; category?: string; backoff?: string; retryable?: boolean; as?: string }): OutcomeAt => {
      const base = o.extends ?? c.extends;
      // A nested outcome that changes the base must say why; one that keeps it inherits the code's status.
      const http = o.http ?? (o.extends === undefined && o.baseRule === undefined ? c.http : undefined);
      // As the model decides: a refinement `as:` another code takes that code's outcome; a retryable
      // nested outcome inherits its code's profile; any other gets none.
      const getsNone = o.as === undefined && o.backoff === undefined && !((o.retryable ?? c.retryable) === true && c.backoff !== undefined);
      return { at: { ...at, path: [...at.path, ...path] }, name: o.class, base: o.extends, http: o.http, baseRule: o.baseRule, category: o.category, backoff: o.backoff, standalone: o.extends !== undefined, effectiveBase: base, effectiveHttp: http, getsNone };
    };
    for (const [i, r] of (c.refinements ?? []).entries()) yield nested(['refinements', i], r);
    for (const [surface, o] of Object.entries(c.overrides ?? {})) if (o !== undefined) yield nested(['overrides', surface], o);
  }
}

/** Each class a registry defines, where it is defined, and its SDK base. */
function* classDefinitions(view: RegistryView): Generator<{ at: Located<unknown>; name: string; base: string | undefined }> {
  for (const o of outcomes(view)) {
    if (o.name === undefined) continue;
    yield { at: o.at, name: o.name, base: o.base };
  }
}

/** Every backoff reference and where it is made. */
function* backoffReferences(view: RegistryView): Generator<{ at: Located<unknown>; name: string }> {
  if (view.defaults) {
    yield { at: { ...view.defaults, path: ['defaults', 'connectionBackoff'] }, name: view.defaults.value.connectionBackoff };
    for (const [i, s] of view.defaults.value.retryableStatuses.entries()) {
      yield { at: { ...view.defaults, path: ['defaults', 'retryableStatuses', i, 'backoff'] }, name: s.backoff };
    }
  }
  if (view.polling) yield { at: { ...view.polling, path: ['polling', 'faultBackoff'] }, name: view.polling.value.faultBackoff };
  if (view.hints) yield { at: { ...view.hints, path: ['hints', 'shouldRetryBackoff'] }, name: view.hints.value.shouldRetryBackoff };
  for (const o of outcomes(view)) {
    if (o.backoff !== undefined) yield { at: { ...o.at, path: [...o.at.path, 'backoff'] }, name: o.backoff };
    // An outcome the model gives `none` (a code or fallback without a profile, an override or
    // refinement that is not retryable and names none) needs that profile to exist.
    else if (o.getsNone) yield { at: o.at, name: NO_BACKOFF };
  }
}

/** Every evidence list, where it sits. */
function* evidenceLists(view: RegistryView): Generator<{ at: Located<unknown>; subject: string; list: readonly { url: string; note: string }[] }> {
  for (const [name, at] of view.fallbacks) yield { at, subject: `fallbacks.${name}`, list: at.value.evidence };
  for (const [code, at] of view.codes) {
    yield { at, subject: `codes.${code}`, list: at.value.evidence };
    for (const [surface, o] of Object.entries(at.value.overrides ?? {})) {
      if (o?.evidence !== undefined) yield { at: { ...at, path: [...at.path, 'overrides', surface] }, subject: `codes.${code}.overrides.${surface}`, list: o.evidence };
    }
  }
  if (view.hints?.value.evidence) yield { at: view.hints, subject: 'hints', list: view.hints.value.evidence };
  if (view.polling) yield { at: view.polling, subject: 'polling', list: view.polling.value.evidence };
}

/** The SDK class openai throws for an HTTP status, by the registry's sdkClasses table. */
function classForStatus(view: RegistryView, status: number): string | undefined {
  let ranged: string | undefined;
  for (const [name, at] of view.sdkClasses) {
    if (at.value.standIn !== undefined) continue; // thrown for its own reasons, never chosen by status
    if (at.value.status === status) return name;
    if (at.value.from !== undefined && status >= at.value.from) ranged = name;
  }
  return ranged;
}

/** Whether a GitHub URL of an openai repository names a branch rather than a tag or a commit. */
function unpinnedOpenAiUrl(url: string): boolean {
  const m = /^https:\/\/github\.com\/openai\/[^/]+\/(?:blob|tree|raw)\/([^/]+)\//.exec(url);
  if (m === null) return false;
  const ref = m[1] ?? '';
  return !(/^[0-9a-f]{40}$/.test(ref) || /^v?[0-9]+\.[0-9]+\.[0-9]+([-.][0-9A-Za-z.]+)?$/.test(ref));
}

/** The semantic rules, keyed by diagnostic code. */
export const RULES: Readonly<Record<RuleCode, Rule>> = {
  SECTION_MISSING: {
    sentence: 'the registry sets schemaVersion, version, hints, polling and defaults, and defines at least one code',
    resolves: ['schemaVersion', 'version', 'hints', 'polling', 'defaults', 'codes'],
    check(view, _sdk, report) {
      const first = view.files[0];
      if (first === undefined) return;
      for (const [name, at] of [['schemaVersion', view.schemaVersion], ['version', view.version], ['hints', view.hints], ['polling', view.polling], ['defaults', view.defaults]] as const) {
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
    resolves: ['sdkClasses'],
    check(view, sdk, report) {
      // A class new to openai counts when the stand-in an older openai extends instead is there.
      const exported = (name: string) => sdk.bases.has(name) || sdk.bases.has(view.sdkClasses.get(name)?.value.standIn ?? '');
      for (const [name, at] of view.sdkClasses) {
        const standIn = at.value.standIn;
        if (standIn !== undefined && (!view.sdkClasses.has(standIn) || view.sdkClasses.get(standIn)?.value.standIn !== undefined || !sdk.bases.has(standIn))) {
          report(at, ['standIn'], 'SDK_BASE_UNKNOWN', `sdkClasses.${name}.standIn names ${standIn}, which is not an HTTP error class of openai/core/error listed under sdkClasses without a stand-in of its own`);
        }
      }
      for (const d of classDefinitions(view)) {
        if (d.base !== undefined && (!exported(d.base) || !view.sdkClasses.has(d.base))) {
          report(d.at, ['extends'], 'SDK_BASE_UNKNOWN', `${d.base} is not an HTTP error class of openai/core/error listed under sdkClasses`, `one of: ${[...view.sdkClasses.keys()].filter((b) => sdk.bases.has(b)).sort().join(', ')}`);
        }
      }
    },
  },
  BACKOFF_UNKNOWN: {
    sentence: 'every backoff profile referenced exists',
    resolves: ['backoff'],
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
    resolves: ['surfaces'],
    check(view, _sdk, report) {
      for (const at of view.codes.values()) {
        for (const [i, s] of at.value.surfaces.entries()) {
          if (!view.surfaces.has(s)) report(at, ['surfaces', i], 'SURFACE_UNKNOWN', `surface ${s} is not defined`, `defined: ${[...view.surfaces.keys()].sort().join(', ')}`);
        }
      }
    },
  },
  OVERRIDE_SURFACE_NOT_LISTED: {
    sentence: 'an override names a surface the code lists',
    check(view, _sdk, report) {
      for (const [code, at] of view.codes) {
        for (const surface of Object.keys(at.value.overrides ?? {})) {
          if (!at.value.surfaces.includes(surface)) report(at, ['overrides', surface], 'OVERRIDE_SURFACE_NOT_LISTED', `codes.${code}.overrides.${surface} names a surface the code does not list`, undefined, true);
        }
      }
    },
  },
  FALLBACK_UNKNOWN: {
    sentence: 'every surface names a fallback that exists',
    resolves: ['fallbacks'],
    check(view, _sdk, report) {
      for (const [name, at] of view.surfaces) {
        if (!view.fallbacks.has(at.value.unknown)) report(at, ['unknown'], 'FALLBACK_UNKNOWN', `surfaces.${name}.unknown names fallback ${at.value.unknown}, which is not defined`, `defined: ${[...view.fallbacks.keys()].sort().join(', ')}`);
      }
    },
  },
  STATUS_LISTED_TWICE: {
    sentence: 'a status means one thing on its surface',
    check(view, _sdk, report) {
      for (const [name, at] of view.surfaces) {
        const status = at.value.status;
        if (status === undefined) continue;
        const seen = new Map<string, string>();
        for (const kind of STATUS_KINDS) {
          for (const [i, value] of status[kind].entries()) {
            const prev = seen.get(value);
            if (prev !== undefined) report(at, ['status', kind, i], 'STATUS_LISTED_TWICE', `surfaces.${name}: status ${value} is listed under ${prev} and ${kind}`);
            else seen.set(value, kind);
          }
        }
      }
    },
  },
  MATCH_AMBIGUOUS: {
    sentence: 'an object is recognised as one surface',
    check(view, _sdk, report) {
      // Surfaces that recognise the same value at the same path must differ in has: otherwise one never applies.
      const seen = new Map<string, string>();
      for (const [name, at] of view.surfaces) {
        const match = at.value.match;
        if (match === undefined) continue;
        for (const [i, value] of match.values.entries()) {
          const key = JSON.stringify([match.path, value, match.has ?? null]);
          const prev = seen.get(key);
          if (prev !== undefined) report(at, ['match', 'values', i], 'MATCH_AMBIGUOUS', `surfaces.${name} and surfaces.${prev} both recognise ${match.path} = ${value}${match.has === undefined ? '' : ` with ${match.has}`}`, 'give one of them a has path that only its objects carry');
          else seen.set(key, name);
        }
      }
    },
  },
  EXPIRED_CODE_UNKNOWN: {
    sentence: 'the code an expired object is reported as exists',
    resolves: ['codes'],
    check(view, _sdk, report) {
      for (const [name, at] of view.surfaces) {
        const code = at.value.expiredCode;
        if (code !== undefined && !view.codes.has(code)) report(at, ['expiredCode'], 'EXPIRED_CODE_UNKNOWN', `surfaces.${name}.expiredCode names ${code}, which is not a code of the registry`);
      }
    },
  },
  CATEGORY_UNKNOWN: {
    sentence: 'every category referenced exists',
    resolves: ['categories'],
    check(view, _sdk, report) {
      for (const o of outcomes(view)) {
        if (o.category !== undefined && !view.categories.has(o.category)) {
          report(o.at, ['category'], 'CATEGORY_UNKNOWN', `category ${o.category} is not defined`, `defined: ${[...view.categories.keys()].sort().join(', ')}`);
        }
      }
    },
  },
  BASE_REASON_MISSING: {
    sentence: 'a base class is chosen by its HTTP status or by a stated rule, not both',
    check(view, _sdk, report) {
      for (const o of outcomes(view)) {
        const both = o.http !== undefined && o.baseRule !== undefined;
        const neither = o.standalone && o.http === undefined && o.baseRule === undefined;
        if (both) report(o.at, ['baseRule'], 'BASE_REASON_MISSING', 'give either http (the status the code arrives with) or baseRule, not both');
        else if (neither) report(o.at, o.base === undefined ? [] : ['extends'], 'BASE_REASON_MISSING', `${o.base ?? 'the base'} needs a reason: http (the status the code arrives with) or baseRule (why, when it never arrives over HTTP)`);
      }
    },
  },
  BASE_CONTRADICTS_STATUS: {
    sentence: "a code's base class is the class openai throws for the HTTP status it arrives with",
    resolves: ['sdkClasses'],
    check(view, _sdk, report) {
      for (const o of outcomes(view)) {
        if (o.effectiveHttp === undefined || o.effectiveBase === undefined) continue;
        const expected = classForStatus(view, o.effectiveHttp);
        if (expected !== undefined && expected !== o.effectiveBase) {
          report(o.at, o.base === undefined ? ['http'] : ['extends'], 'BASE_CONTRADICTS_STATUS', `extends ${o.effectiveBase}, but openai throws ${expected} for HTTP ${o.effectiveHttp}`, `extends: ${expected}`);
        }
      }
    },
  },
  SINCE_AFTER_VERSION: {
    sentence: 'since is not newer than the registry version',
    resolves: ['version'],
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
  REFINEMENT_CLASS_OR_AS: {
    sentence: 'a refinement names a class of its own or another code, exactly one',
    check(view, _sdk, report) {
      for (const [code, at] of view.codes) {
        for (const [i, r] of (at.value.refinements ?? []).entries()) {
          if ((r.class === undefined) === (r.as === undefined)) report(at, ['refinements', i], 'REFINEMENT_CLASS_OR_AS', `codes.${code}.refinements[${i}] must set exactly one of class and as`);
        }
      }
    },
  },
  REFINEMENT_TARGET_UNKNOWN: {
    sentence: 'a refinement treats a failure only as a code the registry defines',
    resolves: ['codes'],
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
    sentence: 'every code and fallback has evidence',
    check(view, _sdk, report) {
      for (const e of evidenceLists(view)) {
        if (e.list.length === 0) report(e.at, ['evidence'], 'EVIDENCE_MISSING', `${e.subject} has no evidence`, 'add { url, note }: where the code was seen and why its retryability is what it is');
      }
    },
  },
  EVIDENCE_URL_NOT_HTTPS: {
    sentence: 'every evidence URL is https',
    check(view, _sdk, report) {
      for (const e of evidenceLists(view)) {
        for (const [i, item] of e.list.entries()) {
          let ok = false;
          try {
            const u = new URL(item.url);
            ok = u.protocol === 'https:' && u.hostname.includes('.');
          } catch {
            ok = false;
          }
          if (!ok) report(e.at, ['evidence', i, 'url'], 'EVIDENCE_URL_NOT_HTTPS', `evidence URL ${JSON.stringify(item.url)} is not an https URL`);
        }
      }
    },
  },
  EVIDENCE_URL_UNPINNED: {
    sentence: 'evidence in openai repositories is pinned to a tag or a commit',
    check(view, _sdk, report) {
      for (const e of evidenceLists(view)) {
        for (const [i, item] of e.list.entries()) {
          if (unpinnedOpenAiUrl(item.url)) report(e.at, ['evidence', i, 'url'], 'EVIDENCE_URL_UNPINNED', `evidence URL ${item.url} points at a branch, which moves`, 'pin it to a release tag (v7.57.0) or a commit');
        }
      }
    },
  },
};
