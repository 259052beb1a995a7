/** `openai-error-registry diff OLD NEW [--json]`: reads both registries, compares them, prints the report. */
import { diffRegistries, formatDiff } from '../tooling/diff.ts';
import type { Output } from './output.ts';
import { readRegistryInput } from '../tooling/registry-input.ts';

/** Exit 0 when NEW's version is bumped enough (or nothing changed), 1 when not; input errors throw InputError. */
export async function runDiff(o: Output, oldSpec: string, newSpec: string): Promise<number> {
  const before = await readRegistryInput(oldSpec);
  const after = await readRegistryInput(newSpec);
  const report = diffRegistries(before, after);
  o.out(o.json ? JSON.stringify(report, null, 2) : formatDiff(report));
  return report.ok ? 0 : 1;
}
