/**
 * Files of this package (registry/, generated/), found from the package root rather than from
 * a module's own folder: the compiled CLI bundles scripts/ and scripts/emit/ into dist/, where a
 * relative `../../registry/` would point outside the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package's root folder: the nearest folder above this module whose package.json names this package. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'openai-error-registry') return (root = dir);
    if (dirname(dir) === dir) throw new Error('openai-error-registry: cannot find the package root above its own module');
  }
}

/** A file of the package, by its path from the package root (`registry/registry.schema.json`). */
export function packageFile(path: string): string {
  return join(packageRoot(), path);
}
