/**
 * Emits the TypeScript outputs with ts-morph structures, one batch per file (never one node at a
 * time: that re-parses the file on every call and turns quadratic).
 *
 * - registry.ts: the runtime tables (codes, surfaces and their dispatch index, fallbacks, backoff
 *   profiles, hint sources, polling) and their name types.
 * - errors.ts: the class-name -> class table raising dispatches through (CLASSES, built at
 *   import from the names and statuses CODES and FALLBACKS already hold, each class on the openai
 *   class of its status), one typed export per class, and one type guard per category.
 *
 * Generated files reach the runtime only through the package's public subpath
 * (`openai-error-registry/runtime`), so `generate --out DIR` output compiles wherever DIR is.
 * The classes are built by one call marked pure, and each export picks its class by one, so a
 * bundler drops them all from a program that raises nothing (one that raises needs them all).
 */
import {
  IndentationText,
  Project,
  QuoteKind,
  StructureKind,
  type StatementStructures,
} from 'ts-morph';
import type { CodeEntry, Outcome, Registry, Surface } from '../model.ts';
import { byCodeUnits } from '../model.ts';
import { classOutcomes } from '../../../src/failure.ts';
import { retryTableOf } from '../../../src/retryable.ts';
import { STATUS_KINDS, codeClassName, type PackedCode, type PathSegments, type RegistryTables } from '../../../src/spec.ts';
import { commentText, headerLines, identifier, pathSegments, quote, tsKey, tsValue, type OutputFile } from './common.ts';

/** The public subpath generated code imports the runtime from. */
export const RUNTIME_MODULE = 'openai-error-registry/runtime';

/** One class to emit: its name, SDK base, the code it reports, and the text of its doc comment. */
interface ClassPlan {
  readonly name: string;
  readonly base: string;
  /** The codes its instances carry; empty for a fallback class (any unknown code). */
  readonly codes: readonly string[];
  readonly doc: string;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const baseReason = (o: Outcome) => (o.http !== undefined ? `arrives as HTTP ${o.http}` : o.baseRule ?? '');

function classPlans(registry: Registry): ClassPlan[] {
  const plans = new Map<string, { base: string; codes: Set<string>; doc: string }>();
  const add = (o: Outcome, code: string | undefined, doc: string) => {
    const prev = plans.get(o.class);
    if (prev === undefined) plans.set(o.class, { base: o.extends, codes: new Set(code === undefined ? [] : [code]), doc });
    else if (code !== undefined) prev.codes.add(code);
  };
  for (const f of registry.fallbacks) {
    add(f, undefined, `${f.description}\n\nFallback "${f.name}" for null or unknown codes. Category: ${f.category}. Retryable: ${yesNo(f.retryable)}. Backoff: ${f.backoff}. The ${f.extends} base: ${baseReason(f)}`);
  }
  for (const c of registry.codes) {
    const facts = (o: Outcome, surfaces: readonly string[]) =>
      `Code: ${c.code}. Category: ${o.category}. Retryable: ${yesNo(o.retryable)}. Backoff: ${o.backoff}. Surfaces: ${surfaces.join(', ')}. The ${o.extends} base: ${baseReason(o)}`;
    add(c, c.code, `${c.description}\n\n${facts(c, c.surfaces)}`);
    for (const o of c.overrides) add(o, c.code, `${o.description}\n\nOn ${o.surface} only. ${facts(o, [o.surface])}`);
    for (const r of c.refinements) {
      if (r.code !== c.code) continue; // `as:` refinements reuse another code's class
      const when = r.when.type !== undefined ? `type is ${r.when.type}` : `message contains "${r.when.messageContains ?? ''}"`;
      add(r, c.code, `${r.description}\n\nA refinement of ${c.code}, when its ${when}. ${facts(r, c.surfaces)}`);
    }
  }
  return [...plans]
    .map(([name, p]) => ({ name, base: p.base, codes: [...p.codes].sort(byCodeUnits), doc: p.doc }))
    .sort((a, b) => byCodeUnits(a.name, b.name));
}

function newProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
}

