/**
 * What validate reads and model builds from: every file merged into one view, each value with the
 * file and path it came from. Shared by both stages, so neither imports the other.
 */
import type { StatusKind } from '../../src/spec.ts';
import type { LoadedFile, YamlPath } from './load.ts';
import type {
  BackoffProfile as BackoffProfileDef,
  Category as CategoryDef,
  Code as CodeDef,
  Defaults as DefaultsDef,
  Fallback as FallbackDef,
  Hints as HintsDef,
  Polling as PollingDef,
  SdkClass as SdkClassDef,
  Surface as SurfaceDef,
} from './registry-file.generated.ts';

/** The status lists the schema gives a surface; the runtime's STATUS_KINDS must name exactly these. */
type SchemaStatusKind = Exclude<keyof NonNullable<SurfaceDef['status']>, 'path'>;
/** Compiles only while STATUS_KINDS and the schema's status lists agree. */
export const STATUS_KINDS_MATCH_SCHEMA: [SchemaStatusKind] extends [StatusKind] ? ([StatusKind] extends [SchemaStatusKind] ? true : never) : never = true;

/** The profile a code gets when it names none: never resubmit. */
export const NO_BACKOFF = 'none';

/** A value together with the file and path it came from, so rules can point at it. */
export interface Located<T> {
  readonly value: T;
  readonly file: LoadedFile;
  readonly path: YamlPath;
}

/** All files merged: each top-level section once, codes and profiles keyed by name. */
export interface RegistryView {
  /** The files that passed the schema, in load order. */
  readonly files: readonly LoadedFile[];
  readonly schemaVersion: Located<2> | undefined;
  readonly version: Located<string> | undefined;
  readonly hints: Located<HintsDef> | undefined;
  readonly polling: Located<PollingDef> | undefined;
  readonly defaults: Located<DefaultsDef> | undefined;
  readonly sdkClasses: ReadonlyMap<string, Located<SdkClassDef>>;
  readonly categories: ReadonlyMap<string, Located<CategoryDef>>;
  readonly fallbacks: ReadonlyMap<string, Located<FallbackDef>>;
  readonly backoff: ReadonlyMap<string, Located<BackoffProfileDef>>;
  readonly surfaces: ReadonlyMap<string, Located<SurfaceDef>>;
  readonly codes: ReadonlyMap<string, Located<CodeDef>>;
}
