/**
 * `openai-error-registry ingest FILE...`: reads what an application observed (JSON Lines of failed
 * Response objects, stream events, runs, batches, batch output lines, or toJSON() records) and
 * reports the failure codes the registry does not know, or knows but not on the surface they were
 * seen on, with counts, first and last sightings, one redacted example message and a YAML stub.
 *
 * Classification is the runtime's own (classifyFailure, classifyBatchLine over the embedded
 * tables), so ingest agrees with what raiseForFailedResponse would have thrown. Input streams line
 * by line; what is kept grows with the number of distinct (surface, code) pairs, capped at
 * MAX_GROUPS, never with the input. Junk lines are counted, never fatal; an input that is binary,
 * missing or unreadable is one line and exit 2.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { TABLES } from '../../generated/registry.ts';
import { classifyFailureIn, classifyOnSurface } from '../../src/classify.ts';
import type { RegistryTables } from '../../src/spec.ts';
import { redactSecrets } from '../../src/redact.ts';
import { inRepository, packageFile } from '../pipeline/package-files.ts';
import { InputError } from '../pipeline/errors.ts';

/** Distinct (surface, code) pairs kept; later new pairs are only counted. */
export const MAX_GROUPS = 10_000;
/** Longest example message kept, in characters. */
export const MAX_EXAMPLE = 300;
/** Leading bytes of an input searched for NUL: a binary file is refused, not read as junk. */
const BINARY_PROBE_BYTES = 8192;
/** Malformed lines listed by position (all are counted). */
const MALFORMED_SHOWN = 5;
/** Top-level fields read as the time of a line, in this order. */
const TIMESTAMP_FIELDS = ['timestamp', '@timestamp', 'time', 'ts', 'created_at', 'failed_at', 'expired_at'] as const;

/** Where a line was read. */
export interface Sighting {
  readonly input: string;
  readonly line: number;
  /** The line's timestamp field, as ISO 8601 for epoch numbers; null when it has none. */
  readonly timestamp: string | null;
}

/** Every failure of one code on one surface. */
export interface CodeGroup {
  readonly surface: string;
  /** The code as seen (secrets redacted); null when the failure carried none. */
  readonly code: string | null;
  /** Whether the registry knows the code. */
  readonly known: boolean;
  /** Whether the registry lists the code on this surface. */
  readonly listed: boolean;
  /** The class the runtime gave it (the surface fallback for an unknown code). */
  readonly class: string;
  count: number;
  readonly first: Sighting;
  last: Sighting;
  /** One message, secrets redacted and cut at MAX_EXAMPLE. */
  example: string | null;
}

/** What ingest found. */
export interface IngestReport {
  readonly inputs: readonly string[];
  lines: number;
  blank: number;
  failures: number;
  /** Valid JSON objects that report no failure (a completed response, a successful batch line). */
  notFailures: number;
  /** Lines that are not JSON objects, or records naming a surface the registry does not have. */
  malformed: number;
  readonly malformedLines: { input: string; line: number; problem: string }[];
  /** New (surface, code) pairs seen after MAX_GROUPS were kept. */
  droppedGroups: number;
  readonly groups: CodeGroup[];
}

/** Facts read from one line: the surface, code, class and message of its failure. */
interface LineFailure {
  readonly surface: string;
  readonly code: string | null;
  readonly class: string;
  readonly message: string;
}

/** registry.json's shape, as far as ingest reads it. */
export interface RegistryJson {
  readonly version: string;
  readonly fallbacks: Readonly<Record<string, { class: string; extends: string; category: string; http?: number; baseRule?: string }>>;
  readonly codes: Readonly<Record<string, { class: string; surfaces: string[]; refinements?: { class?: string }[]; overrides?: Record<string, { class: string }> }>>;
}

/**
 * The registry ingest judges by: the runtime's tables to classify with, its registry.json data
 * (which surfaces list a code, the classes taken, the version), and the file the stubs go in.
 */
export interface IngestRegistry {
  readonly tables: RegistryTables;
  readonly data: RegistryJson;
  /** Where the stubs are pasted, as the user named it. */
  readonly file: string;
}

let embedded: IngestRegistry | undefined;

/** The embedded registry: the generated tables and generated/registry.json of this package. */
export function embeddedRegistry(): IngestRegistry {
  // Outside this repository there is no registry/openai.yaml to edit: the stubs go in a registry of the user's own.
  const file = inRepository() ? 'registry/openai.yaml' : `a copy of ${relative(process.cwd(), packageFile('registry/openai.yaml'))} (then pass it with --registry)`;
  embedded ??= { tables: TABLES, data: JSON.parse(readFileSync(packageFile('generated/registry.json'), 'utf8')) as RegistryJson, file };
  return embedded;
}

