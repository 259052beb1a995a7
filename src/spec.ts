/**
 * The shapes of the runtime tables the generator writes (generated/registry.ts) and the runtime
 * reads. They are the model stage's output (scripts/pipeline/model.ts) in the form the runtime needs:
 * paths pre-split into segments, status lists turned into a status -> kind index, surfaces
 * indexed by the value that recognises them. No registry fact is written by hand here.
 */
import type { Backoff } from './failure-record.generated.js';

/** How to wait between resubmissions of a request that failed with a retryable code. */
export type BackoffProfile = Readonly<Backoff>;

/** A path into an object, split into segments (`errors.data[0].code` -> errors, data, 0, code). */
export type PathSegments = readonly string[];

/**
 * What a status means on its surface: the status lists of a registry surface, in the order the
 * registry schema gives them (scripts/pipeline/view.ts checks at compile time that they are the schema's).
 */
export const STATUS_KINDS = ['running', 'failed', 'expired', 'incomplete', 'done'] as const;

/** What a status means on its surface. */
export type StatusKind = (typeof STATUS_KINDS)[number];

/** What a failure of one code (on one surface, or of one refinement) becomes. */
export interface Outcome<TClass extends string = string, TBackoff extends string = string> {
  readonly class: TClass;
  readonly category: string;
  readonly retryable: boolean;
  readonly backoff: TBackoff;
  /** The nominal HTTP status of the openai class it extends (429 for RateLimitError); null for APIError. */
  readonly status: number | null;
}

/** A refinement: when the error's type equals, or its message contains, this outcome wins. */
export interface RefinementSpec<TCode extends string = string, TClass extends string = string, TBackoff extends string = string>
  extends Outcome<TClass, TBackoff> {
  readonly when: { readonly type?: string; readonly messageContains?: string };
  /** The code the failure is reported as (another code when the registry says `as:`). */
  readonly code: TCode;
}

/**
 * One code's registry facts; `bySurface` holds the surfaces where they differ. Which surfaces a
 * code is seen on is documentation (registry.json, CODES.md): classification does not need it.
 */
export interface CodeSpec<TCode extends string = string, TClass extends string = string, TBackoff extends string = string, TSurface extends string = string>
  extends Outcome<TClass, TBackoff> {
  readonly refinements?: readonly RefinementSpec<TCode, TClass, TBackoff>[];
  readonly bySurface?: Readonly<Partial<Record<TSurface, Outcome<TClass, TBackoff>>>>;
}

/**
 * The class a code's failures get when the registry names none of its own: the code in
 * PascalCase, then Error (`account_deactivated` -> `AccountDeactivatedError`).
 */
export function codeClassName(code: string): string {
  return `${code
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}Error`;
}

/**
 * One code's facts as registry.ts writes them, a tuple the runtime unpacks into a CodeSpec:
 * class (0: codeClassName of the code), category, retryable, backoff, status, and then its
 * refinements and per-surface facts, when it has any.
 */
export type PackedCode<TCode extends string = string, TClass extends string = string, TBackoff extends string = string, TSurface extends string = string> = readonly [
  cls: TClass | 0,
  category: string,
  retryable: boolean,
  backoff: TBackoff,
  status: number | null,
  more?: Pick<CodeSpec<TCode, TClass, TBackoff, TSurface>, 'refinements' | 'bySurface'>,
];

/** The CodeSpec of every packed code (registry.ts's CODES), as own properties: a code named __proto__ is a key like any other. */
export function unpackCodes<TCode extends string, TClass extends string, TBackoff extends string, TSurface extends string>(
  packed: Readonly<Record<TCode, PackedCode<TCode, TClass, TBackoff, TSurface>>>,
): Readonly<Record<TCode, CodeSpec<TCode, TClass, TBackoff, TSurface>>> {
  const entries = Object.entries<PackedCode<TCode, TClass, TBackoff, TSurface>>(packed).map(([code, [cls, category, retryable, backoff, status, more]]) => [
    code,
    { class: cls === 0 ? (codeClassName(code) as TClass) : cls, category, retryable, backoff, status, ...more },
  ]);
  return Object.fromEntries(entries) as Record<TCode, CodeSpec<TCode, TClass, TBackoff, TSurface>>;
}

/** Where a surface keeps its status and failure details. */
export interface SurfaceSpec<TSurface extends string = string, TFallback extends string = string> {
  readonly name: TSurface;
  readonly status?: {
    readonly path: PathSegments;
    /** Each status this surface knows, and what it means; entries, so any status is a plain key. */
    readonly kinds: readonly (readonly [string, StatusKind])[];
  };
  /** For surfaces without a status: a failure when one of these paths holds an object. */
  readonly failedWhen: readonly PathSegments[];
  /** The code an expired object that carries none is reported as. */
  readonly expiredCode?: string;
  readonly fields: {
    readonly code: readonly PathSegments[];
    readonly message: readonly PathSegments[];
    readonly type: readonly PathSegments[];
    readonly reason: readonly PathSegments[];
    readonly id: readonly PathSegments[];
    readonly status: readonly PathSegments[];
  };
  /** The fallback for a null or unknown code. */
  readonly unknown: TFallback;
  readonly replay: { readonly started: boolean; readonly output: readonly PathSegments[]; readonly conversation: readonly PathSegments[] };
}

