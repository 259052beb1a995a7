/**
 * Stage 1, load: registry files on disk -> YAML documents with positions.
 *
 * Everything a registry needs is plain mappings, sequences and scalars, so anything else YAML
 * can express (aliases, tags, non-string keys, YAML 1.1 booleans) is reported here, before any
 * value is built from the document. Size and nesting are capped before the parser sees the text.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostics.ts';

/**
 * Largest registry file accepted, in bytes. The embedded registry is about 70 KiB; the cap
 * leaves room for a 10,000-code registry (about 3 MiB) and refuses anything near 10 MB.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Deepest flow nesting (`[` / `{`) accepted; a registry needs about six levels. */
export const MAX_FLOW_DEPTH = 64;
/** Widest indentation accepted, in columns; bounds block nesting the same way. */
export const MAX_INDENT = 256;

/** A parsed registry file: its text, its YAML document and the plain value (when the YAML is clean). */
export interface LoadedFile {
  /** The path as given or found, relative to the working directory, with `/` separators. */
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed | undefined;
  readonly lineCounter: LineCounter;
  /** The document as plain data; undefined when the YAML layer reported a problem. */
  readonly value: unknown;
}

export interface LoadResult {
  readonly files: readonly LoadedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Thrown for problems with the command's input itself (a path that does not exist): exit 2. */
export class RegistryInputError extends Error {
  override readonly name = 'RegistryInputError';
}

const YAML11_BOOLEANS = new Set(['y', 'yes', 'n', 'no', 'on', 'off']);

/** Expands directories to their `*.yaml` / `*.yml` files, sorted in code-unit order. */
export function resolveRegistryPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let stats;
    try {
      stats = statSync(p);
    } catch {
      throw new RegistryInputError(`registry path not found: ${p}`);
    }
    if (stats.isDirectory()) {
      const names = readdirSync(p)
        .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
        .sort();
      out.push(...names.map((n) => join(p, n)));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Reads and parses every registry file; never throws for bad content, only for missing paths. */
export function loadRegistry(paths: readonly string[]): LoadResult {
  const files: LoadedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const resolved = resolveRegistryPaths(paths);
  if (resolved.length === 0) {
    diagnostics.push(at(paths.join(', '), 1, 1, 'NO_REGISTRY_FILES', 'no .yaml files found'));
  }
  for (const path of resolved) {
    const file = relative(process.cwd(), path).split('\\').join('/') || path;
    let text: string;
    try {
      const size = statSync(path).size;
      if (size > MAX_FILE_BYTES) {
        diagnostics.push(
          at(file, 1, 1, 'FILE_TOO_LARGE', `file is ${size} bytes; the limit is ${MAX_FILE_BYTES}`),
        );
        continue;
      }
      text = readFileSync(path, 'utf8');
    } catch (e) {
      diagnostics.push(at(file, 1, 1, 'FILE_UNREADABLE', (e as Error).message));
      continue;
    }
    const parsed = parseRegistryText(file, text);
    files.push(parsed.file);
    diagnostics.push(...parsed.diagnostics);
  }
  return { files, diagnostics };
}

/** Parses one file's text; exported for tests and for registries that do not live on disk. */
export function parseRegistryText(
  file: string,
  text: string,
): { file: LoadedFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const report = (offset: number, code: DiagnosticCode, message: string, hint?: string) => {
    const p = pos(offset);
    diagnostics.push(at(file, p.line, p.col, code, message, hint));
  };

  // Refused before parsing: positions are given by hand, since the line counter is still empty.
  const refused = (line: number, col: number, code: DiagnosticCode, message: string) => ({
    file: { file, text, doc: undefined, lineCounter, value: undefined },
    diagnostics: [at(file, line, col, code, message)],
  });
  if (text.length > MAX_FILE_BYTES) {
    return refused(1, 1, 'FILE_TOO_LARGE', `file is ${text.length} characters; the limit is ${MAX_FILE_BYTES}`);
  }
  const nesting = scanNesting(text);
  if (nesting !== undefined) return refused(nesting.line, nesting.col, 'NESTING_TOO_DEEP', nesting.message);

  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    // yaml's own duplicate-key check compares every key with every earlier one (quadratic in a
    // 10,000-code map); the visitor below does it with a Set.
    uniqueKeys: false,
    schema: 'core',
    version: '1.2',
  });
  for (const e of doc.errors) {
    report(e.pos[0], e.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX', firstLine(e.message));
  }
  for (const w of doc.warnings) {
    if (w.code === 'TAG_RESOLVE_FAILED') {
      report(w.pos[0], 'UNKNOWN_TAG', firstLine(w.message), 'a registry uses no tags; remove it');
    } else {
      report(w.pos[0], 'YAML_SYNTAX', firstLine(w.message));
    }
  }
  // An alias cannot exist without its anchor, so reporting each anchor once covers every alias
  // (a billion-laughs file gets one line per anchor, not one per alias).
  const reportAnchor = (node: YamlNode & { anchor?: string }) =>
    report(node.range?.[0] ?? 0, 'ALIAS_NOT_ALLOWED', `anchor &${node.anchor} and its aliases are not allowed`, 'write the value out in full');
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as YamlNode | null;
      if (isScalar(key)) {
        if (typeof key.value !== 'string') {
          report(key.range?.[0] ?? 0, 'NON_STRING_KEY', `key ${String(key.source ?? key.value)} is not a string`, `quote it: "${String(key.source ?? key.value)}"`);
        }
      } else if (key === null || isCollection(key) || isAlias(key)) {
        const offset = key && 'range' in key && key.range ? key.range[0] : 0;
        report(offset, 'NON_STRING_KEY', 'mapping keys must be plain strings');
      }
    },
    Scalar(_, node) {
      if (node.anchor !== undefined) reportAnchor(node);
      if (
        node.type === 'PLAIN' &&
        typeof node.value === 'string' &&
        YAML11_BOOLEANS.has(node.value.toLowerCase()) &&
        node.tag === undefined
      ) {
        report(node.range?.[0] ?? 0, 'YAML11_BOOLEAN', `"${node.value}" is a YAML 1.1 boolean but a YAML 1.2 string`, 'write true or false, or quote the string');
      }
    },
    Map(_, node) {
      if (node.anchor !== undefined) reportAnchor(node);
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const offset = pair.key.range?.[0] ?? 0;
        const first = seen.get(key);
        if (first === undefined) {
          seen.set(key, offset);
        } else {
          const p = pos(first);
          report(offset, 'DUPLICATE_KEY', `duplicate key ${JSON.stringify(key)} (first at line ${p.line}, column ${p.col})`);
        }
      }
    },
    Seq(_, node) {
      if (node.anchor !== undefined) reportAnchor(node);
    },
  });

  const value = diagnostics.length === 0 ? doc.toJS({ maxAliasCount: 0 }) : undefined;
  return { file: { file, text, doc, lineCounter, value }, diagnostics };
}

