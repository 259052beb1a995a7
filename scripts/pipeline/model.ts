/**
 * Stage 3, model: a validated view -> the normalized registry every emitter reads.
 *
 * This is the one documented transform between the YAML shape (registry-file.generated.ts,
 * derived from registry.schema.json) and the shapes the emitters and the runtime read:
 * - optional facts are resolved (a code without backoff gets `none`; an override or refinement
 *   inherits every fact it does not set from its code; text is trimmed);
 * - maps keyed by name become arrays sorted in code-unit order, each element carrying its name;
 * - the whole model is frozen, so emitters cannot disagree about a fact or change it.
 *
 * Each YAML object is mapped by an object literal checked with `satisfies Record<keyof Def, ...>`:
 * a field added to the schema fails to compile here until the transform says what becomes of it.
 */
import { createHash } from 'node:crypto';
import { sourceName, type LoadedFile } from './load.ts';
import type * as Def from './registry-file.generated.ts';
import { NO_BACKOFF, type RegistryView } from './view.ts';


/** A piece of public evidence. */
export interface Evidence {
  readonly url: string;
  readonly note: string;
  /** The HTTP status this evidence shows the code arriving with, if it shows one. */
  readonly status: number | undefined;
}

/** What a failure becomes: a class on an openai base, a category, retryability and backoff. */
export interface Outcome {
  readonly class: string;
  readonly extends: string;
  readonly category: string;
  readonly retryable: boolean;
  readonly backoff: string;
  /** The HTTP status the code arrives with (the base-class rule), when it does. */
  readonly http: number | undefined;
  /** Why the base class was chosen, when the code never arrives over HTTP. */
  readonly baseRule: string | undefined;
  readonly description: string;
  readonly evidence: readonly Evidence[];
}

/** A refinement, resolved: what a failure of `code` becomes when `when` matches. */
export interface Refinement extends Outcome {
  readonly when: { readonly type?: string; readonly messageContains?: string };
  /** The code the failure is reported as: the refined code itself, or the code named by `as`. */
  readonly code: string;
  readonly note: string;
}

/** A code's facts on one surface where they differ from its own. */
export interface Override extends Outcome {
  readonly surface: string;
}

export interface CodeEntry extends Outcome {
  readonly code: string;
  readonly surfaces: readonly string[];
  readonly since: string;
  readonly refinements: readonly Refinement[];
  readonly overrides: readonly Override[];
}

export interface Fallback extends Outcome {
  readonly name: string;
}

export interface BackoffProfile extends Def.BackoffProfile {
  readonly name: string;
}

export interface SdkClass {
  readonly name: string;
  readonly status: number | undefined;
  readonly from: number | undefined;
  /** The class extended instead where the installed openai lacks this one. */
  readonly standIn: string | undefined;
}

export interface Category {
  readonly name: string;
  readonly description: string;
}

/** Which SDK declarations describe a surface: `file#Name` references into the openai package. */
export interface SurfaceSdk {
  readonly types: readonly string[];
  readonly codes: readonly string[];
  readonly statuses: string | undefined;
  readonly sinceMajor: number;
}

export interface SurfaceStatus {
  readonly path: string;
  readonly running: readonly string[];
  readonly failed: readonly string[];
  readonly expired: readonly string[];
  readonly incomplete: readonly string[];
  readonly done: readonly string[];
}

export interface SurfaceFields {
  readonly code: readonly string[];
  readonly message: readonly string[];
  readonly type: readonly string[];
  readonly reason: readonly string[];
  readonly id: readonly string[];
  readonly status: readonly string[];
}

export interface Replay {
  readonly started: boolean;
  readonly output: readonly string[];
  readonly conversation: readonly string[];
}

export interface Surface {
  readonly name: string;
  readonly description: string;
  readonly sdk: SurfaceSdk | undefined;
  readonly match: { readonly path: string; readonly values: readonly string[]; readonly has?: string } | undefined;
  readonly status: SurfaceStatus | undefined;
  readonly failedWhen: readonly string[];
  readonly expiredCode: string | undefined;
  readonly fields: SurfaceFields;
  /** The fallback (by name) for a null or unknown code. */
  readonly unknown: string;
  readonly replay: Replay;
}

export interface Hints {
  readonly shouldRetryHeader: string;
  readonly shouldRetryBackoff: string;
  readonly delayHeaders: readonly { readonly name: string; readonly format: Def.DelayFormat }[];
  readonly bodyFields: readonly { readonly path: string; readonly format: Def.DelayFormat }[];
  readonly messagePhrases: readonly string[];
  readonly rateLimitHeaders: Readonly<Def.Hints['rateLimitHeaders']>;
  readonly evidence: readonly Evidence[];
}

