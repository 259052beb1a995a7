/**
 * The package surface: what `npm pack` puts in the tarball, checked against an allow-list, and
 * the packed package.json, checked for dependencies and install scripts. Shared by
 * package-surface.test.ts and the proof summary.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

/** What the tarball may hold: folders (ending in /) and single files. */
export const ALLOWED = [
  'dist/',
  'generated/registry.json',
  'generated/registry.schema.json',
  'generated/failure.schema.json',
  'generated/failure-record.schema.json',
  'generated/CODES.md',
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'CONTRIBUTING.md',
  'registry/README.md',
  'package.json',
] as const;

/** What the tarball must hold, built or not. */
export const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'generated/registry.json'] as const;

/** Lifecycle scripts npm runs when the package is installed. */
export const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'] as const;

/** Whether a packed path is on the allow-list. */
export const allowed = (path: string): boolean => ALLOWED.some((a) => (a.endsWith('/') ? path.startsWith(a) : path === a));

const npm = (args: string[]) => execFileSync('npm', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The paths `npm pack --dry-run --json` lists (scripts ignored: the list is the question, not the build). */
export function packedPaths(): string[] {
  const [pack] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'])) as { files: { path: string }[] }[];
  return (pack?.files ?? []).map((f) => f.path).sort();
}

/** The package.json inside a real tarball, as npm packed it. */
export function packedManifest(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'oer-surface-'));
  try {
    const [pack] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir])) as { filename: string }[];
    const text = execFileSync('tar', ['-xzOf', join(dir, pack?.filename ?? ''), 'package/package.json'], { encoding: 'utf8' });
    return JSON.parse(text) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file the manifest points at (exports, main, module, types, bin), which must be packed. */
export function manifestTargets(manifest: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v.replace(/^\.\//, ''));
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(manifest.exports);
  walk(manifest.bin);
  for (const k of ['main', 'module', 'types']) walk(manifest[k]);
  return [...out].sort();
}

/** The problems with the package surface, one line each; empty when it is as intended. */
export function surfaceProblems(): string[] {
  const problems: string[] = [];
  const paths = packedPaths();
  for (const p of paths) if (!allowed(p)) problems.push(`packed but not allowed: ${p}`);
  for (const p of REQUIRED) if (!paths.includes(p)) problems.push(`required but not packed: ${p}`);
  const manifest = packedManifest();
  for (const field of ['dependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies']) {
    if (manifest[field] !== undefined && Object.keys(manifest[field] as object).length > 0) problems.push(`packed package.json has ${field}`);
  }
  const scripts = (manifest.scripts ?? {}) as Record<string, unknown>;
  for (const s of INSTALL_SCRIPTS) if (scripts[s] !== undefined) problems.push(`packed package.json has an install script: ${s}`);
  // dist/ exists only after a build, so its files are checked through the manifest and `files`
  // (npm packs package.json whatever `files` says).
  const files = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
  for (const target of manifestTargets(manifest)) {
    if (!allowed(target)) problems.push(`package.json points outside the allow-list: ${target}`);
    if (target !== 'package.json' && !files.some((f) => target === f || target.startsWith(`${f}/`))) problems.push(`package.json points at a file "files" does not pack: ${target}`);
  }
  return problems;
}
