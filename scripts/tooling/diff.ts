/**
 * The semver diff of two registries: every added, removed and changed fact, field by field, and
 * the version bump the change requires under the policy written in registry/README.md
 * ("Versioning"). Pure: it reads two normalized registries (registry.json's shape, see
 * registry-input.ts) and returns data; the CLI prints it.
 *
 * The policy is the RULES table: each rule is a plain sentence (also its test name and the reason
 * printed beside a change), the paths it covers, and the level it requires. The first rule whose
 * pattern matches a change decides; a change no rule names is minor, so an unforeseen field
 * never slips through as a patch.
 */

/** A JSON value, as registry.json holds it. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type JsonObject = { readonly [key: string]: Json };

/** A semver level, ordered: none < patch < minor < major. */
export type Level = 'none' | 'patch' | 'minor' | 'major';
const ORDER: readonly Level[] = ['none', 'patch', 'minor', 'major'];

/** A registry in registry.json's shape (`$comment` and `contentHash` dropped), with the name of its source. */
export interface RegistryInput {
  /** What the user named: a path, a path inside a git revision, ... */
  readonly source: string;
  readonly data: JsonObject;
}

/** One difference between two registries. */
export interface Change {
  /** Path segments from the registry's root: `['codes', 'server_error', 'retryable']`. */
  readonly path: readonly string[];
  readonly kind: 'added' | 'removed' | 'changed';
  readonly old?: Json;
  readonly new?: Json;
  readonly level: Exclude<Level, 'none'>;
  /** The rule that set the level, as a sentence. */
  readonly rule: string;
  /** Whether the change alters what the runtime decides (retry, backoff, replay, classification). */
  readonly behaviour: boolean;
}

/** What a diff found and what it means for the version. */
export interface DiffReport {
  readonly old: { readonly source: string; readonly version: string };
  readonly new: { readonly source: string; readonly version: string };
  /** The level the changes require (none when nothing changed). */
  readonly required: Level;
  /** The level NEW's version was raised by; `lower` when it went down, `invalid` when unreadable. */
  readonly bump: Level | 'lower' | 'invalid';
  /** Whether the bump is at least the required level. */
  readonly ok: boolean;
  /** Behaviour changes first, then breaking changes, additions, other minor changes, patch changes. */
  readonly changes: readonly Change[];
}

/** Context a rule may consult beyond the change itself. */
interface RuleContext {
  readonly old: JsonObject;
  readonly new: JsonObject;
}

interface Rule {
  /** The rule as a plain sentence: its test name and the reason printed beside a change. */
  readonly sentence: string;
  /** Dotted path patterns: `*` is one segment, `**` any number (zero included). */
  readonly paths: readonly string[];
  readonly kinds?: readonly Change['kind'][];
  readonly level: Exclude<Level, 'none'> | ((c: Omit<Change, 'level' | 'rule' | 'behaviour'>, ctx: RuleContext) => Exclude<Level, 'none'>);
  readonly behaviour: boolean;
}

/** The object a surface's `unknown:` names, in one registry. */
function fallbackOutcome(data: JsonObject, name: Json | undefined): string {
  const f = typeof name === 'string' ? objectAt(data, ['fallbacks', name]) : undefined;
  return f === undefined ? '' : `${String(f['class'])} extends ${String(f['extends'])}`;
}

/**
 * The semver policy. Major: what users' code names or checks disappears or changes meaning
 * (codes, classes, base classes, categories, surfaces, fallbacks, profiles they can name).
 * Minor: additions, and behaviour changes (listed first and loudly). Patch: prose and evidence.
 */
