/** redactSecrets pattern by pattern: what each replaces, what it keeps, and where a match must start and end. */
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/redact.ts';

describe('redactSecrets', () => {
  it.each([
    ['an API key', 'key sk-abcdef1', 'key sk-[redacted]'],
    ['a project key', 'sk-proj-abc_DEF-123', 'sk-proj-[redacted]'],
    ['a service-account key', 'sk-svcacct-abcdefXY', 'sk-svcacct-[redacted]'],
    ['an admin key', 'sk-admin-abc_-def', 'sk-admin-[redacted]'],
    ['a bearer token', 'Authorization: Bearer abc.def~+/=-', 'Authorization: Bearer [redacted]'],
    ['a bearer token in any case, after any spaces', 'BEARER \t abcdef', 'BEARER \t [redacted]'],
    ['an organization id', 'org-AbC123xyz', 'org-[redacted]'],
    ['a project id', 'proj_AbC123xyz', 'proj_[redacted]'],
  ])('replaces %s, keeping its prefix', (_name, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it.each([
    ['a URL-encoded quote', 'upstream said %22sk-proj-ABCDEFGHIJKLMNOP%22', 'upstream said %22sk-proj-[redacted]%22'],
    ['a JSON-escaped newline kept as text', 'body: "x\\nsk-abcdefghij"', 'body: "x\\nsk-[redacted]"'],
    ['a JSON unicode escape', '\\u0022org-ABCDEFGH\\u0022', '\\u0022org-[redacted]\\u0022'],
    ['a URL-encoded quote before Bearer', '%22Bearer abcdefgh', '%22Bearer [redacted]'],
    ['a hex escape, as a log writes a quote', '{\\x22key\\x22:\\x22sk-proj-ABCDEFGHIJ\\x22}', '{\\x22key\\x22:\\x22sk-proj-[redacted]\\x22}'],
    ['a double-encoded quote', 'q=%2522sk-proj-ABCDEFGHIJ', 'q=%2522sk-proj-[redacted]'],
    ['the JSON escapes \\f and \\b', 'a\\fsk-abcdefghij \\borg-ABCDEFGH', 'a\\fsk-[redacted] \\borg-[redacted]'],
    ['a bearer token after an encoded space', 'Authorization: Bearer%20abcdefghij', 'Authorization: Bearer%20[redacted]'],
    ['a bearer token after a form-encoded space', 'Bearer+abcdefghij', 'Bearer+[redacted]'],
  ])('a secret right after an escape ending in a word character: %s', (_name, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('replaces every occurrence, and only the secret', () => {
    expect(redactSecrets('a sk-aaaaaa, b sk-bbbbbb; org-cccccc and proj_dddddd.')).toBe('a sk-[redacted], b sk-[redacted]; org-[redacted] and proj_[redacted].');
  });

  it.each([
    ['text without a secret', 'Rate limit reached for gpt-4o'],
    ['a key shorter than six characters', 'sk-abcde'],
    ['a bearer token shorter than six characters', 'Bearer abcde'],
    ['an organization id shorter than six characters', 'org-abcde'],
    ['a project id shorter than six characters', 'proj_abcde'],
    ['"sk-" inside a word', 'task-abcdefgh'],
    ['"org-" inside a word', 'xorg-abcdefgh'],
    ['"proj_" inside a word', 'myproj_abcdefgh'],
    ['"bearer" inside a word', 'forbearer abcdefgh'],
    ['a lone prefix', 'sk- org- proj_ Bearer'],
  ])('keeps %s', (_name, text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('stops an organization or project id at the first character outside [A-Za-z0-9]', () => {
    expect(redactSecrets('org-abcdef_ghi proj_abcdef-ghi')).toBe('org-[redacted]_ghi proj_[redacted]-ghi');
  });

  it('keeps characters a key cannot hold', () => {
    expect(redactSecrets('sk-abcdef.ghi')).toBe('sk-[redacted].ghi');
    expect(redactSecrets('Bearer abcdef ghi')).toBe('Bearer [redacted] ghi');
  });

  it('a key and a bearer token are case-sensitive and case-insensitive respectively', () => {
    expect(redactSecrets('SK-abcdefgh ORG-abcdefgh PROJ_abcdefgh')).toBe('SK-abcdefgh ORG-abcdefgh PROJ_abcdefgh');
    expect(redactSecrets('bearer abcdefgh')).toBe('bearer [redacted]');
  });
});
