/** `openai-error-registry ingest [--registry PATH ...] FILE...`: the report of tooling/ingest.ts, printed. */
import { embeddedRegistry, findings, formatIngest, ingest, yamlStubs, type IngestRegistry } from '../tooling/ingest.ts';
import type { Output } from './output.ts';

/** Exit 1 when the logs hold unknown codes or known codes on unlisted surfaces, else 0. */
export async function runIngest(o: Output, inputs: readonly string[], reg: IngestRegistry = embeddedRegistry()): Promise<number> {
  const report = await ingest(inputs, process.stdin, reg);
  const { unknown, unlisted, known } = findings(report);
  if (o.json) {
    const { groups: _groups, ...counts } = report;
    o.out(JSON.stringify({ ok: unknown.length === 0 && unlisted.length === 0, ...counts, unknown, unlisted, known, stubs: yamlStubs(report, reg) }, null, 2));
  } else {
    o.out(formatIngest(report, reg));
  }
  return unknown.length === 0 && unlisted.length === 0 ? 0 : 1;
}