/** What ingest looks up per line and per stub, derived once per registry. */
interface RegistryIndex {
  readonly surfaceNames: ReadonlySet<string>;
  /** The classes the registry already has: its codes', refinements', overrides' and fallbacks'. */
  readonly classes: ReadonlySet<string>;
}

const indexes = new WeakMap<IngestRegistry, RegistryIndex>();
function indexOf(reg: IngestRegistry): RegistryIndex {
  let index = indexes.get(reg);
  if (index === undefined) {
    const classes = new Set<string>(Object.values(reg.data.fallbacks).map((f) => f.class));
    for (const c of Object.values(reg.data.codes)) {
      classes.add(c.class);
      for (const r of c.refinements ?? []) if (r.class !== undefined) classes.add(r.class);
      for (const o of Object.values(c.overrides ?? {})) classes.add(o.class);
    }
    index = { surfaceNames: new Set(reg.tables.surfaces.map((x) => x.name)), classes };
    indexes.set(reg, index);
  }
  return index;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const codeSpec = (reg: IngestRegistry, code: string | null) => (code !== null && Object.hasOwn(reg.data.codes, code) ? reg.data.codes[code] : undefined);

/** A toJSON() record (FailureFacts) as logged: class, surface and code. */
function isFailureRecord(obj: Record<string, unknown>): boolean {
  return typeof obj['class'] === 'string' && typeof obj['surface'] === 'string' && 'code' in obj && (typeof obj['code'] === 'string' || obj['code'] === null);
}

/** The failure one parsed line reports; a string names why the line is malformed; undefined when it reports none. */
export function failureOfLine(obj: unknown, reg: IngestRegistry = embeddedRegistry()): LineFailure | string | undefined {
  if (!isRecord(obj)) return 'not a JSON object';
  if (isFailureRecord(obj)) {
    const surface = obj['surface'] as string;
    if (!indexOf(reg).surfaceNames.has(surface)) return `record names an unknown surface ${JSON.stringify(surface.slice(0, 60))}`;
    return { surface, code: obj['code'] as string | null, class: obj['class'] as string, message: typeof obj['message'] === 'string' ? obj['message'] : '' };
  }
  const facts = classifyFailureIn(reg.tables, obj) ?? ('custom_id' in obj ? classifyOnSurface(reg.tables, 'batch.line', obj) : undefined);
  if (facts === undefined) return undefined;
  return { surface: facts.surface, code: facts.code, class: facts.class, message: facts.message.startsWith('no message (') ? '' : facts.message };
}

function timestampOf(obj: unknown): string | null {
  if (!isRecord(obj)) return null;
  for (const field of TIMESTAMP_FIELDS) {
    const v = obj[field];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
      const ms = v < 1e11 ? v * 1000 : v; // epoch seconds (OpenAI objects) or milliseconds
      const d = new Date(ms);
      if (!Number.isNaN(d.getTime())) return d.toISOString();
    }
    if (typeof v === 'string' && v !== '') return redactSecrets(v.slice(0, 64));
  }
  return null;
}

/** Text from a log, safe to print: secrets redacted, control characters escaped, length bounded. */
function printable(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  // eslint-disable-next-line no-control-regex
  return redactSecrets(cut).replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An empty report over the named inputs. */
export function emptyReport(inputs: readonly string[]): IngestReport {
  return { inputs, lines: 0, blank: 0, failures: 0, notFailures: 0, malformed: 0, malformedLines: [], droppedGroups: 0, groups: [] };
}

/** Adds one line to the report; `index` maps group keys to groups. */
function addLine(reg: IngestRegistry, report: IngestReport, index: Map<string, CodeGroup>, input: string, lineNo: number, line: string): void {
  report.lines++;
  if (line.trim() === '') {
    report.blank++;
    return;
  }
  const malformed = (problem: string) => {
    report.malformed++;
    if (report.malformedLines.length < MALFORMED_SHOWN) report.malformedLines.push({ input, line: lineNo, problem });
  };
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    malformed('not JSON');
    return;
  }
  const failure = failureOfLine(obj, reg);
  if (typeof failure === 'string') {
    malformed(failure);
    return;
  }
  if (failure === undefined) {
    report.notFailures++;
    return;
  }
  report.failures++;
  const code = failure.code === null ? null : printable(failure.code, 200);
  const key = `${failure.surface}\u0000${code ?? ''}`;
  const seen: Sighting = { input, line: lineNo, timestamp: timestampOf(obj) };
  const message = failure.message === '' ? null : printable(failure.message, MAX_EXAMPLE);
  const group = index.get(key);
  if (group !== undefined) {
    group.count++;
    group.last = seen;
    group.example ??= message;
    return;
  }
  if (index.size >= MAX_GROUPS) {
    report.droppedGroups++;
    return;
  }
  const spec = codeSpec(reg, failure.code);
  const fresh: CodeGroup = {
    surface: failure.surface,
    code,
    known: spec !== undefined,
    listed: spec?.surfaces.includes(failure.surface) ?? false,
    class: failure.class,
    count: 1,
    first: seen,
    last: seen,
    example: message,
  };
  index.set(key, fresh);
  report.groups.push(fresh);
}

