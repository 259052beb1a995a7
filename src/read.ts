/** Guarded reads of untrusted objects at the registry's fixed paths. */
import type { PathSegments } from './spec.js';

/** Reads the value at a path of own or inherited properties; undefined for anything unreadable. */
export function readAt(obj: unknown, path: PathSegments): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Reads a string at a path; undefined for anything else. */
export function readString(obj: unknown, path: PathSegments): string | undefined {
  const v = readAt(obj, path);
  return typeof v === 'string' ? v : undefined;
}

/** The first non-empty string at any of the paths. */
export function firstString(obj: unknown, paths: readonly PathSegments[]): string | undefined {
  for (const p of paths) {
    const v = readString(obj, p);
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}