/**
 * Finds the first place where flow nesting or indentation passes its cap, in one linear pass
 * over the text (quotes and comments are skipped so that `[` inside a string does not count).
 */
function scanNesting(text: string): { line: number; col: number; message: string } | undefined {
  let depth = 0;
  let line = 1;
  let col = 1;
  let indent = 0;
  let atLineStart = true;
  let quote: '"' | "'" | undefined;
  let comment = false;
  // The last non-blank character outside quotes on this line ('\n' at the start of a line): a
  // quote opens a quoted scalar only where a scalar can begin, so `don't` is not a quote.
  let previous = '\n';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      col = 1;
      indent = 0;
      atLineStart = true;
      comment = false;
      previous = '\n';
      continue;
    }
    if (atLineStart) {
      if (ch === ' ' || ch === '-') {
        indent++;
        if (indent > MAX_INDENT) {
          return { line, col, message: `indentation passes ${MAX_INDENT} columns` };
        }
      } else {
        atLineStart = false;
      }
    }
    if (comment) {
      col++;
      continue;
    }
    if (quote !== undefined) {
      if (ch === '\\' && quote === '"') {
        i++;
        col += 2;
        continue;
      }
      if (ch === quote) quote = undefined;
    } else if ((ch === '"' || ch === "'") && SCALAR_STARTS.has(previous)) {
      quote = ch;
    } else if (ch === '#' && (col === 1 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      comment = true;
    } else if (ch === '[' || ch === '{') {
      depth++;
      if (depth > MAX_FLOW_DEPTH) {
        return { line, col, message: `flow nesting passes ${MAX_FLOW_DEPTH} levels` };
      }
    } else if ((ch === ']' || ch === '}') && depth > 0) {
      depth--;
    }
    if (quote === undefined && ch !== ' ' && ch !== '\t') previous = ch ?? '';
    col++;
  }
  return undefined;
}

/** Characters after which a YAML scalar may begin (with blanks between). */
const SCALAR_STARTS = new Set(['\n', ':', '-', '[', '{', ',', '?']);

/** Path segments from the document root: mapping keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

/**
 * Each mapping's pairs by key, built once per mapping: a linear search per lookup made
 * positioning n diagnostics in an n-code map quadratic (60,000 codes took minutes).
 */
const pairIndexes = new WeakMap<YAMLMap, ReadonlyMap<string, Pair>>();
function pairIndex(node: YAMLMap): ReadonlyMap<string, Pair> {
  let index = pairIndexes.get(node);
  if (index === undefined) {
    const built = new Map<string, Pair>();
    for (const p of node.items) {
      // The first of duplicate keys wins, as the linear search did.
      if (isScalar(p.key) && !built.has(String(p.key.value))) built.set(String(p.key.value), p);
    }
    index = built;
    pairIndexes.set(node, index);
  }
  return index;
}

/**
 * The 1-based position of the node at `path` (or of its key when `key` is set); falls back to
 * the deepest existing ancestor, so a missing property points at the mapping that lacks it.
 */
export function positionOf(f: LoadedFile, path: YamlPath, key = false): { line: number; col: number } {
  let node: unknown = f.doc?.contents;
  let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = pairIndex(node).get(String(seg));
      if (pair) {
        next = pair.value;
        keyOffset = (pair.key as YamlNode).range?.[0];
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (next === undefined) break;
    const last = i === path.length - 1;
    const nodeOffset = (next as YamlNode | null)?.range?.[0];
    offset = last && key && keyOffset !== undefined ? keyOffset : (nodeOffset ?? keyOffset ?? offset);
    node = next;
  }
  const { line, col } = f.lineCounter.linePos(offset);
  return { line, col };
}

function at(
  file: string,
  line: number,
  col: number,
  code: DiagnosticCode,
  message: string,
  hint?: string,
): Diagnostic {
  return hint === undefined ? { code, message, file, line, col } : { code, message, file, line, col, hint };
}

function firstLine(s: string): string {
  const cut = s.indexOf(' at line ');
  const one = s.split('\n')[0] ?? s;
  return cut >= 0 && cut < one.length ? one.slice(0, cut) : one;
}

