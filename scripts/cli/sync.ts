/** `openai-error-registry sync [--registry PATH] [--python DIR] [--sdk NAME]`: the findings of tooling/sync.ts, printed. */
import { relative } from 'node:path';
import { InputError } from '../pipeline/errors.ts';
import { packageFile } from '../pipeline/package-files.ts';
import { readRegistryInput } from '../tooling/registry-input.ts';
import { pythonPackageProblem } from '../tooling/python-vocabulary.ts';
import { formatSdk, syncNode, syncPython, syncRegistry } from '../tooling/sync.ts';
import type { Output } from './output.ts';

/** Exit 1 when an SDK declares a code or status the registry does not place, else 0. */
export async function runSync(o: Output, options: { registry?: readonly string[] | undefined; python?: string | undefined; sdk?: string | undefined }): Promise<number> {
  if ((options.registry?.length ?? 0) > 1) throw new InputError('sync reads one --registry');
  // Input problems first, before the slow reading of registry and SDK.
  const pythonProblem = options.python === undefined ? undefined : pythonPackageProblem(options.python);
  if (pythonProblem !== undefined) throw new InputError(pythonProblem);
  const source = options.registry?.[0] ?? (relative(process.cwd(), packageFile('registry')) || '.');
  const input = await readRegistryInput(source);
  const registry = syncRegistry(input.data);
  const findings = [syncNode(registry, options.sdk ?? 'openai')];
  if (options.python !== undefined) findings.push(syncPython(registry, options.python));
  const problems = findings.reduce((n, f) => n + f.problems, 0);
  if (o.json) {
    o.out(JSON.stringify({ ok: problems === 0, registry: { source: input.source, version: registry.version }, sdks: findings }, null, 2));
  } else {
    o.out([`sync: registry ${registry.version} (${input.source})`, ...findings.flatMap(formatSdk), problems === 0 ? 'in sync' : `${problems} problem${problems === 1 ? '' : 's'}`].join('\n'));
  }
  return problems === 0 ? 0 : 1;
}