function print(project: Project, path: string, registry: Registry, command: string | undefined, statements: (string | StatementStructures)[]): OutputFile {
  const header = headerLines(registry, command).map((l) => `// ${l}`).join('\n');
  const file = project.createSourceFile(path, { statements: [header, ...statements] }, { overwrite: true });
  const text = file.getFullText();
  return { path, content: text.endsWith('\n') ? text : `${text}\n` };
}

const unionOf = (values: readonly string[]) => (values.length === 0 ? 'never' : values.map(quote).join(' | '));

/** `quota` -> `Quota`, `rate_limit` -> `RateLimit`: a category's part of its guard's name. */
export function pascal(name: string): string {
  return name
    .split('_')
    .map((w) => (w === '' ? '' : `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}`))
    .join('');
}

/** The nominal status of an openai class, from the registry's sdkClasses. */
function statusOf(registry: Registry, base: string): number | null {
  return registry.sdkClasses.find((c) => c.name === base)?.status ?? null;
}

/** The runtime outcome of a model outcome: what classification needs, nothing for humans. */
function runtimeOutcome(registry: Registry, o: Outcome) {
  return { class: o.class, category: o.category, retryable: o.retryable, backoff: o.backoff, status: statusOf(registry, o.extends) };
}

function runtimeCode(registry: Registry, c: CodeEntry) {
  const bySurface = c.overrides.length === 0 ? undefined : Object.fromEntries(c.overrides.map((o) => [o.surface, runtimeOutcome(registry, o)]));
  return {
    ...runtimeOutcome(registry, c),
    refinements: c.refinements.length === 0 ? undefined : c.refinements.map((r) => ({ when: r.when, code: r.code, ...runtimeOutcome(registry, r) })),
    bySurface,
  };
}

function runtimeSurface(s: Surface) {
  const paths = (list: readonly string[]) => list.map(pathSegments);
  const kinds = s.status && STATUS_KINDS.flatMap((k) => s.status?.[k].map((v) => [v, k]) ?? []);
  return {
    name: s.name,
    status: s.status && { path: pathSegments(s.status.path), kinds },
    failedWhen: paths(s.failedWhen),
    expiredCode: s.expiredCode,
    fields: {
      code: paths(s.fields.code),
      message: paths(s.fields.message),
      type: paths(s.fields.type),
      reason: paths(s.fields.reason),
      id: paths(s.fields.id),
      status: paths(s.fields.status),
    },
    unknown: s.unknown,
    replay: { started: s.replay.started, output: paths(s.replay.output), conversation: paths(s.replay.conversation) },
  };
}

/**
 * Surfaces indexed by their match path, then value, in code-unit order; where two share a value,
 * the one with a `has` path (a third element) comes first, as the runtime tries them.
 */
function dispatchIndex(registry: Registry) {
  const byPath = new Map<string, ([string, string] | [string, string, PathSegments])[]>();
  for (const s of registry.surfaces) {
    if (s.match === undefined) continue;
    const list = byPath.get(s.match.path) ?? [];
    const has = s.match.has;
    for (const v of s.match.values) list.push(has === undefined ? [v, s.name] : [v, s.name, pathSegments(has)]);
    byPath.set(s.match.path, list);
  }
  return [...byPath]
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([path, list]) => ({ path: pathSegments(path), surfaces: list.sort((a, b) => byCodeUnits(a[0], b[0]) || b.length - a.length || byCodeUnits(a[1], b[1])) }));
}

/**
 * Statuses that are not a failure on any surface: none lists them as failed, expired or
 * incomplete, and a surface read at the top-level `status` lists them as done or running. An
 * object whose status is one of them is returned at the cost of one read and a few comparisons.
 * Order: as the surfaces list them (code-unit order of surface; done before running), so the
 * terminal statuses most objects end in come first.
 */
function settledStatuses(registry: Registry): string[] {
  const failing = new Set<string>();
  for (const s of registry.surfaces) if (s.status) for (const v of [...s.status.failed, ...s.status.expired, ...s.status.incomplete]) failing.add(v);
  const out: string[] = [];
  for (const s of registry.surfaces) {
    // Objects with a status elsewhere (events, chat choices) are told apart by their type or object.
    if (s.status?.path !== 'status') continue;
    for (const v of [...s.status.done, ...s.status.running]) if (!failing.has(v) && !out.includes(v)) out.push(v);
  }
  return out;
}

