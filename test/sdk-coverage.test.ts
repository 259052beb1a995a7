import { describe, expect, it } from 'vitest';
import { checkRegistry, DEFAULT_REGISTRY } from '../scripts/cli.ts';
import { readSdkVocabularies, sdkPackage } from '../scripts/sdk-vocabulary.ts';
import type { Registry } from '../scripts/model.ts';

const checked = checkRegistry([DEFAULT_REGISTRY]);
if (!checked.ok) throw new Error(`embedded registry is invalid: ${JSON.stringify(checked.diagnostics)}`);
const registry: Registry = checked.registry;
const byCode = new Map(registry.codes.map((c) => [c.code, c]));
const surfaces = new Map(registry.surfaces.map((s) => [s.name, s]));

describe.each(['openai', 'openai-v6', 'openai-v5'])('the registry covers %s', (pkg) => {
  const { version, major } = sdkPackage(pkg);
  const readings = readSdkVocabularies(pkg);

  it.each(readings.map((r) => [`${r.path} (${version})`, r] as const))('%s', (_name, r) => {
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
      const named = [...(status?.failed ?? []), ...(status?.incomplete ?? []), ...(status?.expired ?? []), ...(status?.cancelled ?? [])];
      const unknown = named.filter((s) => !r.values?.includes(s));
      expect(unknown, `statuses of ${r.surface} that ${r.path} does not declare`).toEqual([]);
    }
  });
});

it('openai 7 declares every vocabulary the registry checks', () => {
  expect(readSdkVocabularies('openai').filter((r) => r.values === undefined).map((r) => r.path)).toEqual([]);
});
