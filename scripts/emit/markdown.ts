/** Emits generated/CODES.md: a readable table of every code, then the refinements. */
import type { Registry } from '../model.ts';
import { headerLines, oneLine, type OutputFile } from './common.ts';

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

export function emitMarkdown(registry: Registry): OutputFile {
  const lines: string[] = [
    ...headerLines(registry).map((l) => `<!-- ${l.replace(/--/g, '- -')} -->`),
    '',
    `# Failure codes (registry ${registry.version})`,
    '',
    `${registry.codes.length} codes on ${registry.surfaces.length} surfaces. "Retryable" means resubmitting the same request may succeed; it never means polling the same object again. A null or unknown code gets \`${registry.defaults.class}\` (extends \`${registry.defaults.extends}\`), ${registry.defaults.retryable ? 'retryable' : 'not retryable'}.`,
    '',
    '| Code | Class | SDK base | Retryable | Backoff | Surfaces | Description | Evidence |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of registry.codes) {
    lines.push(
      `| ${cell(c.code)} | ${cell(c.class)} | ${cell(c.extends)} | ${c.retryable ? 'yes' : 'no'} | ${cell(c.backoff)} | ${c.surfaces.map(cell).join(', ')} | ${cell(firstSentence(c.description))} | ${c.evidence.map((e, i) => link(String(i + 1), e.url)).join(' ')} |`,
    );
  }
  const refined = registry.codes.filter((c) => c.refinements.length > 0);
  if (refined.length > 0) {
    lines.push('', '## Refinements', '', 'Where one code means two things, the error type or a case-insensitive message substring decides.', '');
    lines.push('| Code | When | Reported as | Class | Retryable | Note |', '| --- | --- | --- | --- | --- | --- |');
    for (const c of refined) {
      for (const r of c.refinements) {
        const when = r.when.type !== undefined ? `type is ${cell(r.when.type)}` : `message contains "${cell(r.when.messageContains ?? '')}"`;
        lines.push(`| ${cell(c.code)} | ${when} | ${cell(r.code)} | ${cell(r.class)} | ${r.retryable ? 'yes' : 'no'} | ${cell(r.note)} |`);
      }
    }
  }
  lines.push('', '## Backoff profiles', '', '| Profile | Strategy | Initial ms | Max ms | Multiplier | Jitter | Max attempts | Server hints |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const b of registry.backoff) {
    lines.push(`| ${cell(b.name)} | ${b.strategy} | ${b.initialMs} | ${b.maxMs} | ${b.multiplier} | ${b.jitter} | ${b.maxAttempts} | ${b.honourServerHints ? 'honoured' : 'ignored'} |`);
  }
  return { path: 'CODES.md', content: `${lines.join('\n')}\n` };
}
