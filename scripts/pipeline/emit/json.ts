/**
 * Emits the language-neutral outputs (JSON Schema draft 2020-12):
 * - registry.json: the normalized registry, in the shape of a registry file (every optional fact
 *   resolved), so it validates against the input schema;
 * - registry.schema.json: derived from registry/registry.schema.json (the one definition of the
 *   shape), with every section required and the two fields registry.json adds;
 * - failure.schema.json: a failed or incomplete object on each surface, known codes listed and
 *   unknown codes accepted (a new code must not break a consumer in another language);
 * - failure-record.schema.json: the record a classification returns and toJSON() writes, from
 *   registry/failure-record.schema.json.
 * Objects keyed by code are built with Object.fromEntries, so `__proto__` stays an own property.
 */
import { readFileSync } from 'node:fs';
import type { CodeEntry, Evidence, Outcome, Registry, Surface } from '../model.ts';
import { packageFile } from '../package-files.ts';
import { headerLines, pathSegments, type OutputFile } from './common.ts';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const schemaFile = (name: string) => JSON.parse(readFileSync(packageFile(`registry/${name}`), 'utf8')) as Record<string, unknown>;

function json(path: string, value: unknown): OutputFile {
  return { path, content: `${JSON.stringify(value, null, 2)}\n` };
}

const evidenceData = (list: readonly Evidence[]) => list.map((e) => (e.status === undefined ? { url: e.url, note: e.note } : { ...e }));

function outcomeData(o: Outcome) {
  return {
    class: o.class,
    extends: o.extends,
    category: o.category,
    retryable: o.retryable,
    backoff: o.backoff,
    ...(o.http === undefined ? {} : { http: o.http }),
    ...(o.baseRule === undefined ? {} : { baseRule: o.baseRule }),
    description: o.description,
    evidence: evidenceData(o.evidence),
  };
}

function codeData(c: CodeEntry) {
  return {
    ...outcomeData(c),
    surfaces: c.surfaces,
    since: c.since,
    refinements: c.refinements.map(({ when, note, code, ...o }) => (code === c.code ? { when, note, ...outcomeData(o) } : { when, note, as: code })),
    overrides: Object.fromEntries(c.overrides.map(({ surface, ...o }) => [surface, outcomeData(o)])),
  };
}

function surfaceData(s: Surface) {
  const { name: _name, sdk, match, status, expiredCode, fields, ...rest } = s;
  const nonEmpty = Object.fromEntries(Object.entries(fields).filter(([, v]) => (v as readonly string[]).length > 0));
  return {
    ...rest,
    failedWhen: s.failedWhen.length > 0 ? s.failedWhen : undefined,
    replay: { started: s.replay.started, ...(s.replay.output.length > 0 ? { output: s.replay.output } : {}), ...(s.replay.conversation.length > 0 ? { conversation: s.replay.conversation } : {}) },
    ...(sdk === undefined ? {} : { sdk: { ...sdk, ...(sdk.codes.length === 0 ? { codes: undefined } : {}) } }),
    ...(match === undefined ? {} : { match }),
    ...(status === undefined ? {} : { status }),
    ...(expiredCode === undefined ? {} : { expiredCode }),
    fields: nonEmpty,
  };
}

/** The normalized registry as plain data, in the model's (code-unit) order and a registry file's shape. */
export function registryData(registry: Registry, command?: string): Record<string, unknown> {
  // JSON.stringify drops the undefined fields.
  return {
    $comment: headerLines(registry, command).join(' '),
    contentHash: registry.contentHash,
    schemaVersion: registry.schemaVersion,
    version: registry.version,
    sdkClasses: Object.fromEntries(registry.sdkClasses.map(({ name, ...c }) => [name, c])),
    categories: Object.fromEntries(registry.categories.map(({ name, ...c }) => [name, c])),
    hints: { ...registry.hints, evidence: evidenceData(registry.hints.evidence) },
    polling: { ...registry.polling, evidence: evidenceData(registry.polling.evidence) },
    defaults: registry.defaults,
    fallbacks: Object.fromEntries(registry.fallbacks.map(({ name, ...f }) => [name, outcomeData(f)])),
    backoff: Object.fromEntries(registry.backoff.map(({ name, ...profile }) => [name, profile])),
    surfaces: Object.fromEntries(registry.surfaces.map((s) => [s.name, surfaceData(s)])),
    codes: Object.fromEntries(registry.codes.map((c) => [c.code, codeData(c)])),
  };
}

