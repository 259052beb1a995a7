import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALLOWED, allowed, INSTALL_SCRIPTS, manifestTargets, packedManifest, packedPaths, surfaceProblems } from './package-surface.ts';

describe('package surface', () => {
  it('the allow-list admits its own entries and refuses their neighbours', () => {
    expect(allowed('dist/index.js')).toBe(true);
    expect(allowed('generated/registry.json')).toBe(true);
    expect(allowed('generated/errors.ts')).toBe(false);
    expect(allowed('src/poll.ts')).toBe(false);
    expect(allowed('test/e2e/server.ts')).toBe(false);
    expect(allowed('distribution/x.js')).toBe(false);
    expect(ALLOWED).toContain('CHANGELOG.md');
  });

  it('npm pack --dry-run lists only allowed files, and every required one', () => {
    const paths = packedPaths();
    expect(paths.filter((p) => !allowed(p))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'generated/registry.json']));
  }, 60_000);

  it("every relative link of the README resolves in the tarball (the README is the package's page)", () => {
    const paths = packedPaths();
    const links = [...readFileSync('README.md', 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] as string).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(3);
    expect(links.filter((l) => !paths.includes(l))).toEqual([]);
  }, 60_000);

  it('the packed package.json has no dependencies and no install scripts, and points only at packed files', () => {
    const manifest = packedManifest();
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.optionalDependencies).toBeUndefined();
    expect(manifest.bundleDependencies ?? manifest.bundledDependencies).toBeUndefined();
    // openai is the one peer, and not optional; the command line is a package of its own.
    expect(manifest.peerDependencies).toEqual({ openai: '>=5 <8' });
    expect(manifest.peerDependenciesMeta).toBeUndefined();
    expect(manifest.bin).toBeUndefined();
    expect(Object.keys((manifest.scripts ?? {}) as object).filter((s) => (INSTALL_SCRIPTS as readonly string[]).includes(s))).toEqual([]);
    expect(manifestTargets(manifest)).toContain('dist/index.js');
    expect(surfaceProblems()).toEqual([]);
  }, 60_000);
});
