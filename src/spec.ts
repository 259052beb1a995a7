/**
 * The shapes of the generated registry tables. The generator writes values of these types into
 * generated/registry.ts; the runtime reads them. No registry fact is written by hand here.
 */

/** How to wait between resubmissions of a request that failed with a retryable code. */
export interface BackoffProfile {
  readonly name: string;
  readonly strategy: 'exponential' | 'constant';
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  readonly jitter: 'full' | 'equal' | 'none';
  /** Total attempts including the first, so 1 means never resubmit. */
  readonly maxAttempts: number;
  /** Whether retry-after-ms / retry-after headers and "try again in 20s" messages set the delay. */
  readonly honourServerHints: boolean;
}

/** Where a surface keeps its status and failure details; paths are pre-split into segments. */
export interface SurfaceSpec {
  readonly name: string;
  readonly match?: { readonly path: readonly string[]; readonly values: readonly string[] };
  readonly status?: {
    readonly path: readonly string[];
    readonly failed: readonly string[];
    readonly incomplete: readonly string[];
    readonly expired: readonly string[];
    readonly cancelled: readonly string[];
  };
  readonly fields: {
    readonly code?: readonly (readonly string[])[];
    readonly message?: readonly (readonly string[])[];
    readonly type?: readonly (readonly string[])[];
    readonly reason?: readonly (readonly string[])[];
    readonly id?: readonly (readonly string[])[];
  };
}

/** What a failure of one code (or of one refinement of it) becomes. */
export interface Outcome<TClass extends string = string, TBackoff extends string = string> {
  readonly class: TClass;
  readonly retryable: boolean;
  readonly backoff: TBackoff;
}

/** A refinement: when the error's type equals, or its message contains, this outcome wins. */
export interface RefinementSpec<TCode extends string = string, TClass extends string = string, TBackoff extends string = string>
  extends Outcome<TClass, TBackoff> {
  readonly when: { readonly type?: string; readonly messageContains?: string };
  /** The code the failure is reported as (another code when the registry says `as:`). */
  readonly code: TCode;
}

/** One code's registry facts. */
export interface CodeSpec<TCode extends string = string, TClass extends string = string, TBackoff extends string = string, TSurface extends string = string>
  extends Outcome<TClass, TBackoff> {
  readonly surfaces: readonly TSurface[];
  readonly refinements: readonly RefinementSpec<TCode, TClass, TBackoff>[];
}

/** What a null or unknown code gets, and the status fallback for unknown synchronous HTTP errors. */
export interface DefaultsSpec<TClass extends string = string, TBackoff extends string = string> extends Outcome<TClass, TBackoff> {
  /** Statuses (exact, or every status from `from` up) retried when the code is unknown. */
  readonly retryableStatuses: readonly { readonly status?: number; readonly from?: number; readonly backoff: TBackoff }[];
}