/** registry.json's schema: the input schema with every section required and the fields registry.json adds. */
function registrySchema(registry: Registry, command?: string): Record<string, unknown> {
  const { $schema, $id: _id, ...input } = schemaFile('registry.schema.json');
  const properties = input['properties'] as Record<string, unknown>;
  return {
    $schema,
    $comment: headerLines(registry, command).join(' '),
    ...input,
    $id: `urn:openai-error-registry:registry.json:${registry.version}`,
    title: `openai-error-registry registry.json, registry ${registry.version}`,
    description: 'The normalized failure-code registry, one file in the shape of a registry file (registry/registry.schema.json) with every optional fact resolved.',
    required: ['$comment', 'contentHash', ...Object.keys(properties)],
    properties: {
      $comment: { type: 'string' },
      contentHash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'sha256 of the registry source files.' },
      ...properties,
    },
  };
}

/**
 * A schema requiring `leaf` at `path` (segments). The runtime reads `0` as the first array
 * element; the schema says "some element" (contains), because a 1-tuple prefixItems that leaves
 * later items open is rejected by strict validators.
 */
function at(segments: readonly string[], leaf: Record<string, unknown>): Record<string, unknown> {
  const [head, ...rest] = segments;
  if (head === undefined) return leaf;
  if (head === '0') return { type: 'array', minItems: 1, contains: at(rest, leaf) };
  return { type: 'object', required: [head], properties: { [head]: at(rest, leaf) } };
}

/**
 * A schema constraining the value at `path` when it is there: a code may be absent (an expired
 * batch, a failed response with error null), and then the surface's fallback applies.
 */
function ifPresent(segments: readonly string[], leaf: Record<string, unknown>): Record<string, unknown> {
  const [head, ...rest] = segments;
  if (head === undefined) return leaf;
  if (head === '0') return { type: ['array', 'null'], items: ifPresent(rest, leaf) };
  return { type: ['object', 'null'], properties: { [head]: ifPresent(rest, leaf) } };
}

function anyPath(paths: readonly string[], leaf: Record<string, unknown>): Record<string, unknown>[] {
  return paths.map((p) => ifPresent(pathSegments(p), leaf));
}

function failureSchema(registry: Registry, command?: string): Record<string, unknown> {
  const branches: Record<string, unknown>[] = [];
  // Known codes are listed; any other string (a code new to the registry) or null is accepted.
  const codes = (s: Surface) => {
    const known = registry.codes.filter((c) => c.surfaces.includes(s.name)).map((c) => c.code);
    const unknown = { type: ['string', 'null'], description: `a code the registry does not know yet: fallback ${s.unknown}` };
    return known.length === 0 ? unknown : { anyOf: [{ enum: known, description: 'a code the registry knows on this surface' }, unknown] };
  };
  for (const s of registry.surfaces) {
    if (s.name === 'http') continue; // synchronous HTTP errors are thrown, not returned
    const match = s.match === undefined ? [] : [at(pathSegments(s.match.path), { enum: s.match.values }), ...(s.match.has === undefined ? [] : [at(pathSegments(s.match.has), { type: 'string' })])];
    const failed = s.status ? [...s.status.failed, ...s.status.expired] : [];
    if (s.status === undefined || failed.length > 0) {
      branches.push({
        title: `${s.name} failed`,
        description: s.description,
        allOf: [
          ...match,
          ...(s.status ? [at(pathSegments(s.status.path), { enum: failed })] : []),
          ...(s.failedWhen.length > 0 ? [{ anyOf: s.failedWhen.map((p) => at(pathSegments(p), { type: 'object' })) }] : []),
          ...anyPath(s.fields.code, codes(s)),
        ],
      });
    }
    if (s.status && s.status.incomplete.length > 0 && s.fields.reason.length > 0) {
      branches.push({
        title: `${s.name} incomplete`,
        description: s.description,
        allOf: [...match, at(pathSegments(s.status.path), { enum: s.status.incomplete }), ...anyPath(s.fields.reason, codes(s))],
      });
    }
  }
  return {
    $schema: DRAFT,
    $id: `urn:openai-error-registry:failure:${registry.version}`,
    $comment: headerLines(registry, command).join(' '),
    title: `A failed or incomplete OpenAI object (registry ${registry.version})`,
    description: 'One branch per surface and status kind. The code (or incomplete reason) lists the codes the registry knows on that surface and accepts any other string, which gets the surface fallback.',
    anyOf: branches,
  };
}

/** failure-record.schema.json: FailureFacts, as toJSON() writes it. */
function failureRecordSchema(registry: Registry, command?: string): Record<string, unknown> {
  const { $schema, $id: _id, ...rest } = schemaFile('failure-record.schema.json');
  return { $schema, $id: `urn:openai-error-registry:failure-record:${registry.version}`, $comment: headerLines(registry, command).join(' '), ...rest };
}

/** registry.json and the three JSON Schemas. */
export function emitJson(registry: Registry, command?: string): OutputFile[] {
  return [
    json('registry.json', registryData(registry, command)),
    json('registry.schema.json', registrySchema(registry, command)),
    json('failure.schema.json', failureSchema(registry, command)),
    json('failure-record.schema.json', failureRecordSchema(registry, command)),
  ];
}
