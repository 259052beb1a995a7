/**
 * `openai-error-registry sync`: compares the registry with what the installed SDKs declare. The
 * SDK is the oracle: its failure-code unions and status unions are read from its type definitions
 * (openai-node's .d.ts with ts-morph, openai-python's types/ with python-vocabulary.ts) through the
 * surfaces' `sdk:` references; nothing about the SDK is listed here.
 *
 * Per surface it reports, as problems (exit 1): every code the SDK declares that the registry does
 * not list on that surface, every SDK status that is not in exactly one of the surface's status
 * lists, and (openai-node) a referenced declaration missing from an SDK major that should have it.
 * Shown, not fatal: registry codes and statuses the SDK does not declare (codes seen in the wild),
 * and, apart from those, codes an older openai-node declared (their evidence cites the union at
 * that release) that the installed one no longer does: kept while older SDKs may send them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from './diff.ts';
import { pythonPackageProblem, readPythonVocabulary } from './python-vocabulary.ts';
import { InputError } from '../pipeline/errors.ts';
import { readSdkVocabularies, sdkPackage, vocabularies, type SdkSurfaces, type Vocabulary } from './sdk-vocabulary.ts';
import { STATUS_KINDS } from '../../src/spec.ts';

/** The status lists of a surface, by what a status means there. */
const STATUS_LISTS = STATUS_KINDS;

/** What sync reads from a registry: surfaces with SDK references and status lists, codes with their surfaces. */
interface SyncRegistry extends SdkSurfaces {
  readonly version: string;
  readonly statusLists: ReadonlyMap<string, Readonly<Record<(typeof STATUS_LISTS)[number], readonly string[]>>>;
  readonly codeSurfaces: ReadonlyMap<string, readonly string[]>;
  /** Evidence URLs of each code. */
  readonly codeEvidence: ReadonlyMap<string, readonly string[]>;
}

/** One vocabulary compared with the registry. */
export interface VocabularyFinding {
  readonly ref: string;
  readonly kind: Vocabulary['kind'];
  /** The SDK declares no such union: `missing` (a problem), `not yet` (older SDK major) or `unmapped` (Python rule found nothing). */
  readonly declared: 'yes' | 'missing' | 'not yet' | 'unmapped';
  readonly values: readonly string[];
}

/** Everything sync found on one surface for one SDK. */
export interface SurfaceFinding {
  readonly surface: string;
  readonly vocabularies: readonly VocabularyFinding[];
  /** Codes the SDK declares that the registry does not list on this surface (problems). */
  readonly missingCodes: readonly string[];
  /** SDK statuses not listed in exactly one status list (problems). */
  readonly statusProblems: readonly { readonly status: string; readonly lists: readonly string[] }[];
  /** Registry codes on this surface the SDK's code unions do not list (shown: seen in the wild). */
  readonly registryOnlyCodes: readonly string[];
  /**
   * Of registryOnlyCodes, those an older openai-node declared in this surface's SDK file (the
   * release an evidence URL is pinned to), with that release: removed from the SDK since (shown).
   */
  readonly removedCodes: readonly { readonly code: string; readonly declaredIn: string }[];
  /** Statuses the registry lists that the SDK's status union does not declare (shown). */
  readonly registryOnlyStatuses: readonly string[];
  /** Declarations the SDK should have and lacks (problems). */
  readonly missingDeclarations: readonly string[];
}

/** One SDK compared with the registry. */
export interface SdkFinding {
  readonly sdk: 'openai-node' | 'openai-python';
  readonly package: string;
  readonly version: string;
  readonly surfaces: readonly SurfaceFinding[];
  readonly problems: number;
}

