/** Test helpers: build failed objects from surface specs, generate a registry into a folder, record what a limiter is told. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { checkRegistry } from '../scripts/pipeline/check.ts';
import { emitAll } from '../scripts/pipeline/generate.ts';
import type { Registry } from '../scripts/pipeline/model.ts';
import type { AdaptiveLimiter } from '../src/limiter.ts';
import type { PathSegments, RegistryTables, StatusKind, SurfaceSpec } from '../src/spec.ts';

/** The module generated code imports the runtime from, and the file it stands for in this repository. */
export const RUNTIME_SPECIFIER = 'openai-error-registry/runtime';
export const RUNTIME_SOURCE = resolve('src/runtime.ts');

/** Sets `value` at a path of segments, creating objects (and arrays for `0`). */
export function setPath(target: Record<string, unknown>, path: PathSegments, value: unknown): void {
  let cur: Record<string, unknown> = target;
  path.forEach((seg, i) => {
    if (i === path.length - 1) {
      cur[seg] = value;
      return;
    }
    const next = path[i + 1] === '0' ? [] : {};
    cur[seg] ??= next;
    cur = cur[seg] as Record<string, unknown>;
  });
}

/** The first status of a surface that means `kind`, if any. */
export function statusOf(s: SurfaceSpec, kind: StatusKind): string | undefined {
  return s.status?.kinds.find(([, k]) => k === kind)?.[0];
}

/** The path and value that make the dispatcher pick surface `name`; undefined for surfaces read only by their own helper. */
export function dispatchTag(tables: Pick<RegistryTables, 'dispatch'>, name: string): { path: PathSegments; value: string; has?: PathSegments } | undefined {
  for (const d of tables.dispatch) {
    const hit = d.surfaces.find(([, surface]) => surface === name);
    if (hit !== undefined) return { path: d.path, value: hit[0], ...(hit[2] === undefined ? {} : { has: hit[2] }) };
  }
  return undefined;
}

/**
 * A failed (or, with `as: 'incomplete'`, incomplete) object of a surface carrying `code`, tagged
 * so the dispatcher recognises it. Undefined when the surface cannot report a code that way (no
 * dispatch tag, no such status, no code or reason field). With `dispatched: false`, surfaces
 * without a dispatch tag (batch.line) are built too.
 */
export function failedObject(
  tables: Pick<RegistryTables, 'dispatch'>,
  s: SurfaceSpec,
  code: string | null,
  as: 'failed' | 'incomplete',
  extra: { message?: string; type?: string; id?: string; dispatched?: boolean } = {},
): Record<string, unknown> | undefined {
  const tag = dispatchTag(tables, s.name);
  if (tag === undefined && extra.dispatched !== false) return undefined;
  const status = s.status === undefined ? undefined : statusOf(s, as);
  const codePath = as === 'failed' ? s.fields.code[0] : s.fields.reason[0];
  if (codePath === undefined || (s.status !== undefined && status === undefined) || (as === 'incomplete' && s.status === undefined)) return undefined;
  // Surfaces without a status and without a dispatch tag are failures when a failedWhen path holds an object.
  if (s.status === undefined && tag === undefined && s.failedWhen.length === 0) return undefined;
  const obj: Record<string, unknown> = {};
  if (tag !== undefined) setPath(obj, tag.path, tag.value);
  // A surface told apart by a path its objects carry (realtime.error: event_id) gets it too.
  if (tag?.has !== undefined) setPath(obj, tag.has, 'event_1');
  if (s.status && status !== undefined) setPath(obj, s.status.path, status);
  setPath(obj, codePath, code);
  if (extra.message !== undefined && s.fields.message[0]) setPath(obj, s.fields.message[0], extra.message);
  if (extra.type !== undefined && s.fields.type[0]) setPath(obj, s.fields.type[0], extra.type);
  if (extra.id !== undefined && s.fields.id[0]) setPath(obj, s.fields.id[0], extra.id);
  return obj;
}

/** Every item an async iterable yields, and what it threw (undefined when it ended). */
export async function drain(it: AsyncIterable<unknown>): Promise<{ seen: unknown[]; error: unknown }> {
  const seen: unknown[] = [];
  try {
    for await (const e of it) seen.push(e);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

/** Validates and models a registry file, throwing on diagnostics. */
export function modelOf(path: string): Registry {
  const checked = checkRegistry([path]);
  if (!checked.ok) throw new Error(JSON.stringify(checked.diagnostics, null, 2));
  return checked.registry;
}

/**
 * Generates a registry into test/.tmp/<name>/generated. Generated code imports the runtime as
 * `openai-error-registry/runtime`: vitest resolves it through the alias in vitest.config.ts, and a
 * tsconfig.json beside the folder maps it to the real src/runtime.ts for the TypeScript compiler
 * (compileOptions below gives the same mapping to programmatic compiles).
 */
export function generateInto(name: string, registry: Registry): { dir: string; files: string[] } {
  const root = resolve('test/.tmp', name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'generated'), { recursive: true });
  writeFileSync(
    join(root, 'tsconfig.json'),
    `${JSON.stringify({ extends: resolve('tsconfig.json'), compilerOptions: { paths: { [RUNTIME_SPECIFIER]: [RUNTIME_SOURCE] } }, include: ['generated'], exclude: [] }, null, 2)}\n`,
  );
  const files = emitAll(registry).map((f) => {
    const path = join(root, 'generated', f.path);
    writeFileSync(path, f.content);
    return path;
  });
  return { dir: join(root, 'generated'), files };
}

/** The compiler's `paths` for generated code: the runtime specifier -> this repository's src/runtime.ts. */
export const RUNTIME_PATHS: Readonly<Record<string, string[]>> = { [RUNTIME_SPECIFIER]: [RUNTIME_SOURCE] };

/** The error a function throws; fails the test when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** Type-checks files in one strict program; returns the formatted errors. */
export function compileErrors(files: readonly string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
    // Generated code imports the runtime as openai-error-registry/runtime (tsconfig.json maps it the same way).
    paths: { ...RUNTIME_PATHS },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** A limiter that records what it is told (acquire, throttle with its hint, success). */
export function recordingLimiter(): { limiter: AdaptiveLimiter; calls: string[] } {
  const calls: string[] = [];
  const limiter = {
    acquire: async () => void calls.push('acquire'),
    recordThrottle: (hint?: number) => void calls.push(`throttle ${hint}`),
    recordSuccess: () => void calls.push('success'),
    learnFromHeaders: () => {},
  } as unknown as AdaptiveLimiter;
  return { limiter, calls };
}
