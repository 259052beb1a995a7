/**
 * Secrets: a real openai client sends a key that looks real, an organization and a project to the
 * local server, which quotes all three back in failure messages (and in the response headers, as
 * the API does with openai-organization and openai-project). Every way an error is commonly
 * rendered (message, `${error}`, stack, toJSON, JSON.stringify, util.inspect, console-style
 * formatting) is searched for them. A case is one failure surface; a render is one channel of it.
 */
import { format, inspect } from 'node:util';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { classifyError, raiseForStreamEvents, waitForResponse, withRetry } from '../../src/index.ts';
import { isolatedLimiterKey, response, type PlayServer } from './server.ts';

/** Look real: an sk-proj- key of 40 more characters, an org- and a proj_ id. */
export const SECRETS = {
  key: 'sk-proj-' + 'Qm7Zt2Vx9Lp4Rk8Sw1Ny6Bc3Df5Gh0Ja2Ek7Uu9X',
  organization: 'org-' + 'Zp3Lq8Rt5Vw2Xy7Nb4Mc9Kd1',
  project: 'proj_' + 'Hs6Jt2Gu8Fv4Ew1Dx7Cy3Bz5',
} as const;

/** A message that quotes all three, as an echoing API (or proxy) might. */
const quoting = `Incorrect API key provided: ${SECRETS.key} for organization ${SECRETS.organization} in project ${SECRETS.project}. Bearer ${SECRETS.key}`;
/** Response headers that name the organization and project, as the API's own do. */
const echoed = { 'openai-organization': SECRETS.organization, 'openai-project': SECRETS.project, 'x-request-id': 'req_secret_1' };

/** Every rendering of a value that a log line or a report commonly gets. */
export function renderings(value: unknown): Record<string, string> {
  const e = value as { message?: unknown; stack?: unknown; toJSON?: () => unknown };
  return {
    message: String(e.message),
    template: `${String(value)}`,
    stack: String(e.stack),
    toJSON: typeof e.toJSON === 'function' ? JSON.stringify(e.toJSON()) : '(none)',
    'JSON.stringify': JSON.stringify(value) ?? '',
    'util.inspect': inspect(value, { depth: Infinity }),
    'util.inspect showHidden': inspect(value, { depth: Infinity, showHidden: true }),
    'console %o': format('%o', value),
    'console %s': format('%s', value),
    console: format(value),
  };
}

/** The channels of a rendering that contain a secret (or the secret's distinctive tail). */
export function leaks(rendered: Record<string, string>): string[] {
  const needles = Object.values(SECRETS).flatMap((s) => [s, s.slice(-16)]);
  return Object.entries(rendered)
    .filter(([, text]) => needles.some((n) => text.includes(n)))
    .map(([channel]) => channel);
}

/** One failure surface: what the user's code catches (or is given) for it. */
export interface SecretCase {
  readonly name: string;
  /** The values the package hands the user for this failure, by what they are. */
  capture(server: PlayServer, client: OpenAI): Promise<Record<string, unknown>>;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A client that sends all three secrets. */
export function secretClient(server: PlayServer): OpenAI {
  return new OpenAI({ apiKey: SECRETS.key, organization: SECRETS.organization, project: SECRETS.project, baseURL: server.baseURL, maxRetries: 0 });
}

const failedEvent = { type: 'response.failed', sequence_number: 1, response: response('failed', { error: { code: 'server_error', message: quoting } }) };
const created = { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: response('in_progress') } };

async function drain(stream: AsyncIterable<unknown>): Promise<unknown> {
  return rejection(
    (async () => {
      for await (const _ of raiseForStreamEvents(stream)) void _;
    })(),
  );
}

