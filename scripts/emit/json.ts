/**
 * Emits the language-neutral outputs: registry.json (the whole normalized registry) and two
 * JSON Schemas (draft 2020-12): one describing registry.json, one describing a failed object on
 * each surface. Objects keyed by code are built with Object.fromEntries, so a code such as
 * `__proto__` stays an own property.
 */
import type { Registry, Surface } from '../model.ts';
import { headerLines, pathSegments, type OutputFile } from './common.ts';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

function json(path: string, value: unknown): OutputFile {
  return { path, content: `${JSON.stringify(value, null, 2)}\n` };
}

/** The normalized registry as plain data, in the model's (code-unit) order. */
export function registryData(registry: Registry): Record<string, unknown> {
  return {
    $comment: headerLines(registry).join(' '),
    schemaVersion: registry.schemaVersion,
    version: registry.version,
    contentHash: registry.contentHash,
    defaults: registry.defaults,
    backoff: Object.fromEntries(registry.backoff.map(({ name, ...profile }) => [name, profile])),
    surfaces: Object.fromEntries(registry.surfaces.map(({ name, ...surface }) => [name, surface])),
    codes: Object.fromEntries(
      registry.codes.map(({ code, ...entry }) => [
        code,
        { ...entry, refinements: entry.refinements.map((r) => ({ ...r })) },
      ]),
    ),
  };
}

const str = { type: 'string' } as const;
const strList = { type: 'array', items: str } as const;
const pathList = { type: 'array', items: str, minItems: 1 } as const;

function registrySchema(registry: Registry): Record<string, unknown> {
  const outcome = {
    class: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
    extends: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
    retryable: { type: 'boolean' },
    backoff: str,
    description: str,
  };
  return {
    $schema: DRAFT,
    $id: `urn:openai-error-registry:registry.json:${registry.version}`,
    $comment: headerLines(registry).join(' '),
    title: `openai-error-registry registry.json, registry ${registry.version}`,
    description: 'The normalized failure-code registry: every code with its error class, openai SDK base class, retryability, backoff profile, surfaces, description, since and evidence.',
    type: 'object',
    additionalProperties: false,
    required: ['$comment', 'schemaVersion', 'version', 'contentHash', 'defaults', 'backoff', 'surfaces', 'codes'],
    properties: {
      $comment: str,
      schemaVersion: { const: registry.schemaVersion },
      version: { const: registry.version },
      contentHash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      defaults: {
        type: 'object',
        additionalProperties: false,
        required: [...Object.keys(outcome), 'retryableStatuses'],
        properties: {
          ...outcome,
          retryableStatuses: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['backoff'],
              properties: { status: { type: 'integer' }, from: { type: 'integer' }, backoff: str },
            },
          },
        },
      },
      backoff: { type: 'object', additionalProperties: { $ref: '#/$defs/backoff' } },
      surfaces: { type: 'object', additionalProperties: { $ref: '#/$defs/surface' } },
      codes: { type: 'object', additionalProperties: { $ref: '#/$defs/code' } },
    },
    $defs: {
      backoff: {
        type: 'object',
        additionalProperties: false,
        required: ['strategy', 'initialMs', 'maxMs', 'multiplier', 'jitter', 'maxAttempts', 'honourServerHints'],
        properties: {
          strategy: { enum: ['exponential', 'constant'] },
          initialMs: { type: 'integer', minimum: 0 },
          maxMs: { type: 'integer', minimum: 0 },
          multiplier: { type: 'number', minimum: 1 },
          jitter: { enum: ['full', 'equal', 'none'] },
          maxAttempts: { type: 'integer', minimum: 1 },
          honourServerHints: { type: 'boolean' },
        },
      },
      statusList: strList,
      surface: {
        type: 'object',
        additionalProperties: false,
        required: ['description', 'fields'],
        properties: {
          description: str,
          match: {
            type: 'object',
            additionalProperties: false,
            required: ['path', 'values'],
            properties: { path: str, values: strList },
          },
          status: {
            type: 'object',
            additionalProperties: false,
            required: ['path', 'failed', 'incomplete', 'expired', 'cancelled'],
            properties: {
              path: str,
              failed: { $ref: '#/$defs/statusList' },
              incomplete: { $ref: '#/$defs/statusList' },
              expired: { $ref: '#/$defs/statusList' },
              cancelled: { $ref: '#/$defs/statusList' },
            },
          },
          fields: {
            type: 'object',
            additionalProperties: false,
            properties: { code: pathList, message: pathList, type: pathList, reason: pathList, id: pathList },
          },
        },
      },
      code: {
        type: 'object',
        additionalProperties: false,
        required: [...Object.keys(outcome), 'surfaces', 'since', 'evidence', 'refinements'],
        properties: {
          ...outcome,
          surfaces: { type: 'array', items: str, minItems: 1 },
          since: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' },
          evidence: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['url', 'note'],
              properties: { url: { type: 'string', pattern: '^https://' }, note: str },
            },
          },
          refinements: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['when', 'code', ...Object.keys(outcome), 'note'],
              properties: {
                when: {
                  type: 'object',
                  additionalProperties: false,
                  minProperties: 1,
                  properties: { type: str, messageContains: str },
                },
                code: str,
                ...outcome,
                note: str,
              },
            },
          },
        },
      },
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

function anyPath(paths: readonly string[] | undefined, leaf: Record<string, unknown>): Record<string, unknown>[] {
  if (paths === undefined || paths.length === 0) return [];
  const options = paths.map((p) => at(pathSegments(p), leaf));
  return options.length === 1 ? options : [{ anyOf: options }];
}

function failureSchema(registry: Registry): Record<string, unknown> {
  const branches: Record<string, unknown>[] = [];
  const codesOn = (s: Surface) => registry.codes.filter((c) => c.surfaces.includes(s.name)).map((c) => c.code);
  for (const s of registry.surfaces) {
    if (s.match === undefined) continue; // synchronous HTTP errors are thrown, not returned
    const match = at(pathSegments(s.match.path), { enum: s.match.values });
    const codes = { enum: codesOn(s) };
    const failed = s.status ? [...s.status.failed, ...s.status.expired] : [];
    if (s.status === undefined || failed.length > 0) {
      branches.push({
        title: `${s.name} failed`,
        description: s.description,
        allOf: [
          match,
          ...(s.status ? [at(pathSegments(s.status.path), { enum: failed })] : []),
          ...anyPath(s.fields.code, codes),
        ],
      });
    }
    if (s.status && s.status.incomplete.length > 0 && s.fields.reason) {
      branches.push({
        title: `${s.name} incomplete`,
        description: s.description,
        allOf: [match, at(pathSegments(s.status.path), { enum: s.status.incomplete }), ...anyPath(s.fields.reason, codes)],
      });
    }
  }
  return {
    $schema: DRAFT,
    $id: `urn:openai-error-registry:failure:${registry.version}`,
    $comment: headerLines(registry).join(' '),
    title: `A failed or incomplete OpenAI object whose code the registry knows (registry ${registry.version})`,
    description: 'One branch per surface and status kind; the code (or incomplete reason) is an enum of the codes the registry lists on that surface.',
    oneOf: branches,
  };
}

/** registry.json, registry.schema.json and failure.schema.json. */
export function emitJson(registry: Registry): OutputFile[] {
  return [
    json('registry.json', registryData(registry)),
    json('registry.schema.json', registrySchema(registry)),
    json('failure.schema.json', failureSchema(registry)),
  ];
}
