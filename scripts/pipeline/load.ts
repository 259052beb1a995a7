/**
 * Stage 1, load: registry files on disk -> YAML documents with positions.
 *
 * Everything a registry needs is plain mappings, sequences and scalars, so anything else YAML
 * can express (aliases, tags, directives, non-string keys, YAML 1.1 booleans and octals) is
 * reported here, before any value is built from the document, and so are strings holding control
 * or bidirectional characters. Only regular files are read, through a reader that stops one byte
 * past the size cap; size and nesting are capped before the parser sees the text.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  CST,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  Composer,
  LineCounter,
  Parser,
  YAMLParseError,
  visit,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostics.ts';
import { InputError, ioReason } from './errors.ts';

/** Text or YAML files handed to the pipeline: a name for diagnostics and the file's text. */
export interface NamedText {
  readonly name: string;
  readonly text: string;
}

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


/**
 * The file-system calls the loader makes. Tests pass one that fails (a folder that cannot be
 * listed, a read that fails midway), since they run as root and permissions cannot make it fail.
 */
export interface RegistryFs {
  statSync(path: string): { isDirectory(): boolean };
  readdirSync(path: string): string[];
  openSync(path: string, flags: number): number;
  fstatSync(fd: number): FileKind & { readonly size: number };
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  closeSync(fd: number): void;
}

interface FileKind {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}

/** The real file system. */
export const nodeFs: RegistryFs = {
  statSync: (path) => statSync(path),
  readdirSync: (path) => readdirSync(path),
  openSync: (path, flags) => openSync(path, flags),
  fstatSync: (fd) => fstatSync(fd),
  readSync: (fd, buffer, offset, length, position) => readSync(fd, buffer, offset, length, position),
  closeSync: (fd) => closeSync(fd),
};

/**
 * Opened without blocking, so that a FIFO with no writer cannot hang the open (the file's kind is
 * checked right after, on the descriptor, and anything but a regular file is refused); no
 * controlling terminal is acquired by opening a tty.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

const YAML11_BOOLEANS = new Set(['y', 'yes', 'n', 'no', 'on', 'off']);
/** A plain scalar that YAML 1.1 reads as an octal number and YAML 1.2 as a decimal one. */
const YAML11_OCTAL = /^[-+]?0[0-7]+$/;
/**
 * Characters no registry string may hold: C0 and C1 controls other than tab and line feed (ANSI
 * escapes start with U+001B), DEL, and the bidirectional controls of Trojan Source
 * (CVE-2021-42574), which make generated code or CODES.md read differently from what it does.
 */
const UNSAFE_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;


/** Expands directories to their `*.yaml` / `*.yml` files, sorted in code-unit order. */
export function resolveRegistryPaths(paths: readonly string[], fs: RegistryFs = nodeFs): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDirectory;
    try {
      isDirectory = fs.statSync(p).isDirectory();
    } catch (e) {
      throw new InputError((e as { code?: unknown }).code === 'ENOENT' ? `registry path not found: ${p}` : `cannot read ${p}: ${ioReason(e)}`);
    }
    if (isDirectory) {
      let names: string[];
      try {
        names = fs.readdirSync(p);
      } catch (e) {
        throw new InputError(`cannot read ${p}: ${ioReason(e)}`);
      }
      out.push(...names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort().map((n) => join(p, n)));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Reads and parses every registry file; never throws for bad content, only for input errors. */
export function loadRegistry(paths: readonly string[], fs: RegistryFs = nodeFs): LoadResult {
  const files: LoadedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const resolved = resolveRegistryPaths(paths, fs);
  if (resolved.length === 0) {
    diagnostics.push(at(paths.join(', '), 1, 1, 'NO_REGISTRY_FILES', 'no .yaml files found'));
  }
  for (const path of resolved) {
    const file = displayPath(path);
    const read = readRegistryFile(path, file, fs);
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      // Kept as a file without a value, so the semantic rules do not run over the files that
      // were read and report what only looks missing (every code, when the unread file had them).
      files.push({ file, text: '', doc: undefined, lineCounter: new LineCounter(), value: undefined });
      continue;
    }
    const parsed = parseRegistryText(file, read.text);
    files.push(parsed.file);
    diagnostics.push(...parsed.diagnostics);
  }
  return { files, diagnostics };
}

