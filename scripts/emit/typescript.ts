/**
 * Emits the TypeScript outputs with ts-morph structures, one batch per file (never one node at a
 * time: that re-parses the file on every call and turns quadratic).
 *
 * - generated/registry.ts: the data tables (codes, surfaces, backoff profiles) and their types.
 * - generated/errors.ts: one class per registry class, each extending the openai class it names,
 *   and the class-name -> class table the runtime dispatches through.
 */
import {
  IndentationText,
  Project,
  QuoteKind,
  StructureKind,
  type ClassDeclarationStructure,
  type StatementStructures,
} from 'ts-morph';
import type { Registry } from '../model.ts';
import { byCodeUnits } from '../model.ts';
import { commentText, headerLines, identifier, pathSegments, quote, tsValue, type OutputFile } from './common.ts';

/** One class to emit: its name, SDK base, the code it reports, and the text of its doc comment. */
interface ClassPlan {
  readonly name: string;
  readonly base: string;
  /** The code its instances carry; undefined for the default class (any code). */
  readonly code: string | undefined;
  readonly doc: string;
}

function classPlans(registry: Registry): ClassPlan[] {
  const plans: ClassPlan[] = [
    {
      name: registry.defaults.class,
      base: registry.defaults.extends,
      code: undefined,
      doc: `${registry.defaults.description}\n\nRetryable: ${registry.defaults.retryable ? 'yes' : 'no'}. Backoff: ${registry.defaults.backoff}.`,
    },
  ];
  for (const c of registry.codes) {
    const facts = (retryable: boolean, backoff: string) =>
      `Code: ${c.code}. Retryable: ${retryable ? 'yes' : 'no'}. Backoff: ${backoff}. Surfaces: ${c.surfaces.join(', ')}.`;
    plans.push({ name: c.class, base: c.extends, code: c.code, doc: `${c.description}\n\n${facts(c.retryable, c.backoff)}` });
    for (const r of c.refinements) {
      if (r.code !== c.code) continue; // `as:` refinements reuse another code's class
      const when = r.when.type !== undefined ? `type is ${r.when.type}` : `message contains "${r.when.messageContains ?? ''}"`;
      plans.push({ name: r.class, base: r.extends, code: c.code, doc: `${r.description}\n\nA refinement of ${c.code}, when its ${when}. ${facts(r.retryable, r.backoff)}` });
    }
  }
  return plans.sort((a, b) => byCodeUnits(a.name, b.name));
}

function newProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
}

function print(project: Project, path: string, registry: Registry, statements: (string | StatementStructures)[]): OutputFile {
  const header = headerLines(registry).map((l) => `// ${l}`).join('\n');
  const file = project.createSourceFile(path, { statements: [header, ...statements] }, { overwrite: true });
  const text = file.getFullText();
  return { path, content: text.endsWith('\n') ? text : `${text}\n` };
}

const unionOf = (values: readonly string[]) => (values.length === 0 ? 'never' : values.map(quote).join(' | '));

