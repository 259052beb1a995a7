/**
 * The README's TypeScript blocks, type-checked as examples/ is (examples/tsconfig.json): each
 * ```ts block becomes a module in a temporary folder, one program checks them all, and each
 * problem is reported at its line in the markdown. A block tagged ```ts nocheck is skipped.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

/** A fenced TypeScript block of a markdown file; `line` is the 1-based line of its first code line. */
export interface CodeBlock {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

/** A type error in a block, positioned in the markdown file. */
export interface BlockProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** TypeScript's diagnostic number (2322 for a type mismatch). */
  readonly code: number;
  readonly message: string;
}

const FENCE = /^(`{3,}|~{3,})\s*(\S*)\s*(.*)$/;

/** Every ```ts / ```typescript block of `markdown` not tagged nocheck. */
export function typeScriptBlocks(markdown: string, file: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, fence = '```', lang = '', info = ''] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] ?? '').startsWith(fence)) end++;
    if ((lang === 'ts' || lang === 'typescript') && !info.split(/\s+/).includes('nocheck')) {
      blocks.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
    }
    i = end;
  }
  return blocks;
}

const root = resolve(import.meta.dirname, '..');

/** Type-checks the blocks in one program with examples/tsconfig.json's options; the problems, by markdown position. */
export function typecheckBlocks(blocks: readonly CodeBlock[], folder = join(root, 'test/.tmp/doc-blocks')): BlockProblem[] {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const byPath = new Map<string, CodeBlock>();
  blocks.forEach((b, i) => {
    const path = join(folder, `block-${i}.ts`);
    // `export {}` keeps each block a module of its own (top-level await, no shared globals).
    writeFileSync(path, `${b.code}\nexport {};\n`);
    byPath.set(path, b);
  });
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'examples/tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
  if (config === undefined) throw new Error('examples/tsconfig.json could not be read');
  const program = ts.createProgram({ rootNames: [...byPath.keys()], options: { ...config.options, noEmit: true } });
  const problems: BlockProblem[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const block = d.file === undefined ? undefined : byPath.get(resolve(d.file.fileName));
    if (d.file === undefined || block === undefined || d.start === undefined) {
      // A problem outside the blocks (a bad option, an error in src/) is no block's; report it whole.
      problems.push({ file: d.file?.fileName ?? '(program)', line: 0, col: 0, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
      continue;
    }
    const at = d.file.getLineAndCharacterOfPosition(d.start);
    problems.push({ file: block.file, line: block.line + at.line, col: at.character + 1, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
  }
  return problems;
}