export interface Polling {
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly afterHeader: string;
  readonly faultBackoff: string;
  readonly evidence: readonly Evidence[];
}

export interface Registry {
  readonly schemaVersion: 2;
  readonly version: string;
  /** sha256 of the source files' bytes, in path order: names a registry without a date. */
  readonly contentHash: string;
  /** The source files as given, in the order of their names from the registry's root. */
  readonly sources: readonly string[];
  readonly sdkClasses: readonly SdkClass[];
  readonly categories: readonly Category[];
  readonly hints: Hints;
  readonly polling: Polling;
  readonly defaults: { readonly connectionBackoff: string; readonly retryableStatuses: readonly { readonly status?: number; readonly from?: number; readonly backoff: string }[] };
  readonly fallbacks: readonly Fallback[];
  readonly backoff: readonly BackoffProfile[];
  readonly surfaces: readonly Surface[];
  readonly codes: readonly CodeEntry[];
}

/** Code-unit order comparison (not locale order), the only ordering used for output. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function sorted<T>(entries: Iterable<[string, T]>): [string, T][] {
  return [...entries].sort(([a], [b]) => byCodeUnits(a, b));
}

function evidence(list: readonly Def.Evidence[] | undefined): Evidence[] {
  return (list ?? []).map((e) => ({ url: e.url, note: e.note.trim(), status: e.status } satisfies Record<keyof Def.Evidence, unknown>));
}

/** The facts an override or refinement may set, each falling back to its code's. */
type OutcomeFields = Pick<Def.Code, 'class' | 'extends' | 'category' | 'retryable' | 'backoff' | 'http' | 'baseRule' | 'description' | 'evidence'>;

function outcome(o: Partial<OutcomeFields>, inherit: Outcome | undefined): Outcome {
  const required = <K extends keyof Outcome>(key: K, own: Outcome[K] | undefined): Outcome[K] => {
    const v = own ?? inherit?.[key];
    if (v === undefined) throw new Error(`buildModel needs a validated registry (missing ${key})`);
    return v;
  };
  // A nested outcome that names a new base must give its own reason; one that keeps the base keeps the code's.
  const keepsBase = o.extends === undefined && o.http === undefined && o.baseRule === undefined;
  const mapped = {
    class: required('class', o.class),
    extends: required('extends', o.extends),
    category: required('category', o.category),
    retryable: required('retryable', o.retryable),
    // A nested outcome that is not retryable does not inherit its code's profile: it never waits.
    backoff: o.backoff ?? ((o.retryable ?? inherit?.retryable) === true ? inherit?.backoff : undefined) ?? NO_BACKOFF,
    http: keepsBase ? inherit?.http : o.http,
    baseRule: keepsBase ? inherit?.baseRule : o.baseRule?.trim(),
    description: required('description', o.description?.trim()),
    evidence: o.evidence === undefined ? (inherit?.evidence ?? []) : evidence(o.evidence),
  } satisfies Record<keyof OutcomeFields, unknown>;
  return mapped;
}

function surface(name: string, s: Def.Surface): Surface {
  const mapped = {
    description: s.description.trim(),
    sdk: s.sdk && ({ types: s.sdk.types, codes: s.sdk.codes ?? [], statuses: s.sdk.statuses, sinceMajor: s.sdk.sinceMajor } satisfies Record<keyof NonNullable<Def.Surface['sdk']>, unknown>),
    match: s.match && { path: s.match.path, values: s.match.values, ...(s.match.has === undefined ? {} : { has: s.match.has }) },
    status: s.status && ({ path: s.status.path, running: s.status.running, failed: s.status.failed, expired: s.status.expired, incomplete: s.status.incomplete, done: s.status.done } satisfies Record<keyof NonNullable<Def.Surface['status']>, unknown>),
    failedWhen: s.failedWhen ?? [],
    expiredCode: s.expiredCode,
    fields: {
      code: s.fields.code ?? [],
      message: s.fields.message ?? [],
      type: s.fields.type ?? [],
      reason: s.fields.reason ?? [],
      id: s.fields.id ?? [],
      status: s.fields.status ?? [],
    } satisfies Record<keyof Def.Surface['fields'], unknown>,
    unknown: s.unknown,
    replay: { started: s.replay.started, output: s.replay.output ?? [], conversation: s.replay.conversation ?? [] } satisfies Record<keyof Def.Replay, unknown>,
  } satisfies Record<keyof Def.Surface, unknown>;
  return { name, ...mapped };
}

