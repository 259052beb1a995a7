import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { typecheckBlocks, typeScriptBlocks, type BlockProblem, type CodeBlock } from './docs-blocks.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../README.md'), 'utf8');
const readmeBlocks = typeScriptBlocks(readme, 'README.md');

/** A markdown file with one broken block and one broken block tagged nocheck, checked beside the README (one program for both). */
const BROKEN = ['# broken', '', '```ts', "import { isRetryable } from 'openai-error-registry';", "const n: number = isRetryable('x');", '```', '', '```ts nocheck', 'const skipped: number = "not checked";', '```', ''].join('\n');
const brokenBlocks = typeScriptBlocks(BROKEN, 'BROKEN.md');

let problems: BlockProblem[];
beforeAll(() => {
  problems = typecheckBlocks([...readmeBlocks, ...brokenBlocks]);
}, 120_000);

describe('README code blocks', () => {
  it('finds the README ts blocks and skips those tagged nocheck', () => {
    expect(readmeBlocks.length).toBeGreaterThanOrEqual(3);
    expect(brokenBlocks.map((b: CodeBlock) => b.line)).toEqual([4]);
  });

  it('every ts block of README.md type-checks as examples/ does', () => {
    expect(problems.filter((p) => p.file !== 'BROKEN.md')).toEqual([]);
  });

  it('a deliberately broken block fails the check, at its markdown line', () => {
    // 2322: boolean is not assignable to number; 6133: n is never read (noUnusedLocals, as in examples/).
    expect(problems.filter((p) => p.file === 'BROKEN.md').map((p) => [p.line, p.col, p.code])).toEqual([
      [5, 7, 2322],
      [5, 7, 6133],
    ]);
  });
});

describe('README facts', () => {
  it('counts the codes and surfaces the embedded registry has', () => {
    const json = JSON.parse(readFileSync(resolve(import.meta.dirname, '../generated/registry.json'), 'utf8')) as { codes: object; surfaces: object };
    const said = /maps each of (\d+) failure codes on (\d+) surfaces/.exec(readme);
    expect(said, 'the sentence that counts them').not.toBeNull();
    expect(Number(said?.[1])).toBe(Object.keys(json.codes).length);
    expect(Number(said?.[2])).toBe(Object.keys(json.surfaces).length);
  });
});