export const RULES: readonly Rule[] = [
  { sentence: 'changing the registry format (schemaVersion) is major', paths: ['schemaVersion'], level: 'major', behaviour: false },
  { sentence: 'removing a code is major', paths: ['codes.*'], kinds: ['removed'], level: 'major', behaviour: true },
  { sentence: 'removing a class is major', paths: ['classes.*'], kinds: ['removed'], level: 'major', behaviour: false },
  { sentence: 'removing a surface is major', paths: ['surfaces.*'], kinds: ['removed'], level: 'major', behaviour: true },
  { sentence: 'removing an unknown-code fallback is major', paths: ['fallbacks.*'], kinds: ['removed'], level: 'major', behaviour: true },
  { sentence: 'removing a category is major (its guard disappears)', paths: ['categories.*'], kinds: ['removed'], level: 'major', behaviour: false },
  { sentence: 'removing a backoff profile is major (its name disappears)', paths: ['backoff.*'], kinds: ['removed'], level: 'major', behaviour: true },
  { sentence: 'removing an SDK class is major', paths: ['sdkClasses.*'], kinds: ['removed'], level: 'major', behaviour: false },
  { sentence: 'adding a code is minor', paths: ['codes.*'], kinds: ['added'], level: 'minor', behaviour: true },
  { sentence: 'adding a surface is minor', paths: ['surfaces.*'], kinds: ['added'], level: 'minor', behaviour: true },
  { sentence: 'adding a fallback, category, backoff profile or SDK class is minor', paths: ['fallbacks.*', 'categories.*', 'backoff.*', 'sdkClasses.*'], kinds: ['added'], level: 'minor', behaviour: false },
  { sentence: 'renaming a class is major', paths: ['codes.**.class', 'fallbacks.*.class'], level: 'major', behaviour: true },
  { sentence: "changing a code's or a fallback's SDK base class (extends) is major", paths: ['codes.**.extends', 'fallbacks.*.extends'], level: 'major', behaviour: true },
  { sentence: "changing a code's or a fallback's category is major", paths: ['codes.**.category', 'fallbacks.*.category'], level: 'major', behaviour: true },
  {
    sentence: "pointing a surface at a fallback with another class or base is major, at an equivalent one minor",
    paths: ['surfaces.*.unknown'],
    level: (c, ctx) => (fallbackOutcome(ctx.old, c.old) === fallbackOutcome(ctx.new, c.new) ? 'minor' : 'major'),
    behaviour: true,
  },
  { sentence: 'changing retryable is minor, a behaviour change', paths: ['codes.**.retryable', 'fallbacks.*.retryable'], level: 'minor', behaviour: true },
  { sentence: 'changing the backoff profile a code uses is minor, a behaviour change', paths: ['codes.**.backoff', 'fallbacks.*.backoff'], level: 'minor', behaviour: true },
  { sentence: 'changing a backoff profile is minor, a behaviour change', paths: ['backoff.**'], level: 'minor', behaviour: true },
  { sentence: 'changing a replay fact is minor, a behaviour change', paths: ['surfaces.*.replay', 'surfaces.*.replay.**'], level: 'minor', behaviour: true },
  { sentence: 'adding, removing or changing a refinement or override is minor, a behaviour change', paths: ['codes.*.refinements.*', 'codes.*.refinements.*.when', 'codes.*.refinements.*.as', 'codes.*.overrides.*'], level: 'minor', behaviour: true },
  { sentence: 'description, evidence, notes and the stated base-class reason are patch', paths: ['**.description', '**.evidence', '**.note', '**.since', '**.http', '**.baseRule'], level: 'patch', behaviour: false },
  { sentence: 'changing how a surface is recognised or read is minor, a behaviour change', paths: ['surfaces.*.match', 'surfaces.*.match.**', 'surfaces.*.status', 'surfaces.*.status.**', 'surfaces.*.fields', 'surfaces.*.fields.**', 'surfaces.*.failedWhen', 'surfaces.*.expiredCode'], level: 'minor', behaviour: true },
  { sentence: "changing a surface's SDK references is patch (only sync reads them)", paths: ['surfaces.*.sdk', 'surfaces.*.sdk.**'], level: 'patch', behaviour: false },
  { sentence: 'changing the surfaces a code is listed on is minor', paths: ['codes.*.surfaces'], level: 'minor', behaviour: false },
  { sentence: 'changing server hints, polling or status defaults is minor, a behaviour change', paths: ['hints.**', 'polling.**', 'defaults.**'], level: 'minor', behaviour: true },
  { sentence: 'any other change is minor (a change no rule names is never patch)', paths: ['**'], level: 'minor', behaviour: false },
];

function matchSegments(path: readonly string[], pattern: readonly string[]): boolean {
  const [head, ...rest] = pattern;
  if (head === undefined) return path.length === 0;
  if (head === '**') return matchSegments(path, rest) || (path.length > 0 && matchSegments(path.slice(1), pattern));
  const [first, ...tail] = path;
  return first !== undefined && (head === '*' || head === first) && matchSegments(tail, rest);
}

