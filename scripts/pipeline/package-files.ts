/**
 * Files of this package (registry/, generated/), found from the package root rather than from
 * a module's own folder: the compiled CLI bundles scripts/cli/, tooling/ and pipeline/ into one
 * dist/, where a path relative to a module's source folder would point elsewhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The repository (and the runtime package), and the command-line package built from it. */
const PACKAGE_NAMES: ReadonlySet<unknown> = new Set(['openai-error-registry', 'openai-error-registry-cli']);

/** The package's root folder: the nearest folder above this module whose package.json names one of its packages. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && PACKAGE_NAMES.has((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name)) return (root = dir);
    if (dirname(dir) === dir) throw new Error('openai-error-registry: cannot find the package root above its own module');
  }
}

/** Whether this runs from a clone of the repository (scripts/ beside the registry), not from an installed package. */
export function inRepository(): boolean {
  return existsSync(packageFile('scripts'));
}

/** A file of the package, by its path from the package root (`registry/registry.schema.json`). */
export function packageFile(path: string): string {
  return join(packageRoot(), path);
}