const isObject = (v: Json | undefined): v is { readonly [k: string]: Json } => v !== null && typeof v === 'object' && !Array.isArray(v);
const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The parts of a normalized registry (registry.json's shape) sync reads. */
export function syncRegistry(data: { readonly [k: string]: Json }): SyncRegistry {
  const surfaces = isObject(data['surfaces']) ? data['surfaces'] : {};
  const codes = isObject(data['codes']) ? data['codes'] : {};
  const statusLists = new Map<string, Record<(typeof STATUS_LISTS)[number], string[]>>();
  const list: SyncRegistry['surfaces'][number][] = [];
  for (const [name, s] of Object.entries(surfaces)) {
    if (!isObject(s)) continue;
    const sdk = isObject(s['sdk']) ? s['sdk'] : undefined;
    list.push({
      name,
      sdk: sdk && { types: strings(sdk['types']), codes: strings(sdk['codes']), statuses: typeof sdk['statuses'] === 'string' ? sdk['statuses'] : undefined, sinceMajor: typeof sdk['sinceMajor'] === 'number' ? sdk['sinceMajor'] : 0 },
    });
    const status = isObject(s['status']) ? s['status'] : undefined;
    if (status) statusLists.set(name, Object.fromEntries(STATUS_LISTS.map((k) => [k, strings(status[k])])) as Record<(typeof STATUS_LISTS)[number], string[]>);
  }
  const codeSurfaces = new Map(Object.entries(codes).map(([code, c]) => [code, isObject(c) ? strings(c['surfaces']) : []]));
  const urls = (c: Json | undefined) => (isObject(c) && Array.isArray(c['evidence']) ? c['evidence'].flatMap((e) => (isObject(e) && typeof e['url'] === 'string' ? [e['url']] : [])) : []);
  const codeEvidence = new Map(Object.entries(codes).map(([code, c]) => [code, urls(c)]));
  return { version: String(data['version']), surfaces: list, statusLists, codeSurfaces, codeEvidence };
}

/** Compares readings (one per vocabulary) with the registry, surface by surface. */
export function compareReadings(
  registry: SyncRegistry,
  readings: readonly (Vocabulary & { readonly values: readonly string[] | undefined; readonly absent: VocabularyFinding['declared'] })[],
): SurfaceFinding[] {
  const out: SurfaceFinding[] = [];
  for (const surface of [...new Set(readings.map((r) => r.surface))].sort()) {
    const mine = readings.filter((r) => r.surface === surface);
    const lists = registry.statusLists.get(surface);
    const sdkCodes = new Set(mine.filter((r) => r.kind === 'codes').flatMap((r) => r.values ?? []));
    const sdkStatuses = new Set(mine.filter((r) => r.kind === 'statuses').flatMap((r) => r.values ?? []));
    const onSurface = [...registry.codeSurfaces].filter(([, s]) => s.includes(surface)).map(([c]) => c);
    const statusProblems: { status: string; lists: string[] }[] = [];
    for (const status of [...sdkStatuses].sort()) {
      const inLists = STATUS_LISTS.filter((k) => lists?.[k].includes(status));
      if (inLists.length !== 1) statusProblems.push({ status, lists: inLists });
    }
    const registryStatuses = lists === undefined ? [] : STATUS_LISTS.flatMap((k) => lists[k]);
    const hasCodeUnion = mine.some((r) => r.kind === 'codes' && r.values !== undefined);
    const hasStatusUnion = mine.some((r) => r.kind === 'statuses' && r.values !== undefined);
    out.push({
      surface,
      vocabularies: mine.map((r) => ({ ref: `${r.file}#${r.path}`, kind: r.kind, declared: r.values === undefined ? r.absent : 'yes', values: r.values ?? [] })),
      missingCodes: [...sdkCodes].filter((c) => !(registry.codeSurfaces.get(c) ?? []).includes(surface)).sort(),
      statusProblems,
      registryOnlyCodes: hasCodeUnion ? onSurface.filter((c) => !sdkCodes.has(c)).sort() : [],
      removedCodes: [],
      registryOnlyStatuses: hasStatusUnion ? registryStatuses.filter((s) => !sdkStatuses.has(s)).sort() : [],
      missingDeclarations: mine.filter((r) => r.values === undefined && r.absent === 'missing').map((r) => `${r.file}#${r.path}`),
    });
  }
  return out;
}

const problemsOf = (surfaces: readonly SurfaceFinding[]) => surfaces.reduce((n, s) => n + s.missingCodes.length + s.statusProblems.length + s.missingDeclarations.length, 0);

/** A release's numbers, for ordering; undefined for anything but MAJOR.MINOR.PATCH. */
const release = (v: string) => /^(\d+)\.(\d+)\.(\d+)$/.exec(v)?.slice(1).map(Number);
const earlier = (a: readonly number[], b: readonly number[]) => (a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!) < 0;

/**
 * Marks the registry-only codes of a surface that an earlier openai-node declared: an evidence URL
 * pinned to that release's source of one of the surface's declaration files
 * (`resources/x.d.ts` is `src/resources/x.ts` in the repository).
 */
function withRemovedCodes(registry: SyncRegistry, readings: readonly Vocabulary[], s: SurfaceFinding, installed: string): SurfaceFinding {
  const now = release(installed);
  if (now === undefined || s.registryOnlyCodes.length === 0) return s;
  const files = new Set(readings.filter((r) => r.surface === s.surface && r.kind === 'codes').map((r) => `src/${r.file.replace(/\.d\.ts$/, '.ts')}`));
  const removedCodes: { code: string; declaredIn: string }[] = [];
  for (const code of s.registryOnlyCodes) {
    for (const url of registry.codeEvidence.get(code) ?? []) {
      const m = /^https:\/\/github\.com\/openai\/openai-node\/blob\/v([^/]+)\/([^#?]+)/.exec(url);
      const then = m === null ? undefined : release(m[1]!);
      if (m !== null && then !== undefined && earlier(then, now) && files.has(m[2]!)) {
        removedCodes.push({ code, declaredIn: m[1]! });
        break;
      }
    }
  }
  const removed = new Set(removedCodes.map((r) => r.code));
  return { ...s, registryOnlyCodes: s.registryOnlyCodes.filter((c) => !removed.has(c)), removedCodes };
}

/** openai-node, installed as `pkg` (an npm alias works). */
export function syncNode(registry: SyncRegistry, pkg: string): SdkFinding {
  let info;
  try {
    info = sdkPackage(pkg);
  } catch {
    throw new InputError(`${pkg}: not installed here (npm install ${pkg === 'openai' ? 'openai' : `${pkg}@npm:openai`})`);
  }
  const readings = readSdkVocabularies(registry, pkg).map((r) => ({ ...r, absent: (info.major < r.sinceMajor ? 'not yet' : 'missing') as VocabularyFinding['declared'] }));
  const surfaces = compareReadings(registry, readings).map((s) => withRemovedCodes(registry, readings, s, info.version));
  return { sdk: 'openai-node', package: info.root, version: info.version, surfaces, problems: problemsOf(surfaces) };
}

/** openai-python, installed in `dir` (the folder holding types/). */
export function syncPython(registry: SyncRegistry, dir: string): SdkFinding {
  const problem = pythonPackageProblem(dir);
  if (problem !== undefined) throw new InputError(problem);
  let version = 'unknown';
  try {
    version = /__version__\s*=\s*["']([^"']+)["']/.exec(readFileSync(join(dir, '_version.py'), 'utf8'))?.[1] ?? version;
  } catch {
    // no _version.py: a fixture or a trimmed install
  }
  const readings = vocabularies(registry).map((v) => ({ ...readPythonVocabulary(dir, v), absent: 'unmapped' as const }));
  const surfaces = compareReadings(registry, readings);
  return { sdk: 'openai-python', package: dir, version, surfaces, problems: problemsOf(surfaces) };
}

export function formatSdk(f: SdkFinding): string[] {
  const lines = [`${f.sdk} ${f.version} (${f.package}): ${f.problems === 0 ? 'in sync' : `${f.problems} problem${f.problems === 1 ? '' : 's'}`}`];
  for (const s of f.surfaces) {
    const declared = s.vocabularies.filter((v) => v.declared === 'yes');
    const counts = `${declared.filter((v) => v.kind === 'codes').reduce((n, v) => n + v.values.length, 0)} codes, ${declared.filter((v) => v.kind === 'statuses').reduce((n, v) => n + v.values.length, 0)} statuses`;
    const bad = s.missingCodes.length + s.statusProblems.length + s.missingDeclarations.length > 0;
    lines.push(`  ${s.surface}: ${bad ? 'PROBLEMS' : 'ok'} (${counts})`);
    if (s.missingCodes.length > 0) lines.push(`    codes the SDK declares and the registry lacks on ${s.surface}: ${s.missingCodes.join(', ')}`);
    for (const p of s.statusProblems) lines.push(`    status ${p.status}: ${p.lists.length === 0 ? 'in no status list' : `in ${p.lists.length} status lists (${p.lists.join(', ')})`}; it must be in exactly one`);
    for (const d of s.missingDeclarations) lines.push(`    declaration missing from this SDK (renamed?): ${d}`);
    for (const v of s.vocabularies) if (v.declared === 'unmapped' || v.declared === 'not yet') lines.push(`    ${v.declared === 'not yet' ? 'not in this SDK major' : 'not found by the Python mapping rule'}: ${v.ref}`);
    if (s.registryOnlyCodes.length > 0) lines.push(`    registry codes the SDK does not declare (seen in the wild; fine): ${s.registryOnlyCodes.join(', ')}`);
    for (const r of s.removedCodes) lines.push(`    ${r.code}: declared by an older SDK (openai ${r.declaredIn}), removed by ${f.version}; kept while older SDKs may send it`);
    if (s.registryOnlyStatuses.length > 0) lines.push(`    registry statuses the SDK does not declare: ${s.registryOnlyStatuses.join(', ')}`);
  }
  return lines;
}