/** Whether a path matches a dotted pattern (`*` one segment, `**` any number). */
export function matchesPath(path: readonly string[], pattern: string): boolean {
  return matchSegments(path, pattern.split('.'));
}

function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function objectAt(data: JsonObject, path: readonly string[]): JsonObject | undefined {
  let cur: Json | undefined = data;
  for (const seg of path) {
    if (!isObject(cur) || !Object.hasOwn(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return isObject(cur) ? cur : undefined;
}

function equal(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && equal((a as JsonObject)[k], (b as JsonObject)[k]));
}

/** The key a refinement is compared by: what makes it apply (`type=...`, `messageContains=...`). */
function refinementKey(r: Json): string {
  const when = isObject(r) && isObject(r['when']) ? r['when'] : {};
  return Object.keys(when).sort().map((k) => `${k}=${String(when[k])}`).join(' & ') || '(always)';
}

/**
 * The comparable form of a registry: refinements (a list) keyed by their condition, so a
 * reordered or inserted refinement is not reported as every later one changing; the registry
 * version itself is left out (it is what the diff judges).
 */
function comparable(data: JsonObject): JsonObject {
  const codes = isObject(data['codes']) ? data['codes'] : {};
  const keyed = Object.fromEntries(
    Object.entries(codes).map(([code, entry]) => {
      if (!isObject(entry) || !Array.isArray(entry['refinements'])) return [code, entry];
      const refinements = Object.fromEntries((entry['refinements'] as readonly Json[]).map((r) => [refinementKey(r), r]));
      return [code, { ...entry, refinements }];
    }),
  );
  const { version: _version, $comment: _comment, contentHash: _hash, ...rest } = data;
  return { ...rest, codes: keyed };
}

/** Every class a registry exports: codes', refinements', overrides' and fallbacks'. */
function classNames(data: JsonObject): Set<string> {
  const out = new Set<string>();
  const add = (o: Json | undefined) => {
    if (isObject(o) && typeof o['class'] === 'string') out.add(o['class']);
  };
  for (const f of Object.values(objectAt(data, ['fallbacks']) ?? {})) add(f);
  for (const c of Object.values(objectAt(data, ['codes']) ?? {})) {
    add(c);
    if (!isObject(c)) continue;
    for (const r of Array.isArray(c['refinements']) ? (c['refinements'] as readonly Json[]) : []) add(r);
    for (const o of Object.values(isObject(c['overrides']) ? c['overrides'] : {})) add(o);
  }
  return out;
}

type RawChange = Omit<Change, 'level' | 'rule' | 'behaviour'>;

function walk(a: Json | undefined, b: Json | undefined, path: string[], out: RawChange[]): void {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const p = [...path, k];
      if (!Object.hasOwn(b, k)) out.push({ path: p, kind: 'removed', old: a[k] as Json });
      else if (!Object.hasOwn(a, k)) out.push({ path: p, kind: 'added', new: b[k] as Json });
      else walk(a[k], b[k], p, out);
    }
    return;
  }
  if (!equal(a, b)) out.push({ path, kind: 'changed', old: a as Json, new: b as Json });
}

/** The rule that decides a change. */
export function ruleFor(change: RawChange): Rule {
  const rule = RULES.find((r) => (r.kinds === undefined || r.kinds.includes(change.kind)) && r.paths.some((p) => matchesPath(change.path, p)));
  // The last rule matches every path.
  return rule ?? (RULES[RULES.length - 1] as Rule);
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The level by which `to` raises `from`: `lower` when it goes down, `invalid` for a non-semver. */
export function bumpLevel(from: string, to: string): Level | 'lower' | 'invalid' {
  const a = SEMVER.exec(from);
  const b = SEMVER.exec(to);
  if (!a || !b) return 'invalid';
  for (const [i, level] of [[1, 'major'], [2, 'minor'], [3, 'patch']] as const) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    if (y > x) return level;
    if (y < x) return 'lower';
  }
  return 'none';
}

/** The higher of two levels. */
export function maxLevel(a: Level, b: Level): Level {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}

/** The order changes are listed in: minor behaviour changes (loudly), then major, other additions, other minor, patch. */
function section(c: Change): number {
  if (c.level === 'major') return 1;
  if (c.level === 'patch') return 4;
  return c.behaviour ? 0 : c.kind === 'added' ? 2 : 3;
}

