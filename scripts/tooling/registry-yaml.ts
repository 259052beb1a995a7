/**
 * Registry YAML -> the normalized registry.json data, through the same load -> validate -> model
 * stages as `validate` and `generate` (checkLoaded) and the same emitter as registry.json
 * (registryData). Imported lazily: it needs yaml, ajv and openai, which an installed package may lack.
 */
import { checkLoaded, checkRegistry } from '../pipeline/check.ts';
import { formatDiagnostic } from '../pipeline/diagnostics.ts';
import { registryData } from '../pipeline/emit/json.ts';
import { runtimeTables } from '../pipeline/emit/typescript.ts';
import type { IngestRegistry, RegistryJson } from './ingest.ts';
import { parseRegistryText } from '../pipeline/load.ts';
import type { RegistryTables } from '../../src/spec.ts';
import type { NamedText } from '../pipeline/load.ts';
import { InputError } from '../pipeline/errors.ts';

/** The registry's data in registry.json's shape, or its problems as printed lines. */
export function registryDataFromYaml(files: readonly NamedText[], tolerated?: ReadonlySet<string>): { ok: true; data: Record<string, unknown> } | { ok: false; problems: string[] } {
  const parsed = files.map((f) => parseRegistryText(f.name, f.text));
  const checked = checkLoaded({ files: parsed.map((p) => p.file), diagnostics: parsed.flatMap((p) => p.diagnostics) }, tolerated);
  if (!checked.ok) return { ok: false, problems: checked.diagnostics.map((d) => formatDiagnostic(d).split('\n')[0] ?? d.code) };
  // A JSON round trip drops undefined fields exactly as registry.json's writer does.
  const { $comment: _comment, contentHash: _hash, ...data } = JSON.parse(JSON.stringify(registryData(checked.registry))) as Record<string, unknown>;
  return { ok: true, data };
}

/** Problems shown in the one line of an invalid --registry (the rest are counted). */
const PROBLEMS_SHOWN = 3;

/**
 * The registry ingest --registry judges by: the files or folders given, validated as `validate`
 * does, as runtime tables and registry.json data. An invalid or unreadable registry is an
 * InputError (one line, exit 2) naming its first problems.
 */
export function ingestRegistryFrom(paths: readonly string[]): IngestRegistry {
  const shown = paths.join(', ');
  const checked = checkRegistry(paths);
  if (!checked.ok) {
    const lines = checked.diagnostics.map((d) => formatDiagnostic(d).split('\n')[0] ?? d.code);
    const more = lines.length > PROBLEMS_SHOWN ? `; and ${lines.length - PROBLEMS_SHOWN} more` : '';
    throw new InputError(`--registry ${shown} is not a valid registry: ${lines.slice(0, PROBLEMS_SHOWN).join('; ')}${more} (see validate --registry ${shown})`);
  }
  const data = JSON.parse(JSON.stringify(registryData(checked.registry))) as RegistryJson;
  return { tables: runtimeTables(checked.registry) as unknown as RegistryTables, data, file: shown };
}
