/**
 * The global names a generated class must not shadow, re-derived from what is installed and
 * compared with the committed list (scripts/pipeline/js-globals.ts). UPDATE_GLOBALS=1 rewrites the list
 * as the union of itself and the derivation; NODE_TYPES_DIR=/path/to/@types/node adds the
 * globals of a newer Node version than the installed types describe.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { JAVASCRIPT_GLOBALS } from '../scripts/pipeline/js-globals.ts';

const require = createRequire(import.meta.url);

/** Every `.d.ts` file under a folder. */
function declarationFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : declarationFiles(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Names a list of statements declares as values (variables, functions, classes, enums, namespaces with values). */
function valueNames(statements: readonly ts.Statement[]): string[] {
  const names: string[] = [];
  for (const s of statements) {
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    } else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) && s.name) {
      names.push(s.name.text);
    } else if (ts.isModuleDeclaration(s) && ts.isIdentifier(s.name) && s.body && ts.isModuleBlock(s.body)) {
      if (valueNames(s.body.statements).length > 0) names.push(s.name.text);
    }
  }
  return names;
}

/** Globals a declaration file adds: its top level when it is a script, and every `declare global` block. */
function declaredGlobals(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, false);
  const isModule = source.statements.some((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s));
  const names = isModule ? [] : valueNames(source.statements);
  const visit = (node: ts.Node) => {
    if (ts.isModuleDeclaration(node) && node.name.text === 'global' && node.body && ts.isModuleBlock(node.body)) {
      names.push(...valueNames(node.body.statements));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/** The derivation: ECMAScript libs of TypeScript, Node's global declarations, and this runtime's globals. */
export function deriveGlobals(): { name: string; from: string }[] {
  const found: { name: string; from: string }[] = [];
  const libDir = dirname(require.resolve('typescript/lib/lib.esnext.d.ts'));
  for (const name of readdirSync(libDir)) {
    // The ECMAScript libraries only: the DOM and worker libraries describe browsers, not Node.
    if (!/^lib\.(es\d+|esnext|decorators)[.a-z0-9]*\.d\.ts$/.test(name) || name.includes('.full.')) continue;
    for (const g of declaredGlobals(join(libDir, name))) found.push({ name: g, from: `typescript/lib/${name}` });
  }
  const typesDirs = [dirname(require.resolve('@types/node/package.json'))];
  if (process.env['NODE_TYPES_DIR']) typesDirs.push(process.env['NODE_TYPES_DIR']);
  for (const dir of typesDirs) {
    for (const file of declarationFiles(dir)) for (const g of declaredGlobals(file)) found.push({ name: g, from: file });
  }
  for (const g of Object.getOwnPropertyNames(globalThis)) {
    // The test runner's own globals are not Node's.
    if (!g.startsWith('__vitest')) found.push({ name: g, from: `globalThis of Node ${process.version}` });
  }
  return found.filter((f) => /^[A-Za-z_$][\w$]*$/.test(f.name));
}

describe('JavaScript globals a class name must not shadow', () => {
  const derived = deriveGlobals();

  it('the committed list holds every global the installed TypeScript libs, @types/node and this Node declare', () => {
    if (process.env['UPDATE_GLOBALS'] === '1') {
      const names = [...new Set([...JAVASCRIPT_GLOBALS, ...derived.map((d) => d.name)])].filter((n) => n !== '').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const path = 'scripts/pipeline/js-globals.ts';
      const text = readFileSync(path, 'utf8');
      const lines: string[] = [];
      let line = '';
      for (const n of names) {
        if (line.length + n.length + 1 > 96) {
          lines.push(line);
          line = '';
        }
        line = line === '' ? n : `${line} ${n}`;
      }
      lines.push(line);
      const list = lines.map((l) => `  '${l}',`).join('\n');
      writeFileSync(path, text.replace(/(const NAMES: readonly string\[\] = \[\n)[\s\S]*?(\n\];)/, `$1${list}$2`));
      return;
    }
    const missing = derived.filter((d) => !JAVASCRIPT_GLOBALS.has(d.name));
    expect(missing, 'run with UPDATE_GLOBALS=1 to add them').toEqual([]);
  });

  it('includes the globals of Node 20 through 26 that the reserved list used to miss', () => {
    for (const name of ['SuppressedError', 'AggregateError', 'DOMException', 'DisposableStack', 'Iterator', 'Float16Array', 'WebSocket', 'Navigator', 'CustomEvent', 'File']) {
      expect(JAVASCRIPT_GLOBALS.has(name), name).toBe(true);
    }
  });
});