/** Compares two normalized registries. */
export function diffRegistries(oldInput: RegistryInput, newInput: RegistryInput): DiffReport {
  const raw: RawChange[] = [];
  walk(comparable(oldInput.data), comparable(newInput.data), [], raw);
  const newClasses = classNames(newInput.data);
  for (const name of [...classNames(oldInput.data)].sort()) {
    if (!newClasses.has(name)) raw.push({ path: ['classes', name], kind: 'removed', old: name });
  }
  const ctx: RuleContext = { old: oldInput.data, new: newInput.data };
  const changes = raw
    .map((c): Change => {
      const rule = ruleFor(c);
      const level = typeof rule.level === 'function' ? rule.level(c, ctx) : rule.level;
      return { ...c, level, rule: rule.sentence, behaviour: rule.behaviour };
    })
    .map((c, i) => [c, i] as const)
    .sort(([a, i], [b, j]) => section(a) - section(b) || i - j)
    .map(([c]) => c);
  const required = changes.reduce<Level>((lvl, c) => maxLevel(lvl, c.level), 'none');
  const oldVersion = String(oldInput.data['version']);
  const newVersion = String(newInput.data['version']);
  const bump = bumpLevel(oldVersion, newVersion);
  const ok = bump !== 'lower' && bump !== 'invalid' && ORDER.indexOf(bump) >= ORDER.indexOf(required);
  return { old: { source: oldInput.source, version: oldVersion }, new: { source: newInput.source, version: newVersion }, required, bump, ok, changes };
}

/** A value for a one-line report: short values as JSON, long text and lists summarized. */
function shown(v: Json | undefined): string {
  if (v === undefined) return '(absent)';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[${v.join(', ')}]`;
  if (Array.isArray(v)) return `${v.length} entr${v.length === 1 ? 'y' : 'ies'}`;
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeChange(c: Change): string {
  const path = c.path.join('.');
  if (c.kind === 'added') {
    const o = c.new;
    const what = isObject(o) && typeof o['class'] === 'string' ? ` (${String(o['class'])} extends ${String(o['extends'])}, retryable ${String(o['retryable'])})` : '';
    return `+ ${path}${what}`;
  }
  if (c.kind === 'removed') return `- ${path}`;
  if (Array.isArray(c.old) && Array.isArray(c.new) && [...c.old, ...c.new].every((x) => typeof x === 'string')) {
    const before = new Set(c.old as string[]);
    const after = new Set(c.new as string[]);
    const plus = [...after].filter((x) => !before.has(x)).map((x) => `+${x}`);
    const minus = [...before].filter((x) => !after.has(x)).map((x) => `-${x}`);
    const delta = [...plus, ...minus];
    return `~ ${path}: ${delta.length > 0 ? delta.join(' ') : 'reordered'}`;
  }
  if (typeof c.old === 'string' && typeof c.new === 'string' && (c.old.length > 60 || c.new.length > 60)) return `~ ${path}: text changed`;
  return `~ ${path}: ${shown(c.old)} -> ${shown(c.new)}`;
}

const HEADINGS = ['BEHAVIOUR CHANGES (what the runtime decides changes)', 'BREAKING (major)', 'ADDED (minor)', 'OTHER CHANGES (minor)', 'DOCUMENTATION (patch)'];

/** The report as text, ending with a newline. */
export function formatDiff(r: DiffReport): string {
  const lines = [`registry ${r.old.version} (${r.old.source}) -> ${r.new.version} (${r.new.source})`];
  let current = -1;
  for (const c of r.changes) {
    const s = section(c);
    if (s !== current) {
      lines.push('', `${s === 0 ? '!!! ' : ''}${HEADINGS[s]}:`);
      current = s;
    }
    lines.push(`  ${describeChange(c)}  [${c.level}: ${c.rule}]`);
  }
  if (r.changes.length > 0) lines.push('');
  const counts = `${r.changes.length} change${r.changes.length === 1 ? '' : 's'}`;
  const verdict = r.ok
    ? r.bump === 'none'
      ? 'ok: version unchanged'
      : `ok: version raised by ${r.bump}`
    : r.bump === 'invalid'
      ? 'not ok: a version is not semver'
      : r.bump === 'lower'
        ? `not ok: version went down (${r.old.version} -> ${r.new.version})`
        : `not ok: version raised by ${r.bump}, needs at least ${r.required}`;
  lines.push(`${counts}; required bump: ${r.required}; ${verdict}`);
  return `${lines.join('\n')}\n`;
}