/** generated/registry.ts: the registry as typed, exhaustive tables. */
function emitTables(registry: Registry, project: Project): OutputFile {
  const classes = classPlans(registry).map((p) => p.name);
  // Written as text, not as a VariableStatement structure: ts-morph re-indents a multi-line
  // initializer by one level. Every part is a checked identifier, a fixed type, or tsValue output.
  const constant = (name: string, type: string, value: string, doc: string): string =>
    `/** ${commentText(doc)} */\nexport const ${name}${type === '' ? '' : `: ${type}`} = ${value};`;
  const alias = (name: string, type: string, doc: string): StatementStructures => ({
    kind: StructureKind.TypeAlias,
    isExported: true,
    name,
    type,
    docs: [doc],
  });
  const paths = (list: readonly string[] | undefined) => list?.map(pathSegments);
  const surfaces = registry.surfaces.map((s) => ({
    name: s.name,
    match: s.match && { path: pathSegments(s.match.path), values: s.match.values },
    status: s.status && { ...s.status, path: pathSegments(s.status.path) },
    fields: {
      code: paths(s.fields.code),
      message: paths(s.fields.message),
      type: paths(s.fields.type),
      reason: paths(s.fields.reason),
      id: paths(s.fields.id),
    },
  }));
  // Object.fromEntries defines own properties: a code named __proto__ stays a key, not a prototype.
  const codes = Object.fromEntries(
    registry.codes.map((c) => [
      c.code,
      {
        class: c.class,
        retryable: c.retryable,
        backoff: c.backoff,
        surfaces: c.surfaces,
        refinements: c.refinements.map((r) => ({ when: r.when, code: r.code, class: r.class, retryable: r.retryable, backoff: r.backoff })),
      },
    ]),
  );
  const backoff = Object.fromEntries(registry.backoff.map((b) => [b.name, b]));

  return print(project, 'registry.ts', registry, [
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      moduleSpecifier: '../src/spec.js',
      namedImports: ['BackoffProfile', 'CodeSpec', 'DefaultsSpec', 'SurfaceSpec'],
    },
    constant('REGISTRY_VERSION', '', `${quote(registry.version)} as const`, 'The registry version these tables were generated from.'),
    constant('REGISTRY_HASH', '', `${quote(registry.contentHash)} as const`, 'sha256 of the registry source files.'),
    alias('Code', unionOf(registry.codes.map((c) => c.code)), 'Every failure code the registry knows.'),
    alias('ClassName', unionOf(classes), 'Every generated error class name.'),
    alias('SurfaceName', unionOf(registry.surfaces.map((s) => s.name)), 'Every API surface the registry describes.'),
    alias('BackoffName', unionOf(registry.backoff.map((b) => b.name)), 'Every named backoff profile.'),
    constant('BACKOFF', 'Readonly<Record<BackoffName, BackoffProfile>>', tsValue(backoff), 'Backoff profiles by name.'),
    constant('SURFACES', 'readonly SurfaceSpec[]', tsValue(surfaces), 'Surfaces in code-unit order of name; paths are split into segments.'),
    constant('CODES', 'Readonly<Record<Code, CodeSpec<Code, ClassName, BackoffName, SurfaceName>>>', tsValue(codes), 'Each code\'s class, retryability, backoff profile, surfaces and refinements.'),
    constant(
      'DEFAULTS',
      'DefaultsSpec<ClassName, BackoffName>',
      tsValue({
        class: registry.defaults.class,
        retryable: registry.defaults.retryable,
        backoff: registry.defaults.backoff,
        retryableStatuses: registry.defaults.retryableStatuses,
      }),
      'What a null or unknown code gets; the status fallback for unknown synchronous HTTP errors.',
    ),
  ]);
}

/** generated/errors.ts: the error classes and the table the runtime dispatches through. */
function emitClasses(registry: Registry, project: Project): OutputFile {
  const plans = classPlans(registry);
  const bases = [...new Set(plans.map((p) => identifier(p.base)))].sort(byCodeUnits);
  const classes: ClassDeclarationStructure[] = plans.map((p) => ({
    kind: StructureKind.Class,
    name: identifier(p.name),
    isExported: true,
    extends: `failureClass(${identifier(p.base)}, ${quote(p.name)})`,
    docs: [commentText(p.doc)],
    properties:
      p.code === undefined
        ? []
        : [{ name: 'code', isReadonly: true, hasDeclareKeyword: true, type: quote(p.code), docs: ['The code the API sent.'] }],
  }));
  return print(project, 'errors.ts', registry, [
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: 'openai/core/error', namedImports: bases },
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: '../src/failure.js', namedImports: ['failureClass'] },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: '../src/failure.js', namedImports: ['FailureClass'] },
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, moduleSpecifier: './registry.js', namedImports: ['ClassName'] },
    ...classes,
    '/** Every generated class by name; the runtime builds failures through this table. */\n' +
      `export const CLASSES: Readonly<Record<ClassName, FailureClass>> = {\n${plans.map((p) => `  ${identifier(p.name)},`).join('\n')}\n};`,
  ]);
}

/** Both TypeScript outputs. */
export function emitTypeScript(registry: Registry): OutputFile[] {
  const project = newProject();
  return [emitTables(registry, project), emitClasses(registry, project)];
}
