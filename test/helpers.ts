/** Test helpers: build failed objects from surface specs, and generate a registry into a folder. */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { checkRegistry } from '../scripts/cli.ts';
import { emitAll } from '../scripts/generate.ts';
import type { Registry } from '../scripts/model.ts';
import type { SurfaceSpec } from '../src/spec.ts';

/** Sets `value` at a path of segments, creating objects (and arrays for `0`). */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
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

/** A failed (or, with reason set, incomplete) object of a surface carrying `code`. */
export function failedObject(
  s: SurfaceSpec,
  code: string | null,
  as: 'failed' | 'incomplete',
  extra: { message?: string; type?: string; id?: string } = {},
): Record<string, unknown> | undefined {
  if (s.match === undefined) return undefined;
  const status = as === 'failed' ? s.status?.failed[0] : s.status?.incomplete[0];
  const codePath = as === 'failed' ? s.fields.code?.[0] : s.fields.reason?.[0];
  if (codePath === undefined || (s.status !== undefined && status === undefined) || (as === 'incomplete' && s.status === undefined)) return undefined;
  const obj: Record<string, unknown> = {};
  setPath(obj, s.match.path, s.match.values[0]);
  if (s.status && status !== undefined) setPath(obj, s.status.path, status);
  setPath(obj, codePath, code);
  if (extra.message !== undefined && s.fields.message?.[0]) setPath(obj, s.fields.message[0], extra.message);
  if (extra.type !== undefined && s.fields.type?.[0]) setPath(obj, s.fields.type[0], extra.type);
  if (extra.id !== undefined && s.fields.id?.[0]) setPath(obj, s.fields.id[0], extra.id);
  return obj;
}

/** Validates and models a registry file, throwing on diagnostics. */
export function modelOf(path: string): Registry {
  const checked = checkRegistry([path]);
  if (!checked.ok) throw new Error(JSON.stringify(checked.diagnostics, null, 2));
  return checked.registry;
}

/**
 * Generates a registry into test/.tmp/<name>/generated, beside a link to the real src/, so the
 * output's `../src/failure.js` imports resolve exactly as the committed output's do.
 */
export function generateInto(name: string, registry: Registry): { dir: string; files: string[] } {
  const root = resolve('test/.tmp', name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'generated'), { recursive: true });
  symlinkSync(resolve('src'), join(root, 'src'), 'dir');
  const files = emitAll(registry).map((f) => {
    const path = join(root, 'generated', f.path);
    writeFileSync(path, f.content);
    return path;
  });
  return { dir: join(root, 'generated'), files };
}

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
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}
