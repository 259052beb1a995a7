/**
 * Stage 3, model: a validated view -> the normalized registry every emitter reads. Defaults are
 * resolved (each code names its backoff profile), keys are sorted in code-unit order, and the
 * whole model is frozen, so emitters cannot disagree about a fact or change it.
 */
import { createHash } from 'node:crypto';
import type { LoadedFile } from './load.ts';
import type { BackoffProfileDef, EvidenceDef, SurfaceDef } from './types.ts';
import type { RegistryView } from './validate.ts';

export interface BackoffProfile extends BackoffProfileDef {
  readonly name: string;
}

export interface Surface extends SurfaceDef {
  readonly name: string;
}

/** A refinement, resolved: what a failure of `code` becomes when `when` matches. */
export interface Refinement {
  readonly when: { readonly type?: string; readonly messageContains?: string };
  /** The code the failure is reported as: the refined code itself, or the code named by `as`. */
  readonly code: string;
  readonly class: string;
  readonly extends: string;
  readonly retryable: boolean;
  readonly backoff: string;
  readonly description: string;
  readonly note: string;
}

export interface CodeEntry {
  readonly code: string;
  readonly class: string;
  readonly extends: string;
  readonly retryable: boolean;
  readonly backoff: string;
  readonly surfaces: readonly string[];
  readonly description: string;
  readonly since: string;
  readonly evidence: readonly EvidenceDef[];
  readonly refinements: readonly Refinement[];
}

export interface Registry {
  readonly schemaVersion: 1;
  readonly version: string;
  /** sha256 of the source files' bytes, in path order: names a registry without a date. */
  readonly contentHash: string;
  /** The source files, as given, in path order. */
  readonly sources: readonly string[];
  readonly defaults: {
    readonly class: string;
    readonly extends: string;
    readonly retryable: boolean;
    readonly backoff: string;
    readonly description: string;
    readonly retryableStatuses: readonly { readonly status?: number; readonly from?: number; readonly backoff: string }[];
  };
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

function sortKeys<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort(byCodeUnits)) out[k] = (o as Record<string, unknown>)[k];
  return out as T;
}

/** Builds the model from a view that validated without diagnostics. */
export function buildModel(view: RegistryView, files: readonly LoadedFile[]): Registry {
  if (!view.schemaVersion || !view.version || !view.defaults) {
    throw new Error('buildModel needs a validated registry');
  }
  const defaults = view.defaults.value;
  const hash = createHash('sha256');
  const ordered = [...files].sort((a, b) => byCodeUnits(a.file, b.file));
  for (const f of ordered) hash.update(f.text);

  const codes: CodeEntry[] = [...view.codes]
    .sort(([a], [b]) => byCodeUnits(a, b))
    .map(([code, { value: c }]) => {
      const backoff = c.backoff ?? defaults.backoff;
      const target = (as: string) => {
        const t = view.codes.get(as)?.value;
        if (t === undefined) throw new Error(`buildModel needs a validated registry (refinement target ${as})`);
        return { code: as, class: t.class, extends: t.extends, retryable: t.retryable, backoff: t.backoff ?? defaults.backoff, description: t.description.trim() };
      };
      return {
        code,
        class: c.class,
        extends: c.extends,
        retryable: c.retryable,
        backoff,
        surfaces: [...c.surfaces].sort(byCodeUnits),
        description: c.description.trim(),
        since: c.since,
        evidence: c.evidence.map((e) => ({ url: e.url, note: e.note.trim() })),
        refinements: (c.refinements ?? []).map((r) => {
          const when: { type?: string; messageContains?: string } = {};
          if (r.when.type !== undefined) when.type = r.when.type;
          if (r.when.messageContains !== undefined) when.messageContains = r.when.messageContains.toLowerCase();
          if (r.as !== undefined) return { when, ...target(r.as), note: r.note.trim() };
          return {
            when,
            code,
            class: r.class ?? c.class,
            extends: r.extends ?? c.extends,
            retryable: r.retryable ?? c.retryable,
            backoff: r.backoff ?? backoff,
            description: (r.description ?? c.description).trim(),
            note: r.note.trim(),
          };
        }),
      };
    });

  return deepFreeze({
    schemaVersion: view.schemaVersion.value,
    version: view.version.value,
    contentHash: hash.digest('hex'),
    sources: ordered.map((f) => f.file),
    defaults: { ...defaults, description: defaults.description.trim() },
    backoff: [...view.backoff]
      .sort(([a], [b]) => byCodeUnits(a, b))
      .map(([name, { value }]) => ({ name, ...sortKeys(value) })),
    surfaces: [...view.surfaces]
      .sort(([a], [b]) => byCodeUnits(a, b))
      .map(([name, { value }]) => ({ name, ...sortKeys(value), description: value.description.trim() })),
    codes,
  });
}
