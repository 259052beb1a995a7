/**
 * What the installed openai SDK offers: its error classes and its exported names. The installed
 * SDK is the oracle for "does this base class exist" and "does this name clash".
 */
import { createRequire } from 'node:module';

/** Facts about one openai SDK installation that the validator needs. */
export interface SdkFacts {
  /** Error classes a generated class may extend: APIError and its HTTP-status subclasses. */
  readonly bases: ReadonlySet<string>;
  /** Every name exported by the package root and by its error module. */
  readonly exports: ReadonlySet<string>;
}

/** APIError subclasses that are not HTTP-status errors (other constructors, or absent from openai 5). */
const NON_HTTP_ERRORS = new Set(['APIUserAbortError', 'APIConnectionError', 'APIConnectionTimeoutError', 'OAuthError']);

/** Reads the SDK installed next to this package (`openai` by default, or an npm alias). */
export function installedSdkFacts(packageName = 'openai'): SdkFacts {
  const require = createRequire(import.meta.url);
  const errors = require(`${packageName}/core/error`) as Record<string, unknown>;
  const root = require(packageName) as Record<string, unknown>;
  const apiError = errors['APIError'] as (abstract new (...args: never[]) => unknown) | undefined;
  const bases = new Set<string>();
  for (const [name, value] of Object.entries(errors)) {
    if (typeof value !== 'function' || apiError === undefined || NON_HTTP_ERRORS.has(name)) continue;
    if (value === apiError || value.prototype instanceof apiError) bases.add(name);
  }
  return { bases, exports: new Set([...Object.keys(root), ...Object.keys(errors)]) };
}