/**
 * The registry as the runtime reads it (RegistryTables), with the should-retry table derived from
 * them: what registry.ts spells out as code, and what ingest --registry classifies with in process.
 */
export function runtimeTables(registry: Registry) {
  // Object.fromEntries defines own properties: a code named __proto__ stays a key, not a prototype.
  const codes = Object.fromEntries(registry.codes.map((c) => [c.code, runtimeCode(registry, c)]));
  const fallbacks = Object.fromEntries(registry.fallbacks.map((f) => [f.name, runtimeOutcome(registry, f)]));
  const backoff = Object.fromEntries(registry.backoff.map((b) => [b.name, { ...b }]));
  const hints = {
    ...registry.hints,
    bodyFields: registry.hints.bodyFields.map((b) => ({ path: pathSegments(b.path), format: b.format })),
    evidence: undefined,
  };
  const polling = { ...registry.polling, evidence: undefined };
  const surfaces = registry.surfaces.map(runtimeSurface);
  const dispatch = dispatchIndex(registry);
  const settled = settledStatuses(registry);
  const tables = { codes, surfaces, dispatch, settled, fallbacks, backoff, defaults: registry.defaults, hints, polling };
  // The should-retry table is derived by the runtime's own function, from the tables it reads.
  const retry = retryTableOf(tables as unknown as RegistryTables);
  return { ...tables, retry };
}

/** CODES as registry.ts writes it: each code's facts packed (PackedCode), the class left out where codeClassName gives it. */
function packedCodes(codes: ReturnType<typeof runtimeTables>['codes']): string {
  const lines = Object.entries(codes).map(([code, c]) => {
    const { refinements, bySurface } = c;
    const cls = c.class === codeClassName(code) ? 0 : c.class;
    const packed: PackedCode =
      refinements === undefined && bySurface === undefined
        ? [cls, c.category, c.retryable, c.backoff, c.status]
        : [cls, c.category, c.retryable, c.backoff, c.status, { ...(refinements && { refinements }), ...(bySurface && { bySurface }) }];
    return `  ${tsKey(code)}: ${tsValue(packed, '  ')},`;
  });
  return `/* @__PURE__ */ unpackCodes<Code, ClassName, BackoffName, SurfaceName>({\n${lines.join('\n')}\n})`;
}

/**
 * Views of the tables for runtime functions that read only some surfaces, each named by the
 * function (a thrown error is read on http, a polled answer on response): each holds every code
 * and profile but only those surfaces and the fallbacks they name, and no dispatch or settled
 * statuses, which only finding an object's surface reads; so a bundle of the function keeps no
 * other surface or fallback. A surface a registry lacks is left out.
 */
const VIEWS: readonly { readonly name: string; readonly surfaces: readonly string[]; readonly doc: string }[] = [
  { name: 'HTTP_TABLES', surfaces: ['http'], doc: 'The tables a thrown error is judged by (the http surface): what classifyError and withRetry read.' },
  { name: 'RESPONSE_TABLES', surfaces: ['http', 'response'], doc: 'The tables of a polled Response (the http and response surfaces): what waitForResponse reads.' },
];

