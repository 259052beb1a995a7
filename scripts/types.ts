/** The shapes of a registry file after JSON Schema validation (the schema guarantees them). */

export interface BackoffProfileDef {
  strategy: 'exponential' | 'constant';
  initialMs: number;
  maxMs: number;
  multiplier: number;
  jitter: 'full' | 'equal' | 'none';
  maxAttempts: number;
  honourServerHints: boolean;
}

export interface SurfaceDef {
  description: string;
  match?: { path: string; values: string[] };
  status?: { path: string; failed: string[]; incomplete: string[]; expired: string[]; cancelled: string[] };
  fields: { code?: string[]; message?: string[]; type?: string[]; reason?: string[]; id?: string[] };
}

export interface EvidenceDef {
  url: string;
  note: string;
}

export interface RefinementDef {
  when: { type?: string; messageContains?: string };
  class?: string;
  as?: string;
  extends?: string;
  retryable?: boolean;
  backoff?: string;
  description?: string;
  note: string;
}

export interface CodeDef {
  class: string;
  extends: string;
  retryable: boolean;
  backoff?: string;
  surfaces: string[];
  description: string;
  since: string;
  evidence: EvidenceDef[];
  refinements?: RefinementDef[];
}

/** A synchronous HTTP status (or every status from `from` up) that is retried with `backoff`. */
export interface RetryableStatusDef {
  status?: number;
  from?: number;
  backoff: string;
}

export interface DefaultsDef {
  class: string;
  extends: string;
  retryable: boolean;
  backoff: string;
  description: string;
  retryableStatuses: RetryableStatusDef[];
}

export interface RegistryFileDef {
  schemaVersion?: 1;
  version?: string;
  defaults?: DefaultsDef;
  backoff?: Record<string, BackoffProfileDef>;
  surfaces?: Record<string, SurfaceDef>;
  codes?: Record<string, CodeDef>;
}