/** Opens a log file for streaming; every problem with it is an InputError naming it. */
function openInput(path: string): Readable {
  let stats;
  try {
    stats = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`}`);
  }
  if (stats.isDirectory()) throw new InputError(`${path}: is a folder, not a log file`);
  return createReadStream(path);
}

/** Streams one input into the report, line by line. */
export async function ingestStream(report: IngestReport, index: Map<string, CodeGroup>, input: string, stream: Readable, reg: IngestRegistry = embeddedRegistry()): Promise<void> {
  let failed: Error | undefined;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    failed = new InputError(`${input}: cannot read (${e.code ?? e.message})`);
  });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let probed = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (probed < BINARY_PROBE_BYTES) {
        if (line.includes('\u0000')) throw new InputError(`${input}: binary data (NUL byte on line ${lineNo}), not JSON Lines`);
        probed += line.length + 1;
      }
      addLine(reg, report, index, input, lineNo, line);
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${input}: cannot read (${code ?? (e as Error).message})`);
  } finally {
    lines.close();
    stream.destroy();
  }
  if (failed !== undefined) throw failed;
}

/** Reads every input (`-` is standard input) into one report. */
export async function ingest(inputs: readonly string[], stdin: Readable = process.stdin, reg: IngestRegistry = embeddedRegistry()): Promise<IngestReport> {
  const report = emptyReport(inputs);
  const index = new Map<string, CodeGroup>();
  // Every path is checked before any is read, so a typo in the last one fails at once.
  const streams = inputs.map((input) => (input === '-' ? () => stdin : ((s: Readable) => () => s)(openInput(input))));
  for (const [i, input] of inputs.entries()) {
    await ingestStream(report, index, input === '-' ? '(stdin)' : input, (streams[i] as () => Readable)(), reg);
  }
  return report;
}

/** The groups worth reporting: unknown codes, then known codes off their listed surfaces, by count. */
export function findings(report: IngestReport): { unknown: CodeGroup[]; unlisted: CodeGroup[]; known: CodeGroup[] } {
  const byCount = (a: CodeGroup, b: CodeGroup) => b.count - a.count || (a.surface < b.surface ? -1 : a.surface > b.surface ? 1 : 0) || ((a.code ?? '') < (b.code ?? '') ? -1 : 1);
  return {
    unknown: report.groups.filter((g) => !g.known).sort(byCount),
    unlisted: report.groups.filter((g) => g.known && !g.listed).sort(byCount),
    known: report.groups.filter((g) => g.known && g.listed).sort(byCount),
  };
}

/** A class name for a new code: PascalCase words + Error, kept clear of existing classes. */
export function stubClassName(code: string, taken: ReadonlySet<string>): string {
  const words = code.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  let name = words.map((w) => `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}`).join('');
  if (name === '' || /^[0-9]/.test(name)) name = `Code${name}`;
  if (!name.endsWith('Error')) name = `${name}Error`;
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name.slice(0, -'Error'.length)}${i}Error`;
  return candidate;
}

/** A YAML scalar: plain when unambiguous, else double-quoted (JSON's escapes are YAML's). */
function yamlScalar(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(s) ? s : JSON.stringify(s);
}

