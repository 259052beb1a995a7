/**
 * Registry YAML -> the normalized registry.json data, through the same load -> validate -> model
 * stages as `validate` and `generate` (checkLoaded) and the same emitter as registry.json
 * (registryData). Imported lazily: it needs yaml, ajv and openai, which an installed package may lack.
 */
import { checkLoaded } from './cli.ts';
import { formatDiagnostic } from './diagnostics.ts';
import { registryData } from './emit/json.ts';
import { parseRegistryText } from './load.ts';
import type { NamedText } from './registry-input.ts';

/** The registry's data in registry.json's shape, or its problems as printed lines. */
export function registryDataFromYaml(files: readonly NamedText[]): { ok: true; data: Record<string, unknown> } | { ok: false; problems: string[] } {
  const parsed = files.map((f) => parseRegistryText(f.name, f.text));
  const checked = checkLoaded({ files: parsed.map((p) => p.file), diagnostics: parsed.flatMap((p) => p.diagnostics) });
  if (!checked.ok) return { ok: false, problems: checked.diagnostics.map((d) => formatDiagnostic(d).split('\n')[0] ?? d.code) };
  // A JSON round trip drops undefined fields exactly as registry.json's writer does.
  const { $comment: _comment, contentHash: _hash, ...data } = JSON.parse(JSON.stringify(registryData(checked.registry))) as Record<string, unknown>;
  return { ok: true, data };
}
