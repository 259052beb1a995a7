import { describe, expect, it } from 'vitest';
import { checkRegistry, DEFAULT_REGISTRY } from '../scripts/pipeline/check.ts';
import { readSdkVocabularies, sdkPackage, vocabularies } from '../scripts/tooling/sdk-vocabulary.ts';
import type { Registry } from '../scripts/pipeline/model.ts';

const checked = checkRegistry([DEFAULT_REGISTRY]);
if (!checked.ok) throw new Error(`embedded registry is invalid: ${JSON.stringify(checked.diagnostics)}`);
const registry: Registry = checked.registry;
const byCode = new Map(registry.codes.map((c) => [c.code, c]));
const surfaces = new Map(registry.surfaces.map((s) => [s.name, s]));

describe.each(['openai', 'openai-v6', 'openai-v5'])('the registry covers %s', { timeout: 120_000 }, (pkg) => {
  const { version, major } = sdkPackage(pkg);
  const readings = readSdkVocabularies(registry, pkg);

  it.each(readings.map((r) => [`${r.surface}: ${r.file}#${r.path} (${version})`, r] as const))('%s', (_name, r) => {
    if (r.values === undefined) {
      // Only vocabularies newer than this SDK may be absent; a renamed type must fail here.
      expect(major).toBeLessThan(r.sinceMajor);
      return;
    }
    expect(r.values.length).toBeGreaterThan(0);
    if (r.kind === 'codes') {
      const missing = r.values.filter((code) => !byCode.get(code)?.surfaces.includes(r.surface));
      expect(missing, `codes of ${r.path} not in the registry on surface ${r.surface}`).toEqual([]);
    } else {
      const status = surfaces.get(r.surface)?.status;
      expect(status, `surface ${r.surface} has a status section`).toBeDefined();
      const named = [...(status?.running ?? []), ...(status?.failed ?? []), ...(status?.expired ?? []), ...(status?.incomplete ?? []), ...(status?.done ?? [])];
      // Every status the registry names exists in the SDK, and every status the SDK declares means something to the registry.
      expect(named.filter((s) => !r.values?.includes(s)), `statuses of ${r.surface} that ${r.path} does not declare`).toEqual([]);
      expect(r.values.filter((s) => !named.includes(s)), `statuses ${r.path} declares that surface ${r.surface} does not list`).toEqual([]);
    }
  });
});

it('openai 7 declares every vocabulary the registry checks', { timeout: 120_000 }, () => {
  expect(readSdkVocabularies(registry, 'openai').filter((r) => r.values === undefined).map((r) => `${r.file}#${r.path}`)).toEqual([]);
});

it('reads the vocabularies from the surfaces\' sdk references: codes and statuses of every surface that has them', () => {
  const read = vocabularies(registry).map((v) => `${v.surface} ${v.kind} ${v.file}#${v.path}`);
  const declared = registry.surfaces.flatMap((s) => [
    ...(s.sdk?.codes ?? []).map((ref) => `${s.name} codes ${ref}`),
    ...(s.sdk?.statuses === undefined ? [] : [`${s.name} statuses ${s.sdk.statuses}`]),
  ]);
  expect(read.sort()).toEqual(declared.sort());
  expect(read.length).toBeGreaterThan(15);
});