/** Ready-to-paste YAML entries (under `codes:`) for every unknown code, merged over the surfaces it was seen on. */
export function yamlStubs(report: IngestReport, reg: IngestRegistry = embeddedRegistry()): string {
  const [major = '0', minor = '0'] = reg.data.version.split('.');
  const since = `${major}.${Number(minor) + 1}.0`;
  const byCode = new Map<string, CodeGroup[]>();
  for (const g of findings(report).unknown) {
    if (g.code === null || g.code.includes('[redacted]')) continue;
    byCode.set(g.code, [...(byCode.get(g.code) ?? []), g]);
  }
  const taken = new Set(indexOf(reg).classes);
  const out: string[] = [];
  for (const [code, groups] of byCode) {
    const first = groups[0] as CodeGroup;
    const fallbackName = reg.tables.surfaces.find((s) => s.name === first.surface)?.unknown ?? '';
    const fallback = Object.hasOwn(reg.data.fallbacks, fallbackName) ? reg.data.fallbacks[fallbackName] : undefined;
    const cls = stubClassName(code, taken);
    taken.add(cls);
    const count = groups.reduce((n, g) => n + g.count, 0);
    const seen = groups.map((g) => `${g.surface} x${g.count}`).join(', ');
    const base = fallback?.http !== undefined
      ? `    http: ${fallback.http}                            # TODO: the status the code arrives with, shown by the evidence (status: on it), or baseRule:`
      : `    baseRule: ${JSON.stringify(fallback?.baseRule ?? 'TODO: the rule that chose the base class')}   # TODO: confirm, or give http: with evidence`;
    out.push(
      `  # seen ${count} time${count === 1 ? '' : 's'} (${seen}); first ${first.first.input}:${first.first.line}. Fill in every TODO before committing.`,
      `  ${yamlScalar(code)}:`,
      `    class: ${cls}`,
      `    extends: ${fallback?.extends ?? 'APIError'}      # from the ${first.surface} fallback (${fallback?.class ?? fallbackName}); the base-class rule decides`,
      `    category: ${fallback?.category ?? 'unknown'}      # TODO: the family users catch it with (quota, rate_limit, server, invalid_request, ...)`,
      '    retryable: false                  # conservative until evidence says resubmitting can succeed',
      base,
      `    surfaces: [${[...new Set(groups.map((g) => g.surface))].sort().map(yamlScalar).join(', ')}]`,
      '    description: "TODO: what happened, and why it is or is not retryable."',
      `    since: ${since}`,
      '    evidence:',
      '      - url: "TODO: a public https URL where this code was seen (openai URLs pinned to a tag or commit)"',
      '        note: "TODO: what the evidence shows; add status: when it shows the HTTP status."',
    );
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function where(s: Sighting): string {
  return `${s.input}:${s.line}${s.timestamp === null ? '' : ` (${s.timestamp})`}`;
}

/** The report as text, ending with a newline. */
export function formatIngest(report: IngestReport, reg: IngestRegistry = embeddedRegistry()): string {
  const { unknown, unlisted, known } = findings(report);
  const lines = [
    `ingest: ${report.lines} line${report.lines === 1 ? '' : 's'} in ${report.inputs.length} input${report.inputs.length === 1 ? '' : 's'}: ${report.failures} failure${report.failures === 1 ? '' : 's'}, ${report.notFailures} not failures, ${report.malformed} malformed, ${report.blank} blank`,
  ];
  if (report.malformed > 0) lines.push(`malformed lines (counted, skipped): ${report.malformedLines.map((m) => `${m.input}:${m.line} ${m.problem}`).join('; ')}${report.malformed > report.malformedLines.length ? '; ...' : ''}`);
  if (report.droppedGroups > 0) lines.push(`more than ${MAX_GROUPS} distinct codes: ${report.droppedGroups} failures of further codes were counted only`);
  const group = (g: CodeGroup) => [
    `  ${g.surface} ${g.code ?? '(no code)'}: ${g.count}x, first ${where(g.first)}, last ${where(g.last)}, classified as ${g.class}`,
    ...(g.example === null ? [] : [`      example: ${g.example}`]),
  ];
  if (unknown.length > 0) lines.push('', 'UNKNOWN CODES (the surface fallback applied):', ...unknown.flatMap(group));
  if (unlisted.length > 0) lines.push('', 'KNOWN CODES ON A SURFACE THE REGISTRY DOES NOT LIST FOR THEM:', ...unlisted.flatMap(group));
  if (known.length > 0) lines.push('', 'known codes:', ...known.map((g) => `  ${g.surface} ${g.code ?? '(no code)'}: ${g.count}x`));
  const stubs = yamlStubs(report, reg);
  if (stubs !== '') lines.push('', `YAML stubs (paste under codes: in ${reg.file}, fill every TODO, then run validate):`, stubs.trimEnd());
  if (unknown.length === 0 && unlisted.length === 0) lines.push('', 'no unknown codes');
  return `${lines.join('\n')}\n`;
}
