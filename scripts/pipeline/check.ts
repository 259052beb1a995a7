/**
 * The shared front of validate, generate, diff on YAML and ingest --registry: load -> validate ->
 * model over registry files, returning the model or every diagnostic. Prints nothing.
 */
import { sep } from 'node:path';
import { sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { loadRegistry, type LoadResult } from './load.ts';
import { buildModel, type Registry } from './model.ts';
import { packageFile } from './package-files.ts';
import { installedSdkFacts } from './sdk.ts';
import { validateRegistry } from './validate.ts';

/** The embedded registry: every YAML file in the package's registry/ folder. */
export const DEFAULT_REGISTRY = `${packageFile('registry')}${sep}`;

/** Result of the shared load -> validate -> model stages. */
export type Checked =
  | { readonly ok: true; readonly registry: Registry; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Runs load, validate and model over the given paths; throws only InputError. */
export function checkRegistry(paths: readonly string[]): Checked {
  return checkLoaded(loadRegistry(paths));
}

/**
 * Runs validate and model over files already loaded (from disk, or from a git revision by diff).
 * Diagnostics of a `tolerated` rule do not stop the model (diff reads a registry whose new codes
 * are newer than its version, to report the bump it needs).
 */
export function checkLoaded(loaded: LoadResult, tolerated: ReadonlySet<string> = new Set()): Checked {
  const { view, diagnostics } = validateRegistry(loaded.files, installedSdkFacts());
  const all = sortDiagnostics([...loaded.diagnostics, ...diagnostics]);
  if (all.some((d) => !tolerated.has(d.code))) return { ok: false, diagnostics: all };
  return { ok: true, registry: buildModel(view, loaded.files), diagnostics: all };
}