/**
 * A path as diagnostics print it: relative to the working directory when inside it, else
 * absolute (`/dev/zero`, not `../../dev/zero`), with `/` separators.
 */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel === '' ? path : rel.startsWith('..') || isAbsolute(rel) ? resolve(path) : rel;
  return shown.split('\\').join('/');
}

/**
 * A registry file's name from its registry's root: the nearest folder above it holding a
 * package.json (where `npm run generate` runs), else the file's own folder. It does not depend on
 * the working directory: the embedded registry is `registry/openai.yaml` from anywhere.
 */
export function sourceName(file: string): string {
  const absolute = resolve(file);
  for (let dir = dirname(absolute); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return relative(dir, absolute).split(sep).join('/');
    if (dirname(dir) === dir) return basename(absolute);
  }
}

/**
 * Reads one registry file as UTF-8: a regular file only (checked on the open descriptor, so a
 * path swapped for a FIFO after a check cannot slip through), never more than the cap plus one
 * byte whatever the file claims its size is (`/dev/zero` and `/proc` files claim 0), and with
 * invalid UTF-8 reported where it starts instead of replaced. I/O errors throw InputError.
 */
export function readRegistryFile(
  path: string,
  file: string,
  fs: RegistryFs = nodeFs,
): { ok: true; text: string } | { ok: false; diagnostic: Diagnostic } {
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${ioReason(e)}`);
  }
  let bytes: Uint8Array;
  try {
    const kind = fs.fstatSync(fd);
    if (!kind.isFile()) {
      return { ok: false, diagnostic: at(file, 1, 1, 'FILE_NOT_REGULAR', `${file} is ${kindOf(kind)}; a registry is a regular file`) };
    }
    const limit = MAX_FILE_BYTES + 1;
    let buffer = new Uint8Array(Math.min(limit, Math.max(kind.size + 1, 64 * 1024)));
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total === limit) break;
        const grown = new Uint8Array(Math.min(limit, buffer.length * 2));
        grown.set(buffer);
        buffer = grown;
      }
      const n = fs.readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) break;
      total += n;
    }
    if (total > MAX_FILE_BYTES) {
      return { ok: false, diagnostic: at(file, 1, 1, 'FILE_TOO_LARGE', `file is over ${MAX_FILE_BYTES} bytes; the limit is ${MAX_FILE_BYTES}`) };
    }
    bytes = buffer.subarray(0, total);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${ioReason(e)}`);
  } finally {
    try {
      fs.closeSync(fd);
    } catch {
      // Nothing was written through the descriptor; a failed close loses nothing.
    }
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const { line, col } = invalidUtf8Position(bytes);
    return { ok: false, diagnostic: at(file, line, col, 'INVALID_UTF8', 'the file is not valid UTF-8 here', 'save the file as UTF-8') };
  }
}

