// The registry workflow cannot run here: check instead that every command it runs exists (an npm
// builtin, an npm script of package.json, a CLI command with options it accepts, or a named
// external tool), and that it runs the four checks CONTRIBUTING.md promises.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseCommandLine } from '../scripts/cli/main.ts';

const workflow = parse(readFileSync('.github/workflows/registry.yml', 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> };
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
const CLI = 'node bin/openai-error-registry.mjs';
/** Tools the workflow may call besides npm and the CLI. */
const EXTERNAL = new Set(['git', 'python', 'tee']);
const NPM_BUILTINS = new Set(['ci', 'install', 'test']);

/** Shell words of one command, with `$(...)` and `$VAR` kept as opaque words. */
function words(command: string): string[] {
  const flat = command.replace(/\$\((?:[^()]|\([^()]*\))*\)/g, 'SUBSTITUTED');
  return [...flat.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** Every simple command the workflow runs (lines split at pipes and &&). */
const commands = Object.values(workflow.jobs)
  .flatMap((job) => job.steps.flatMap((s) => (s.run ?? '').split('\n')))
  .flatMap((line) => line.split(/\|\||&&|\|/))
  .map((c) => c.trim())
  .filter((c) => c !== '');

/** Why a command does not exist; undefined when it does. */
function problem(command: string): string | undefined {
  const w = words(command);
  const cliArgs = (args: string[]) => {
    const line = parseCommandLine(args);
    return line.kind === 'error' ? line.message : undefined;
  };
  if (command.startsWith(`${CLI} `)) return cliArgs(words(command.slice(CLI.length)));
  if (w[0] === 'npx' && w[1] === 'openai-error-registry') return cliArgs(w.slice(2));
  if (w[0] === 'npm' && w[1] === 'run') {
    const script = scripts[w[2] ?? ''];
    if (script === undefined) return `npm run ${w[2]}: no such script`;
    const extra = w.slice(3);
    if (extra[0] === '--') extra.shift();
    return script.startsWith(`${CLI} `) ? cliArgs([...words(script.slice(CLI.length)), ...extra]) : undefined;
  }
  if (w[0] === 'npm') return NPM_BUILTINS.has(w[1] ?? '') ? undefined : `npm ${w[1]}: not used here`;
  return EXTERNAL.has(w[0] ?? '') ? undefined : `${w[0]}: not a known tool`;
}

describe('.github/workflows/registry.yml', () => {
  it.each(commands.map((c) => [c]))('%s exists', (command) => {
    expect(problem(command)).toBeUndefined();
  });

  it('runs validate, generate --check, diff against the base branch and sync with --python', () => {
    const all = commands.join('\n');
    expect(all).toContain('npm run validate');
    expect(all).toContain('npm run generate -- --check');
    expect(all).toMatch(/openai-error-registry\.mjs diff "origin\/\$BASE" registry\//);
    expect(all).toMatch(/openai-error-registry\.mjs sync --python/);
  });

  it('the check itself rejects what does not exist', () => {
    expect(problem('npm run nonexistent')).toBe('npm run nonexistent: no such script');
    expect(problem(`${CLI} diff a`)).toBe('diff needs OLD NEW');
    expect(problem(`${CLI} sync --out x`)).toBe('option --out does not apply to sync');
    expect(problem('npm run generate -- --colour')).toMatch(/unknown option --colour/);
    expect(problem('curl https://example.com')).toBe('curl: not a known tool');
  });
});