/** Surfaces indexed by what tells them apart: the string at `path` selects the surface. */
export interface DispatchSpec<TSurface extends string = string> {
  readonly path: PathSegments;
  /** [value, surface], or [value, surface, has]: that surface only when a string is at has (tried first). */
  readonly surfaces: readonly (readonly [string, TSurface] | readonly [string, TSurface, PathSegments])[];
}

/** How a hint is written. */
export type DelayFormat = 'milliseconds' | 'seconds' | 'seconds_or_http_date' | 'duration';

/** Where servers say when (and whether) to retry. */
export interface HintSources {
  /** Header whose "true"/"false" overrides retryability (x-should-retry). */
  readonly shouldRetryHeader: string;
  /** The backoff profile of a decision the should-retry header upgraded to retryable. */
  readonly shouldRetryBackoff: string;
  /** Headers that carry a delay, in priority order. */
  readonly delayHeaders: readonly { readonly name: string; readonly format: DelayFormat }[];
  /** Fields of a thrown error (paths from the error object) that carry a delay. */
  readonly bodyFields: readonly { readonly path: PathSegments; readonly format: DelayFormat }[];
  /** Lower-case phrases followed by a duration in messages ("try again in 20s"). */
  readonly messagePhrases: readonly string[];
  /** Rate-limit headers the pacer learns from. */
  readonly rateLimitHeaders: {
    readonly limitRequests: string;
    readonly remainingRequests: string;
    readonly resetRequests: string;
    readonly limitTokens: string;
    readonly remainingTokens: string;
    readonly resetTokens: string;
  };
}

/** How to poll background work. */
export interface PollingSpec<TBackoff extends string = string> {
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly afterHeader: string;
  readonly faultBackoff: TBackoff;
}

/** The HTTP-status fallback for synchronous errors whose code is unknown. */
export interface DefaultsSpec<TBackoff extends string = string> {
  /** The profile for connection errors and timeouts, which carry no code. */
  readonly connectionBackoff: TBackoff;
  /** Statuses (exact, or every status from `from` up) retried when the code is unknown. */
  readonly retryableStatuses: readonly { readonly status?: number; readonly from?: number; readonly backoff: TBackoff }[];
}

/**
 * The should-retry decision for a thrown HTTP error, in the one table it reads: derived from the
 * other tables (retryTableOf), and generated ready-made, so a bundle that imports isRetryable
 * alone keeps this table and none of the others.
 */
export interface RetryTable {
  /** Paths of the code, type and message on a thrown error (the http surface's fields). */
  readonly fields: { readonly code: readonly PathSegments[]; readonly type: readonly PathSegments[]; readonly message: readonly PathSegments[] };
  /** Known codes retryable over HTTP. */
  readonly retryable: readonly string[];
  /** Known codes not retryable over HTTP. */
  readonly final: readonly string[];
  /** Refinements, in the order they are tried: the code they refine, their condition, and whether the outcome is retryable. */
  readonly refinements: readonly { readonly code: string; readonly type?: string; readonly messageContains?: string; readonly retryable: boolean }[];
  /** Whether an unknown code is retryable whatever its status (the http fallback). */
  readonly unknown: boolean;
  /** Statuses (exact, or every status from `from` up) at which an unknown code is retried. */
  readonly statuses: readonly { readonly status?: number; readonly from?: number }[];
  /** The header whose "true"/"false" has the last word (x-should-retry). */
  readonly header: string;
}

/**
 * The tables a returned object is classified by (raising reads these alone): codes, surfaces and
 * their dispatch, fallbacks and backoff profiles.
 */
export interface ObjectTables {
  readonly codes: Readonly<Record<string, CodeSpec>>;
  readonly surfaces: readonly SurfaceSpec[];
  readonly dispatch: readonly DispatchSpec[];
  /** Statuses that mean "not a failure" on every surface read at the top-level `status`. */
  readonly settled: readonly string[];
  readonly fallbacks: Readonly<Record<string, Outcome>>;
  readonly backoff: Readonly<Record<string, BackoffProfile>>;
}

/** Every data table a runtime reads (no classes: raising takes those separately): thrown errors, retries and polls read defaults, hints and polling too. */
export interface RegistryTables extends ObjectTables {
  readonly defaults: DefaultsSpec;
  readonly hints: HintSources;
  readonly polling: PollingSpec;
}
