/**
 * Redaction of secrets in text the API echoes back (messages can quote a key, a bearer token, an
 * organization or project id). Every pattern is a single pass with no nested repetition, so the
 * cost stays linear in the text, however hostile.
 */

/**
 * Each pattern starts at a word boundary, or right after an escape that ends in a word character,
 * as text quoted by a proxy or a log can have it: a percent-encoded byte, double-encoded or not
 * (%22sk-..., %2522sk-...), a JSON escape (a literal \nsk-..., \u0022sk-...) or a hex escape
 * (\x22sk-...): `(?:\b|(?<=%(?:25)?[0-9A-Fa-f]{2}|\\[bfnrt]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}))`.
 * A bearer token may follow a space, a tab, or one encoded as %20 or +. Literals, so a bundle that
 * never redacts drops them.
 */
const SECRETS: readonly (readonly [RegExp, string])[] = [
  [/(?:\b|(?<=%(?:25)?[0-9A-Fa-f]{2}|\\[bfnrt]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}))(sk-(?:proj-|svcacct-|admin-)?)[A-Za-z0-9_-]{6,}/g, '$1[redacted]'],
  [/(?:\b|(?<=%(?:25)?[0-9A-Fa-f]{2}|\\[bfnrt]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}))(Bearer(?:\s|%20|\+)+)[A-Za-z0-9._~+/=-]{6,}/gi, '$1[redacted]'],
  [/(?:\b|(?<=%(?:25)?[0-9A-Fa-f]{2}|\\[bfnrt]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}))(org-)[A-Za-z0-9]{6,}/g, '$1[redacted]'],
  [/(?:\b|(?<=%(?:25)?[0-9A-Fa-f]{2}|\\[bfnrt]|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}))(proj_)[A-Za-z0-9]{6,}/g, '$1[redacted]'],
];

/** The text with API keys, bearer tokens, organization and project ids replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  // Most messages quote nothing: four substring checks instead of four regular expressions.
  if (!/sk-|bearer|org-|proj_/i.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SECRETS) out = out.replace(pattern, replacement);
  return out;
}