function codeEntry(code: string, c: Def.Code, target: (as: string) => Outcome): CodeEntry {
  const own = outcome(c, undefined);
  const mapped = {
    ...own,
    surfaces: [...c.surfaces].sort(byCodeUnits),
    since: c.since,
    refinements: (c.refinements ?? []).map((r) => {
      const when: { type?: string; messageContains?: string } = {};
      if (r.when.type !== undefined) when.type = r.when.type;
      if (r.when.messageContains !== undefined) when.messageContains = r.when.messageContains.toLowerCase();
      const refined = {
        when,
        note: r.note.trim(),
        as: r.as,
        ...(r.as === undefined ? outcome(r, own) : target(r.as)),
      } satisfies Record<keyof Def.Refinement, unknown>;
      const { as, ...rest } = refined;
      return { ...rest, code: as ?? code };
    }),
    overrides: sorted(Object.entries(c.overrides ?? {}).filter((e): e is [string, Def.Override] => e[1] !== undefined)).map(([s, o]) => ({
      surface: s,
      ...(outcome(o, own) satisfies Record<keyof Def.Override, unknown>),
    })),
  } satisfies Record<keyof Def.Code, unknown>;
  return { code, ...mapped };
}

/** Builds the model from a view that validated without diagnostics. */
export function buildModel(view: RegistryView, files: readonly LoadedFile[]): Registry {
  if (!view.schemaVersion || !view.version || !view.defaults || !view.hints || !view.polling) {
    throw new Error('buildModel needs a validated registry');
  }
  const hash = createHash('sha256');
  // Ordered by the names headers show (from the registry's root), so the hash does not depend on the working directory.
  const ordered = [...files].sort((a, b) => byCodeUnits(sourceName(a.file), sourceName(b.file)));
  for (const f of ordered) hash.update(f.text);
  const target = (as: string): Outcome => {
    const t = view.codes.get(as)?.value;
    if (t === undefined) throw new Error(`buildModel needs a validated registry (refinement target ${as})`);
    return outcome(t, undefined);
  };
  const hints = view.hints.value;
  const polling = view.polling.value;

  const registry = {
    schemaVersion: view.schemaVersion.value,
    version: view.version.value,
    sdkClasses: sorted(view.sdkClasses).map(([name, { value }]) => ({ name, status: value.status, from: value.from, standIn: value.standIn } satisfies SdkClass & Record<keyof Def.SdkClass, unknown>)),
    categories: sorted(view.categories).map(([name, { value }]) => ({ name, description: value.description.trim() } satisfies Category & Record<keyof Def.Category, unknown>)),
    hints: {
      shouldRetryHeader: hints.shouldRetryHeader,
      shouldRetryBackoff: hints.shouldRetryBackoff,
      delayHeaders: hints.delayHeaders.map((h) => ({ name: h.name, format: h.format })),
      bodyFields: hints.bodyFields.map((b) => ({ path: b.path, format: b.format })),
      messagePhrases: hints.messagePhrases,
      rateLimitHeaders: { ...hints.rateLimitHeaders },
      evidence: evidence(hints.evidence),
    } satisfies Record<keyof Def.Hints, unknown>,
    polling: {
      intervalMs: polling.intervalMs,
      maxIntervalMs: polling.maxIntervalMs,
      afterHeader: polling.afterHeader,
      faultBackoff: polling.faultBackoff,
      evidence: evidence(polling.evidence),
    } satisfies Record<keyof Def.Polling, unknown>,
    defaults: { connectionBackoff: view.defaults.value.connectionBackoff, retryableStatuses: view.defaults.value.retryableStatuses.map((s) => ({ ...s })) } satisfies Record<keyof Def.Defaults, unknown>,
    fallbacks: sorted(view.fallbacks).map(([name, { value }]) => ({ name, ...outcome(value, undefined) })),
    backoff: sorted(view.backoff).map(([name, { value }]) => ({
      name,
      ...({
        strategy: value.strategy,
        initialMs: value.initialMs,
        maxMs: value.maxMs,
        multiplier: value.multiplier,
        jitter: value.jitter,
        maxAttempts: value.maxAttempts,
        honourServerHints: value.honourServerHints,
      } satisfies Record<keyof Def.BackoffProfile, unknown>),
    })),
    surfaces: sorted(view.surfaces).map(([name, { value }]) => surface(name, value)),
    codes: sorted(view.codes).map(([code, { value }]) => codeEntry(code, value, target)),
  } satisfies Record<Exclude<keyof Def.RegistryFile, never>, unknown> & Partial<Registry>;

  return deepFreeze({ ...registry, contentHash: hash.digest('hex'), sources: ordered.map((f) => f.file) });
}
