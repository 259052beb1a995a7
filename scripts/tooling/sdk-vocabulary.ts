/**
 * Reads the failure vocabularies out of an installed openai SDK's type definitions with ts-morph:
 * the string-literal unions of error codes, incomplete reasons and statuses. The SDK is the
 * oracle; this is how the registry learns that a release added a code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Node, Project, SyntaxKind, type SourceFile, type TypeNode } from 'ts-morph';
import type { Surface } from '../pipeline/model.ts';

/** What reading vocabularies needs of a registry: each surface's name and SDK references. */
export interface SdkSurfaces {
  readonly surfaces: readonly Pick<Surface, 'name' | 'sdk'>[];
}

/** One vocabulary: a union type in the SDK and the registry surface it belongs to. */
export interface Vocabulary {
  /** Declaration file, relative to the package root. */
  readonly file: string;
  /** `Interface.property`, `Namespace.Interface.property` or a type alias name. */
  readonly path: string;
  readonly surface: string;
  readonly kind: 'codes' | 'statuses';
  /** First SDK major that declares it; older majors may lack it. */
  readonly sinceMajor: number;
}

/**
 * Every failure vocabulary the registry must cover, as its surfaces declare them (`sdk.codes` and
 * `sdk.statuses`, each a `file#Name` reference into the openai package). Nothing is listed here.
 */
export function vocabularies(registry: SdkSurfaces): Vocabulary[] {
  const out: Vocabulary[] = [];
  for (const s of registry.surfaces) {
    if (s.sdk === undefined) continue;
    const refs = [...s.sdk.codes.map((r) => [r, 'codes'] as const), ...(s.sdk.statuses === undefined ? [] : [[s.sdk.statuses, 'statuses'] as const])];
    for (const [ref, kind] of refs) {
      const [file = '', path = ''] = ref.split('#');
      out.push({ file, path, surface: s.name, kind, sinceMajor: s.sdk.sinceMajor });
    }
  }
  return out;
}

/** What one vocabulary holds in one SDK installation. */
export interface VocabularyReading extends Vocabulary {
  /** The string literals of the union, sorted; undefined when this SDK does not declare it. */
  readonly values: readonly string[] | undefined;
}

/** The installed package's root folder and major version. */
export function sdkPackage(packageName: string): { root: string; version: string; major: number } {
  // openai's exports map hides package.json; its error module sits at the package root.
  const require = createRequire(import.meta.url);
  const root = join(dirname(require.resolve(`${packageName}/core/error`)), '..');
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return { root, version, major: Number(version.split('.')[0]) };
}

/** Reads every vocabulary a registry declares from the SDK installed as `packageName` (an npm alias works). */
export function readSdkVocabularies(registry: SdkSurfaces, packageName = 'openai'): VocabularyReading[] {
  const { root } = sdkPackage(packageName);
  const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  const files = new Map<string, SourceFile | undefined>();
  const source = (file: string) => {
    if (!files.has(file)) {
      const path = join(root, file);
      files.set(file, existsSync(path) ? project.addSourceFileAtPath(path) : undefined);
    }
    return files.get(file);
  };
  return vocabularies(registry).map((v) => {
    const file = source(v.file);
    const node = file && findTypeNode(file, v.path);
    return { ...v, values: node && stringLiterals(node) };
  });
}

/** Finds the type node at `A.B.prop` (namespaces, then an interface, then a property) or a type alias. */
function findTypeNode(file: SourceFile, path: string): TypeNode | undefined {
  const parts = path.split('.');
  if (parts.length === 1) return file.getTypeAlias(parts[0] ?? '')?.getTypeNode();
  const prop = parts.pop() ?? '';
  const iface = parts.pop() ?? '';
  let scope: Node = file;
  for (const ns of parts) {
    const next = scope.getDescendantsOfKind(SyntaxKind.ModuleDeclaration).find((m) => m.getName() === ns);
    if (!next) return undefined;
    scope = next;
  }
  const decl = scope
    .getDescendantsOfKind(SyntaxKind.InterfaceDeclaration)
    .find((i) => i.getName() === iface && (parts.length > 0 || Node.isSourceFile(i.getParent())));
  return decl?.getProperty(prop)?.getTypeNode();
}

/** The string literal members of a union (null, `string & {}` and other members are skipped). */
function stringLiterals(node: TypeNode): string[] {
  const members = Node.isUnionTypeNode(node) ? node.getTypeNodes() : [node];
  const out: string[] = [];
  for (const m of members) {
    if (Node.isLiteralTypeNode(m)) {
      const lit = m.getLiteral();
      if (Node.isStringLiteral(lit)) out.push(lit.getLiteralValue());
    }
  }
  return out.sort();
}
