/** Emits generated/CODES.md: a readable table of every code, then the refinements. */
import { readFileSync } from 'node:fs';
import type { Outcome, Registry } from '../model.ts';
import { packageFile } from '../package-files.ts';
import { headerLines, oneLine, type OutputFile } from './common.ts';
import { pascal } from './typescript.ts';

/** Text safe in a Markdown table cell: one line, pipes and markup characters escaped. */
function cell(s: string): string {
  return oneLine(s).replace(/([\\|`*_<>[\]])/g, '\\$1');
}

/** The first sentence of a description (up to the first ". "), for the table. */
function firstSentence(s: string): string {
  const line = oneLine(s);
  const end = line.indexOf('. ');
  return end < 0 ? line : line.slice(0, end + 1);
}

/** A link whose target cannot break out of the parentheses. */
function link(text: string, url: string): string {
  return `[${text}](${encodeURI(decodeUriSafe(url)).replace(/[()]/g, (c) => (c === '(' ? '%28' : '%29'))})`;
}

function decodeUriSafe(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

/** Text inside a code span of a table cell: one line, no backtick or pipe can end it. */
function code(s: string): string {
  return `\`${oneLine(s).replace(/[`|]/g, ' ')}\``;
}

function reason(o: Outcome): string {
  return o.http !== undefined ? `HTTP ${o.http}` : cell(firstSentence(o.baseRule ?? ''));
}

/** The fields of FailureFacts, from registry/failure-record.schema.json (the one definition of the record). */
function recordFields(): [string, string][] {
  const schema = JSON.parse(readFileSync(packageFile('registry/failure-record.schema.json'), 'utf8')) as {
    properties: Record<string, { description?: string }>;
    $defs: Record<string, { description?: string }>;
  };
  return Object.entries(schema.properties).map(([name, p]) => [name, p.description ?? schema.$defs[name]?.description ?? '']);
}

export function emitMarkdown(registry: Registry, command?: string): OutputFile {
  const lines: string[] = [
    ...headerLines(registry, command).map((l) => `<!-- ${l.replace(/--/g, '- -')} -->`),
    '',
    `# Failure codes (registry ${registry.version})`,
    '',
    `${registry.codes.length} codes on ${registry.surfaces.length} surfaces. "Retryable" means resubmitting the same request may succeed; it never means polling the same object again. A code's SDK base is the class openai throws when the code arrives over HTTP with the status in the Base column; codes never seen over HTTP state the rule that chose it. A null or unknown code gets its surface's fallback (below).`,
    '',
    '| Code | Class | SDK base | Category | Retryable | Backoff | Base | Surfaces | Description | Evidence |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of registry.codes) {
    lines.push(
      `| ${cell(c.code)} | ${cell(c.class)} | ${cell(c.extends)} | ${cell(c.category)} | ${c.retryable ? 'yes' : 'no'} | ${cell(c.backoff)} | ${reason(c)} | ${c.surfaces.map(cell).join(', ')} | ${cell(firstSentence(c.description))} | ${c.evidence.map((e, i) => link(String(i + 1), e.url)).join(' ')} |`,
    );
  }
  const overridden = registry.codes.filter((c) => c.overrides.length > 0);
  if (overridden.length > 0) {
    lines.push('', '## Per-surface differences', '', 'Where one code means different things on different surfaces.', '');
    lines.push('| Code | Surface | Class | SDK base | Category | Retryable | Backoff | Base |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const c of overridden) {
      for (const o of c.overrides) {
        lines.push(`| ${cell(c.code)} | ${cell(o.surface)} | ${cell(o.class)} | ${cell(o.extends)} | ${cell(o.category)} | ${o.retryable ? 'yes' : 'no'} | ${cell(o.backoff)} | ${reason(o)} |`);
      }
    }
  }
  const refined = registry.codes.filter((c) => c.refinements.length > 0);
  if (refined.length > 0) {
    lines.push('', '## Refinements', '', 'Where one code means two things, the error type or a case-insensitive message substring decides.', '');
    lines.push('| Code | When | Reported as | Class | Category | Retryable | Note |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const c of refined) {
      for (const r of c.refinements) {
        const when = r.when.type !== undefined ? `type is ${cell(r.when.type)}` : `message contains "${cell(r.when.messageContains ?? '')}"`;
        lines.push(`| ${cell(c.code)} | ${when} | ${cell(r.code)} | ${cell(r.class)} | ${cell(r.category)} | ${r.retryable ? 'yes' : 'no'} | ${cell(r.note)} |`);
      }
    }
  }
  lines.push('', '## Unknown codes', '', 'What a null or unknown code becomes on each surface; the code itself is kept on the error.', '');
  lines.push('| Surface | Fallback | Class | SDK base | Retryable | Base |', '| --- | --- | --- | --- | --- | --- |');
  for (const s of registry.surfaces) {
    const f = registry.fallbacks.find((x) => x.name === s.unknown);
    if (f !== undefined) lines.push(`| ${cell(s.name)} | ${cell(f.name)} | ${cell(f.class)} | ${cell(f.extends)} | ${f.retryable ? 'yes' : 'no'} | ${reason(f)} |`);
  }
  lines.push('', '## Categories', '', 'Each category has a type guard that accepts a registry error or a plain openai error.', '');
  lines.push('| Category | Guard | Codes | Description |', '| --- | --- | --- | --- |');
  for (const c of registry.categories) {
    const n = registry.codes.filter((x) => x.category === c.name).length;
    lines.push(`| ${cell(c.name)} | ${code(`is${pascal(c.name)}Failure(e)`)} | ${n} | ${cell(c.description)} |`);
  }
  lines.push('', '## Failure record', '', 'What classifyFailure and classifyError return, every registry error carries, and toJSON() writes (generated/failure-record.schema.json).', '');
  lines.push('| Field | Meaning |', '| --- | --- |');
  for (const [name, description] of recordFields()) lines.push(`| ${cell(name)} | ${cell(description)} |`);
  lines.push('', '## Backoff profiles', '', '| Profile | Strategy | Initial ms | Max ms | Multiplier | Jitter | Max attempts | Server hints |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const b of registry.backoff) {
    lines.push(`| ${cell(b.name)} | ${b.strategy} | ${b.initialMs} | ${b.maxMs} | ${b.multiplier} | ${b.jitter} | ${b.maxAttempts} | ${b.honourServerHints ? 'honoured' : 'ignored'} |`);
  }
  const h = registry.hints;
  lines.push('', '## Server hints', '', `${code(h.shouldRetryHeader)} overrides the decision (false always wins; true upgrades only an unknown code, with the ${code(h.shouldRetryBackoff)} profile). Delays, in priority order: ${h.delayHeaders.map((d) => `${code(d.name)} (${d.format})`).join(', ')}; body fields ${h.bodyFields.map((b) => `${code(b.path)} (${b.format})`).join(', ')}; messages after ${h.messagePhrases.map((p) => `"${cell(p)}"`).join(', ')}. Polling waits ${code(registry.polling.afterHeader)} when sent, else ${registry.polling.intervalMs} ms, at most ${registry.polling.maxIntervalMs} ms.`);
  return { path: 'CODES.md', content: `${lines.join('\n')}\n` };
}