function kindOf(k: FileKind): string {
  if (k.isDirectory()) return 'a directory';
  if (k.isFIFO()) return 'a FIFO';
  if (k.isCharacterDevice()) return 'a character device';
  if (k.isBlockDevice()) return 'a block device';
  if (k.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Where the first invalid UTF-8 sequence starts: the longest prefix that decodes (streaming, so
 * a sequence cut at the prefix's end is not an error) is found by bisection, then the line and
 * column are counted in that valid prefix, in UTF-16 units as the YAML positions are.
 */
function invalidUtf8Position(bytes: Uint8Array): { line: number; col: number } {
  const decodes = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 1) {
    const mid = good + Math.floor((bad - good) / 2);
    if (decodes(mid)) good = mid;
    else bad = mid;
  }
  const prefix = new TextDecoder('utf-8').decode(bytes.subarray(0, good), { stream: true });
  const lastBreak = prefix.lastIndexOf('\n');
  let line = 1;
  for (let i = prefix.indexOf('\n'); i !== -1; i = prefix.indexOf('\n', i + 1)) line++;
  return { line, col: prefix.length - lastBreak };
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

  // yaml's parseDocument, with the syntax tree's tokens tapped on their way to the composer:
  // tags and directives are found there, exactly where they stand, without a second parse.
  const properties: ExplicitProperty[] = [];
  const tapped = function* (tokens: Generator<CST.Token>) {
    for (const token of tokens) {
      collectExplicitProperties(token, properties);
      yield token;
    }
  };
  const composer = new Composer({
    // yaml's own duplicate-key check compares every key with every earlier one (quadratic in a
    // 10,000-code map); the visitor below does it with a Set.
    uniqueKeys: false,
    schema: 'core',
    version: '1.2',
  });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tapped(new Parser(lineCounter.addNewLine).parse(text)), true, text.length)) {
    if (doc === undefined) {
      doc = next;
    } else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'the file holds more than one YAML document'));
      break;
    }
  }
  if (doc === undefined) throw new Error('yaml composed no document'); // compose(..., true) always ends with one
  for (const e of doc.errors) {
    report(e.pos[0], e.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX', firstLine(e.message));
  }
  // Every explicit tag is refused, known ones too: `!!omap` and `!!set` silently become empty
  // mappings under the core schema, and `!!str 1` turns a number into a string. A directive
  // (`%YAML 1.1`, `%TAG`) changes how the rest of the file reads, so it is refused as well.
  const tags = new Set<number>();
  for (const property of properties) {
    if (property.type === 'tag') {
      tags.add(property.offset);
      report(property.offset, 'TAG_NOT_ALLOWED', `tag ${property.source} is not allowed`, 'a registry uses no tags; remove it');
    } else {
      report(property.offset, 'DIRECTIVE_NOT_ALLOWED', `directive ${firstLine(property.source)} is not allowed`, 'a registry is plain YAML 1.2; remove it');
    }
  }
  for (const w of doc.warnings) {
    // An unresolved tag is already reported above, at the same place.
    if (w.code === 'TAG_RESOLVE_FAILED' && tags.has(w.pos[0])) continue;
    report(w.pos[0], 'YAML_SYNTAX', firstLine(w.message));
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
      const start = node.range?.[0] ?? 0;
      if (node.type === 'PLAIN' && node.tag === undefined) {
        if (typeof node.value === 'string' && YAML11_BOOLEANS.has(node.value.toLowerCase())) {
          report(start, 'YAML11_BOOLEAN', `"${node.value}" is a YAML 1.1 boolean but a YAML 1.2 string`, 'write true or false, or quote the string');
        } else if (typeof node.value === 'number' && YAML11_OCTAL.test(node.source ?? '')) {
          report(start, 'YAML11_OCTAL', `${node.source} is octal ${Number.parseInt(node.source ?? '', 8)} in YAML 1.1 but decimal ${node.value} in YAML 1.2`, `write ${node.value}, or 0o${(node.source ?? '').replace(/^[-+]?0+/, '')} for octal`);
        }
      }
      if (typeof node.value === 'string') {
        const found = UNSAFE_CHARACTER.exec(node.value);
        if (found !== null) {
          const ch = found[0];
          const code = `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
          // Point at the character itself when it stands raw in the source, else at the string.
          const raw = text.indexOf(ch, start);
          const end = node.range?.[1] ?? start;
          report(raw !== -1 && raw < end ? raw : start, 'CONTROL_CHARACTER', `string holds ${code} (${describeUnsafe(ch)}) at character ${found.index + 1}`, 'remove it; registry strings are plain text');
        }
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

interface ExplicitProperty {
  readonly type: 'tag' | 'directive';
  readonly offset: number;
  readonly source: string;
}

/** Adds every tag and directive of one top-level syntax-tree token to `found`. */
function collectExplicitProperties(token: CST.Token, found: ExplicitProperty[]): void {
  if (token.type === 'directive') {
    found.push({ type: 'directive', offset: token.offset, source: token.source });
    return;
  }
  if (token.type !== 'document') return;
  // CST.visit also hands over the document itself, whose start is collected first.
  const seen = new Set<number>();
  const collect = (tokens: readonly CST.Token[] | undefined) => {
    for (const t of tokens ?? []) {
      if (t.type === 'tag' && !seen.has(t.offset)) {
        seen.add(t.offset);
        found.push({ type: 'tag', offset: t.offset, source: t.source });
      }
    }
  };
  // A block scalar keeps its own properties (`key: !!str |`); every other node's sit in the
  // document's start or in the start and separator of the item that holds it.
  const scalarProps = (value: CST.Token | undefined) => {
    if (value?.type === 'block-scalar') collect(value.props);
  };
  collect(token.start);
  scalarProps(token.value);
  CST.visit(token, (item) => {
    collect(item.start);
    collect(item.sep);
    scalarProps(item.value);
  });
}

function describeUnsafe(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c === 0x1b) return 'escape, as in ANSI terminal sequences';
  if (c === 0) return 'NUL';
  if (c <= 0x9f) return 'a control character';
  return 'a bidirectional control character';
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

