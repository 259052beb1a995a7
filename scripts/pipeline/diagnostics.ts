/** Codes the loader reports: reading the files, and the YAML layer. */
export type LoadCode =
  | 'FILE_NOT_REGULAR'
  | 'FILE_TOO_LARGE'
  | 'INVALID_UTF8'
  | 'NO_REGISTRY_FILES'
  | 'YAML_SYNTAX'
  | 'DUPLICATE_KEY'
  | 'ALIAS_NOT_ALLOWED'
  | 'TAG_NOT_ALLOWED'
  | 'DIRECTIVE_NOT_ALLOWED'
  | 'NON_STRING_KEY'
  | 'YAML11_BOOLEAN'
  | 'YAML11_OCTAL'
  | 'CONTROL_CHARACTER'
  | 'NESTING_TOO_DEEP';

/** Codes of merging the files into one view (a section or code given twice): no rule of their own. */
export type MergeCode = 'SECTION_REPEATED' | 'CODE_DUPLICATE';

/** One per semantic rule: RULES (pipeline/validate.ts) has exactly these keys, so a rule code without a rule does not compile. */
export type RuleCode =
  | 'SECTION_MISSING'
  | 'CLASS_NAME_INVALID'
  | 'CLASS_NAME_RESERVED'
  | 'CLASS_NAME_DUPLICATE'
  | 'CLASS_NAME_CLASHES_SDK'
  | 'SDK_BASE_UNKNOWN'
  | 'BACKOFF_UNKNOWN'
  | 'BACKOFF_RANGE'
  | 'BACKOFF_MULTIPLIER'
  | 'SURFACE_UNKNOWN'
  | 'SINCE_AFTER_VERSION'
  | 'EVIDENCE_MISSING'
  | 'EVIDENCE_URL_NOT_HTTPS'
  | 'REFINEMENT_TARGET_UNKNOWN'
  | 'REFINEMENT_CLASS_OR_AS'
  | 'EVIDENCE_URL_UNPINNED'
  | 'OVERRIDE_SURFACE_NOT_LISTED'
  | 'FALLBACK_UNKNOWN'
  | 'STATUS_LISTED_TWICE'
  | 'MATCH_AMBIGUOUS'
  | 'EXPIRED_CODE_UNKNOWN'
  | 'CATEGORY_UNKNOWN'
  | 'BASE_REASON_MISSING'
  | 'BASE_CONTRADICTS_STATUS';

/** Diagnostic codes: one per check, so tests and tools can match on the code, never on prose. */
export type DiagnosticCode = LoadCode | 'SCHEMA' | MergeCode | RuleCode;

/** One problem in a registry file, positioned at 1-based line and column. */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly hint?: string;
}

/** `file:line:col CODE message` (and an indented hint), the one printed form of a diagnostic. */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`;
  return d.hint === undefined ? head : `${head}\n    hint: ${d.hint}`;
}

/** Diagnostics printed at most; the rest are counted, so a registry broken everywhere stays readable. */
export const PRINTED_DIAGNOSTICS = 200;

/**
 * The printed report: the first `cap` diagnostics (already sorted) one per line, then
 * `... and N more` when some were left out, then the count of all.
 */
export function formatReport(list: readonly Diagnostic[], cap = PRINTED_DIAGNOSTICS): string {
  const shown = list.slice(0, cap).map(formatDiagnostic);
  if (list.length > cap) shown.push(`... and ${list.length - cap} more`);
  shown.push(`${list.length} problem${list.length === 1 ? '' : 's'}`);
  return `${shown.join('\n')}\n`;
}

/** Sorts by file, then position, then code, in code-unit order, so output is stable. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...list].sort(
    (a, b) => cmp(a.file, b.file) || a.line - b.line || a.col - b.col || cmp(a.code, b.code),
  );
}