/** The name of a surface's (SURFACE_) or a fallback's (FALLBACK_) constant in registry.ts. */
function sharedConstant(kind: 'SURFACE' | 'FALLBACK', name: string): string {
  return `${kind}_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The constant names of `names` (of one kind), which must differ. */
function sharedConstants(kind: 'SURFACE' | 'FALLBACK', names: Iterable<string>): string[] {
  const constants = [...names].map((n) => sharedConstant(kind, n));
  const clash = constants.find((n, i) => constants.indexOf(n) !== i);
  if (clash !== undefined) throw new Error(`two ${kind === 'SURFACE' ? 'surfaces' : 'fallbacks'} share the constant name ${clash} in registry.ts`);
  return constants;
}

/** The model's views that both TypeScript outputs read, derived once. */
interface Derived {
  readonly plans: readonly ClassPlan[];
  readonly tables: ReturnType<typeof runtimeTables>;
}

/** registry.ts: the registry as typed, exhaustive runtime tables. */
function emitTables(registry: Registry, derived: Derived, project: Project, command?: string): OutputFile {
  const classes = derived.plans.map((p) => p.name);
  // Written as text, not as a VariableStatement structure: ts-morph re-indents a multi-line
  // initializer by one level. Every part is a checked identifier, a fixed type, or tsValue output.
  const constant = (name: string, type: string, value: string, doc: string): string =>
    `/** ${commentText(doc)} */\nexport const ${name}${type === '' ? '' : `: ${type}`} = ${value};`;
  const alias = (name: string, type: string, doc: string): StatementStructures => ({ kind: StructureKind.TypeAlias, isExported: true, name, type, docs: [doc] });
  const { codes, fallbacks, backoff, hints, polling, surfaces, dispatch, settled, retry } = derived.tables;
  // A surface a view reads is a constant of its own, which SURFACES and the view share; so is a
  // fallback such a surface names (a view holds only its surfaces' fallbacks). The rest stay inline.
  const viewed = new Set(VIEWS.flatMap((v) => v.surfaces));
  const shared = surfaces.filter((x) => viewed.has(x.name));
  sharedConstants('SURFACE', shared.map((x) => x.name));
  const viewedFallbacks = new Set(shared.map((x) => x.unknown));
  sharedConstants('FALLBACK', viewedFallbacks);
  const surfaceConstants = shared.map((x) => `/** The ${commentText(x.name)} surface (in SURFACES, and in the views that read it). */\nconst ${sharedConstant('SURFACE', x.name)}: SurfaceSpec<SurfaceName, FallbackName> = ${tsValue(x)};`);
  const fallbackConstants = Object.entries(fallbacks)
    .filter(([name]) => viewedFallbacks.has(name))
    .map(([name, f]) => `/** The ${commentText(name)} fallback (in FALLBACKS, and in the views whose surfaces name it). */\nconst ${sharedConstant('FALLBACK', name)}: Outcome<ClassName, BackoffName> = ${tsValue(f)};`);
  const nested = (value: string) => value.replaceAll('\n', '\n  ');
  const fallbackList = `{\n${Object.entries(fallbacks).map(([name, f]) => `  ${tsKey(name)}: ${viewedFallbacks.has(name) ? sharedConstant('FALLBACK', name) : nested(tsValue(f))},`).join('\n')}\n}`;
  const surfaceList = `[\n${surfaces.map((x) => `  ${viewed.has(x.name) ? sharedConstant('SURFACE', x.name) : nested(tsValue(x))},`).join('\n')}\n]`;
  const views = VIEWS.map((v) => {
    const kept = registry.surfaces.filter((x) => v.surfaces.includes(x.name));
    const members = `[${kept.map((x) => sharedConstant('SURFACE', x.name)).join(', ')}]`;
    const fields = [`codes: CODES`, `surfaces: ${members}`, 'dispatch: []', 'settled: []', `fallbacks: { ${[...new Set(kept.map((x) => x.unknown))].sort(byCodeUnits).map((f) => `${tsKey(f)}: ${sharedConstant('FALLBACK', f)}`).join(', ')} }`, 'backoff: BACKOFF', 'defaults: DEFAULTS', 'hints: HINTS', 'polling: POLLING'];
    return constant(v.name, 'RegistryTables', `{\n${fields.map((f) => `  ${f},`).join('\n')}\n}`, v.doc);
  });

  return print(project, 'registry.ts', registry, command, [
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: RUNTIME_MODULE, namedImports: ['unpackCodes'] },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      moduleSpecifier: RUNTIME_MODULE,
      namedImports: ['BackoffProfile', 'CodeSpec', 'DefaultsSpec', 'DispatchSpec', 'HintSources', 'ObjectTables', 'Outcome', 'PollingSpec', 'RegistryTables', 'RetryTable', 'SurfaceSpec'],
    },
    constant('REGISTRY_VERSION', '', `${quote(registry.version)} as const`, 'The registry version these tables were generated from.'),
    constant('REGISTRY_HASH', '', `${quote(registry.contentHash)} as const`, 'sha256 of the registry source files.'),
    alias('Code', unionOf(registry.codes.map((c) => c.code)), 'Every failure code the registry knows.'),
    alias('ClassName', unionOf(classes), 'Every generated error class name.'),
    alias('SurfaceName', unionOf(registry.surfaces.map((s) => s.name)), 'Every API surface the registry describes.'),
    alias('BackoffName', unionOf(registry.backoff.map((b) => b.name)), 'Every named backoff profile.'),
    alias('CategoryName', unionOf(registry.categories.map((c) => c.name)), 'Every failure category.'),
    alias('FallbackName', unionOf(registry.fallbacks.map((f) => f.name)), 'Every unknown-code fallback.'),
    constant('BACKOFF', 'Readonly<Record<BackoffName, BackoffProfile>>', tsValue(backoff), 'Backoff profiles by name.'),
    constant('CODES', 'Readonly<Record<Code, CodeSpec<Code, ClassName, BackoffName, SurfaceName>>>', packedCodes(codes), "Each code's class (0: the code's own name, codeClassName), category, retryability, backoff and nominal status, then its refinements and per-surface differences, packed (PackedCode)."),
    ...fallbackConstants,
    constant('FALLBACKS', 'Readonly<Record<FallbackName, Outcome<ClassName, BackoffName>>>', fallbackList, 'What a null or unknown code becomes, per fallback.'),
    ...surfaceConstants,
    constant('SURFACES', 'readonly SurfaceSpec<SurfaceName, FallbackName>[]', surfaceList, 'Surfaces in code-unit order of name; paths are split into segments.'),
    constant('DISPATCH', 'readonly DispatchSpec<SurfaceName>[]', tsValue(dispatch), 'Surfaces indexed by the value that recognises their objects (object or type).'),
    constant('SETTLED', 'readonly string[]', tsValue(settled), 'Top-level statuses that are not a failure on any surface, the most widely used first.'),
    constant('DEFAULTS', 'DefaultsSpec<BackoffName>', tsValue(registry.defaults), 'The status fallback for unknown synchronous HTTP errors.'),
    constant('HINTS', 'HintSources', tsValue(hints), 'Where servers say when (and whether) to retry.'),
    constant('POLLING', 'PollingSpec<BackoffName>', tsValue(polling), 'How background work is polled.'),
    constant('RETRY', 'RetryTable', tsValue(retry), 'The should-retry decision for thrown HTTP errors, derived from CODES, the http surface, FALLBACKS, DEFAULTS and HINTS: the one table isRetryable reads.'),
    constant('CATEGORIES', 'readonly CategoryName[]', tsValue(registry.categories.map((c) => c.name)), 'Every failure category, in code-unit order.'),
    constant(
      'TABLES',
      'RegistryTables',
      '{ codes: CODES, surfaces: SURFACES, dispatch: DISPATCH, settled: SETTLED, fallbacks: FALLBACKS, backoff: BACKOFF, defaults: DEFAULTS, hints: HINTS, polling: POLLING }',
      'Every data table, as the runtime reads them.',
    ),
    constant(
      'OBJECT_TABLES',
      'ObjectTables',
      '{ codes: CODES, surfaces: SURFACES, dispatch: DISPATCH, settled: SETTLED, fallbacks: FALLBACKS, backoff: BACKOFF }',
      "The tables a returned object is classified by (TABLES' own, without the defaults, hints and polling that only thrown errors, retries and polls read): what raiseForFailedResponse and classifyFailure read.",
    ),
    ...views,
  ]);
}

/** errors.ts: the error classes, the table raising dispatches through, and the category guards. */
function emitClasses(registry: Registry, derived: Derived, project: Project, command?: string): OutputFile {
  const { plans } = derived;
  const bases = [...new Set(plans.map((p) => identifier(p.base)))].sort(byCodeUnits);
  // Bases are read off openai's error module (a member of an import namespace is pure to a
  // bundler, so a program that raises nothing keeps no import of it); a base an older openai lacks
  // is its stand-in there.
  const standIns = registry.sdkClasses.filter((c) => c.standIn !== undefined && bases.includes(identifier(c.name)));
  const baseOf = (name: string) => (standIns.some((c) => identifier(c.name) === name) ? name : `openaiErrors.${name}`);
  const resolved = standIns.map(
    (c) =>
      `/** openai's ${c.name} where the installed openai exports it, else ${c.standIn ?? ''}, which older openai versions throw instead. */
` +
      `const ${identifier(c.name)} = /* @__PURE__ */ (() => ((openaiErrors as unknown as Partial<Record<string, unknown>>)[${quote(c.name)}] ?? openaiErrors.${identifier(c.standIn ?? '')}) as typeof APIError)();`,
  );
  // The runtime builds the classes the tables name, each on the openai class of its nominal
  // status; a class whose base another shares that status with (a stand-in's) is named apart.
  const { codes, fallbacks } = derived.tables;
  // The emitter's codes leave absent refinements as undefined keys, which the runtime type omits.
  const named = [...classOutcomes(codes as unknown as RegistryTables['codes'], fallbacks).keys()].sort(byCodeUnits);
  if (named.join('\n') !== plans.map((p) => p.name).join('\n')) throw new Error('errors.ts: the tables name other classes than the registry plans');
  const byStatus = new Map<string, string>();
  const except: [string, string][] = [];
  for (const p of plans) {
    const key = String(statusOf(registry, p.base));
    const standIn = standIns.some((c) => c.name === p.base);
    if (!standIn && (byStatus.get(key) ?? p.base) === p.base) byStatus.set(key, p.base);
    else except.push([p.name, p.base]);
  }
  const statusEntries = [...byStatus].sort(([a], [b]) => byCodeUnits(a, b)).map(([status, base]) => `${status}: ${baseOf(identifier(base))}`);
  const exceptEntries = except.map(([name, base]) => `${identifier(name)}: ${baseOf(identifier(base))}`);
  const table =
    '/** Every generated class by name, built from the tables (CODES and FALLBACKS name each class and its nominal status) on the openai class of that status, or the one named for it; raising builds failures through this table. */\n' +
    `export const CLASSES: Readonly<Record<ClassName, FailureClass>> = /* @__PURE__ */ failureClasses<ClassName>(CODES, FALLBACKS, { ${statusEntries.join(', ')} }${exceptEntries.length === 0 ? '' : `, { ${exceptEntries.join(', ')} }`});`;
  const classes = plans.map((p) => {
    const doc = `/**\n${commentText(p.doc).split('\n').map((l) => (l === '' ? ' *' : ` * ${l}`)).join('\n')}\n */`;
    const type = `RegistryErrorClass<typeof ${baseOf(identifier(p.base))}${p.codes.length === 0 ? '' : `, ${unionOf(p.codes)}`}>`;
    const name = identifier(p.name);
    return `${doc}\nexport const ${name} = /* @__PURE__ */ errorClass<${type}>(CLASSES, ${quote(p.name)});\n${doc}\nexport type ${name} = InstanceType<typeof ${name}>;`;
  });
  const guards = registry.categories.map(
    (c) =>
      `/** ${commentText(`True when the registry puts \`e\` (a registry error, or a plain openai error judged by its code and status) in the ${c.name} category: ${c.description}`)} */\n` +
      `export function is${identifier(pascal(c.name))}Failure(e: unknown): e is APIError {\n  return categoryOf(HTTP_TABLES, e) === ${quote(c.name)};\n}`,
  );
  return print(project, 'errors.ts', registry, command, [
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: 'openai/core/error', namespaceImport: 'openaiErrors' },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: 'openai/core/error', namedImports: ['APIError'] },
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: RUNTIME_MODULE, namedImports: ['categoryOf', 'errorClass', 'failureClasses'] },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: RUNTIME_MODULE, namedImports: ['FailureClass', 'RegistryErrorClass'] },
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: './registry.js', namedImports: ['CODES', 'FALLBACKS', 'HTTP_TABLES'] },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: './registry.js', namedImports: ['ClassName'] },
    ...resolved,
    table,
    ...classes,
    ...guards,
  ]);
}

/** Both TypeScript outputs. */
export function emitTypeScript(registry: Registry, command?: string): OutputFile[] {
  const project = newProject();
  const derived: Derived = { plans: classPlans(registry), tables: runtimeTables(registry) };
  return [emitTables(registry, derived, project, command), emitClasses(registry, derived, project, command)];
}