export const SECRET_CASES: readonly SecretCase[] = [
  {
    name: 'a failed background response whose error message quotes the secrets',
    async capture(server, client) {
      server.script('GET /responses/resp_1', { body: response('failed', { error: { code: 'server_error', message: quoting } }), headers: echoed });
      return { error: await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 1 })) };
    },
  },
  {
    name: 'an incomplete background response raised on request, whose message quotes the secrets',
    async capture(server, client) {
      server.script('GET /responses/resp_1', { body: response('incomplete', { incomplete_details: { reason: 'content_filter', message: quoting } }), headers: echoed });
      return { error: await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 1, raiseOnIncomplete: true })) };
    },
  },
  {
    name: 'a stream that ends in response.failed quoting the secrets',
    async capture(server, client) {
      server.script('POST /responses', { sse: [created, { event: 'response.failed', data: failedEvent }] });
      return { error: await drain(await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true })) };
    },
  },
  {
    name: 'a stream error event quoting the secrets',
    async capture(server, client) {
      server.script('POST /responses', { sse: [created, { event: 'error', data: { type: 'error', sequence_number: 1, error: { type: 'server_error', code: 'server_error', message: quoting } } }] });
      return { error: await drain(await client.responses.create({ model: 'gpt-test', input: 'hi', stream: true })) };
    },
  },
  {
    name: 'a synchronous 429 quoting the secrets: the facts classifyError gives',
    async capture(server, client) {
      server.script('POST /responses', { status: 429, headers: echoed, body: { error: { message: quoting, type: 'requests', code: 'rate_limit_exceeded' } } });
      const thrown = await rejection(client.responses.create({ model: 'gpt-test', input: 'hi' }));
      return { facts: classifyError(thrown) };
    },
  },
  {
    name: '429s on every poll quoting the secrets, until PollFaultError',
    async capture(server, client) {
      server.script('GET /responses/resp_1', { status: 429, headers: { ...echoed, 'retry-after-ms': '1' }, body: { error: { message: quoting, type: 'requests', code: 'rate_limit_exceeded' } } });
      return { error: await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 1, maxPollIntervalMs: 2, maxPollFaults: 1 })) };
    },
  },
  {
    name: 'a poll stalled until PollTimeoutError, by a client holding the secrets',
    async capture(server, client) {
      server.script('GET /responses/resp_1', { body: response('in_progress'), headers: echoed }, { stall: 'headers' });
      return { error: await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 1, timeoutMs: 100 })) };
    },
  },
];

/**
 * openai's own errors, which the package passes on unchanged (withRetry rethrows the last one;
 * waitForResponse rethrows a poll failure that is not transient): counted apart, since their
 * message is openai's rendering of what the server said.
 */
export const PASSED_THROUGH: readonly SecretCase[] = [
  {
    name: 'a synchronous 429 quoting the secrets, rethrown by withRetry',
    async capture(server, client) {
      server.script('POST /responses', { status: 429, headers: echoed, body: { error: { message: quoting, type: 'insufficient_quota', code: 'insufficient_quota' } } });
      return { error: await rejection(withRetry(() => client.responses.create({ model: 'gpt-test', input: 'hi' }), { maxAttempts: 1, budget: false, limiter: false })) };
    },
  },
  {
    name: 'a 401 on a poll quoting the secrets, rethrown by waitForResponse',
    async capture(server, client) {
      server.script('GET /responses/resp_1', { status: 401, headers: echoed, body: { error: { message: quoting, type: 'invalid_request_error', code: 'invalid_api_key' } } });
      return { error: await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 1 })) };
    },
  },
];

/** Runs one case: checks the secrets went over the wire, then returns the channels that leaked, by value. */
export async function runSecretCase(server: PlayServer, c: SecretCase): Promise<{ renders: number; leaked: string[] }> {
  server.reset();
  const values = await c.capture(server, secretClient(server));
  const first = server.seen[0];
  expect(first?.headers.authorization).toBe(`Bearer ${SECRETS.key}`);
  expect(first?.headers['openai-organization']).toBe(SECRETS.organization);
  expect(first?.headers['openai-project']).toBe(SECRETS.project);
  let renders = 0;
  const leaked: string[] = [];
  for (const [what, value] of Object.entries(values)) {
    expect(value, `${c.name}: ${what}`).toBeDefined();
    const rendered = renderings(value);
    renders += Object.keys(rendered).length;
    for (const channel of leaks(rendered)) leaked.push(`${what} ${channel}`);
  }
  return { renders, leaked };
}
