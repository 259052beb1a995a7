/**
 * The tool chains some commands need beyond the package itself (declared as optional peer
 * dependencies): checked before a command loads them, so a missing one is one line saying exactly
 * what to install, never ERR_MODULE_NOT_FOUND with a stack trace.
 */
import { createRequire } from 'node:module';

/** A package a command may need, and the specifier that proves it is installed. */
export const OPTIONAL_PACKAGES = {
  yaml: 'yaml',
  ajv: 'ajv/dist/2020',
  'ts-morph': 'ts-morph',
  openai: 'openai',
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** The packages of `names` that cannot be resolved from this module. */
export function missingPackages(names: readonly OptionalPackage[]): OptionalPackage[] {
  const require = createRequire(import.meta.url);
  return names.filter((n) => {
    try {
      require.resolve(OPTIONAL_PACKAGES[n]);
      return false;
    } catch {
      return true;
    }
  });
}

/** One line naming what `what` needs and the command that installs it; undefined when all are present. */
export function missingMessage(what: string, names: readonly OptionalPackage[]): string | undefined {
  const missing = missingPackages(names);
  if (missing.length === 0) return undefined;
  return `${what} needs ${missing.join(', ')}: run npm install --save-dev ${missing.join(' ')}`;
}
