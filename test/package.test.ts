import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY_VERSION } from '../generated/registry.ts';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
  typesVersions: Record<string, Record<string, string[]>>;
  engines: { node: string };
};
const changelog = readFileSync(resolve(root, 'CHANGELOG.md'), 'utf8');

describe('package metadata', () => {
  it('the package version has a CHANGELOG entry naming the registry version it ships', () => {
    // `## 0.2.0: registry 1.0.0 -> 2.0.0`: the last registry version named is the one shipped.
    const heading = changelog.split('\n').find((l) => l.startsWith(`## ${pkg.version}:`));
    expect(heading, `CHANGELOG.md has no "## ${pkg.version}:" entry`).toBeDefined();
    expect(heading?.match(/registry (?:\S+ -> )?(\S+)$/)?.[1]).toBe(REGISTRY_VERSION);
  });

  it("every JSON subpath of exports resolves under TypeScript's node10 resolution too (typesVersions)", () => {
    const json = Object.entries(pkg.exports).filter(([subpath]) => subpath.endsWith('.json') && subpath !== './package.json');
    expect(json.length).toBeGreaterThan(0);
    for (const [subpath, target] of json) expect(pkg.typesVersions['*']?.[subpath.slice(2)]).toEqual([target]);
  });

  it('engines says the Node the README supports', () => {
    expect(pkg.engines.node).toBe('>=20');
    expect(readFileSync(resolve(root, 'README.md'), 'utf8')).toContain('Node 20 and newer');
  });
});
