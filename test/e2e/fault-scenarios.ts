/**
 * Fault scenarios: waitForResponse, with a real openai client (maxRetries: 0, so our code and
 * not the client handles each fault), against the local server misbehaving on command. Each
 * scenario is a plain sentence (the test name and the summary's row), the outcome it must end
 * in, and the time it must end within. runFaultScenario also checks what holds for all of them:
 * nothing is polled or resubmitted after a run was seen terminal, and no timer is left behind.
 */
import OpenAI from 'openai';
import * as sdk from 'openai/core/error';
import { expect } from 'vitest';
import { PollFaultError, PollTimeoutError, ServerError, waitForResponse, type WaitOptions } from '../../src/index.ts';
import { FINAL_REQUEST_GRACE_MS } from '../../src/poll.ts';
import { isolatedLimiterKey, response, type PlayServer, type Seen } from './server.ts';

/** One fault scenario. */
export interface FaultScenario {
  /** What happens and what must follow: the test name and the summary's row. */
  readonly name: string;
  /** The outcome, in a few words, for the summary table. */
  readonly outcome: string;
  /** The scenario must end within this many milliseconds. */
  readonly boundMs: number;
  /** The defects of issue 11 it would have caught. */
  readonly defects?: readonly number[];
  run(server: PlayServer, client: OpenAI): Promise<void>;
}

const POLL = 'GET /responses/resp_1';
const CANCEL = 'POST /responses/resp_1/cancel';
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'incomplete', 'expired']);
const rateLimited = { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } };
const badGateway = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** A real client against the server, with the client's own retries off. */
export function clientFor(server: PlayServer, options: ConstructorParameters<typeof OpenAI>[0] = {}): OpenAI {
  return new OpenAI({ apiKey: 'test-key', baseURL: server.baseURL, maxRetries: 0, ...options });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Milliseconds since `start`, for bounds checked inside a scenario. */
const since = (start: number) => performance.now() - start;

/** Answers the server played for a route, in order. */
const answers = (server: PlayServer, route = POLL) => server.seen.filter((s) => s.route === route).map((s) => s.answered);

/** Waits in a way that leaves no timer behind once it has resolved. */
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function timedOut(e: unknown, lastStatus: string, timeoutMs: number): void {
  expect(e).toBeInstanceOf(PollTimeoutError);
  expect(e).toMatchObject({ name: 'PollTimeoutError', responseId: 'resp_1', lastStatus, timeoutMs });
}

/** A stall at the poll after the first: the wait must end at its own deadline, not the client's 10 minutes. */
async function stalledPoll(server: PlayServer, client: OpenAI, stall: 'headers' | 'body', extra: WaitOptions = {}): Promise<void> {
  server.script(POLL, { body: response('in_progress') }, stall === 'headers' ? { stall } : { stall, body: response('completed') });
  const start = performance.now();
  const e = await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 20, timeoutMs: 400, ...extra }));
  const took = since(start);
  timedOut(e, 'in_progress', 400);
  expect(took).toBeGreaterThanOrEqual(395);
  expect(took).toBeLessThan(400 + 300);
  expect(answers(server)).toEqual(['in_progress', `stall ${stall}`]);
}

export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  {
    name: 'a poll whose connection drops mid-body is a poll fault, then the run completes',
    outcome: 'completed after 1 fault',
    boundMs: 1000,
    async run(server, client) {
      server.script(POLL, { drop: 'mid-body', body: response('in_progress') }, { body: response('completed') });
      await expect(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10 })).resolves.toMatchObject({ id: 'resp_1', status: 'completed' });
      expect(answers(server)).toEqual(['drop mid-body', 'completed']);
    },
  },
  {
    name: 'a poll whose connection drops before the headers is a poll fault, then the run completes',
    outcome: 'completed after 1 fault',
    boundMs: 1000,
    async run(server, client) {
      server.script(POLL, { drop: true }, { body: response('completed') });
      await expect(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10 })).resolves.toMatchObject({ status: 'completed' });
      expect(answers(server)).toEqual(['drop', 'completed']);
    },
  },
  {
    name: 'a 502 with an HTML body is a poll fault, then the run completes',
    outcome: 'completed after 1 fault',
    boundMs: 1000,
    async run(server, client) {
      server.script(POLL, { status: 502, raw: badGateway, contentType: 'text/html' }, { body: response('completed') });
      await expect(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10 })).resolves.toMatchObject({ status: 'completed' });
      expect(answers(server)).toEqual(['502', 'completed']);
    },
  },
  {
    name: '502s with HTML bodies beyond maxPollFaults end in PollFaultError with the id, the last status and the 502',
    outcome: 'PollFaultError (cause: 502)',
    boundMs: 1000,
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') }, { status: 502, raw: badGateway, contentType: 'text/html' });
      const e = await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10, maxPollIntervalMs: 20, maxPollFaults: 2 }));
      expect(e).toBeInstanceOf(PollFaultError);
      expect(e).toMatchObject({ responseId: 'resp_1', lastStatus: 'in_progress', faults: 3 });
      expect((e as PollFaultError).cause).toBeInstanceOf(sdk.InternalServerError);
      expect((e as PollFaultError).cause).toMatchObject({ status: 502 });
      expect(answers(server)).toEqual(['in_progress', '502', '502', '502']);
    },
  },
  {
    name: 'an invalid JSON poll body is a poll fault, then the run completes',
    outcome: 'completed after 1 fault',
    boundMs: 1000,
    defects: [20],
    async run(server, client) {
      server.script(POLL, { raw: '{"id":"resp_1","status":"in_pro' }, { body: response('completed') });
      await expect(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10 })).resolves.toMatchObject({ status: 'completed' });
      expect(answers(server)).toEqual(['200', 'completed']);
    },
  },
  {
    name: 'invalid JSON poll bodies beyond maxPollFaults end in PollFaultError carrying the response id',
    outcome: 'PollFaultError (cause: SyntaxError)',
    boundMs: 1000,
    defects: [20],
    async run(server, client) {
      server.script(POLL, { raw: '<!doctype html><p>maintenance' }, { raw: '{"id":"resp_1",' });
      const e = await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10, maxPollIntervalMs: 20, maxPollFaults: 3 }));
      expect(e).toBeInstanceOf(PollFaultError);
      expect(e).toMatchObject({ responseId: 'resp_1', lastStatus: undefined, faults: 4 });
      expect((e as Error).message).toContain('resp_1');
      expect((e as PollFaultError).cause).toBeInstanceOf(SyntaxError);
      expect(answers(server)).toHaveLength(4);
    },
  },
  {
    name: 'a poll that never sends its headers ends in PollTimeoutError at the deadline, with the id and the last status',
    outcome: 'PollTimeoutError at 400 ms',
    boundMs: 1500,
    defects: [18],
    run: (server, client) => stalledPoll(server, client, 'headers'),
  },
  {
    name: 'a poll that stalls mid-body ends in PollTimeoutError at the deadline, with the id and the last status',
    outcome: 'PollTimeoutError at 400 ms',
    boundMs: 1500,
    defects: [18],
    run: (server, client) => stalledPoll(server, client, 'body'),
  },
  {
    name: 'PollTimeoutError is not early: one last poll is made at the deadline',
    outcome: 'PollTimeoutError after a poll at 300 ms',
    boundMs: 1500,
    defects: [19],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') });
      const start = performance.now();
      const e = await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 200, timeoutMs: 300 }));
      expect(since(start)).toBeGreaterThanOrEqual(295);
      timedOut(e, 'in_progress', 300);
      // Measured from the wait's start (the deadline's origin), not from the first poll, which a busy machine may delay.
      const at = server.seen.map((s) => s.at + server.born - start);
      expect(at).toHaveLength(3);
      expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(190);
      expect(at[2]).toBeGreaterThanOrEqual(290);
    },
  },
  {
    name: 'a run that completes by the deadline is returned by the last poll, not timed out',
    outcome: 'completed at the last poll',
    boundMs: 1500,
    defects: [19],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') }, { body: response('in_progress') }, { body: response('completed') });
      await expect(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 200, timeoutMs: 300 })).resolves.toMatchObject({ status: 'completed' });
      expect(answers(server)).toEqual(['in_progress', 'in_progress', 'completed']);
    },
  },
  {
    name: 'a last poll that hangs at the deadline is given up after its grace, with PollTimeoutError',
    outcome: 'PollTimeoutError at 300 + 1000 ms',
    boundMs: 2000,
    defects: [18, 19],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') }, { body: response('queued') }, { stall: 'headers' });
      const start = performance.now();
      timedOut(await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 200, timeoutMs: 300 })), 'queued', 300);
      expect(since(start)).toBeGreaterThanOrEqual(300 + FINAL_REQUEST_GRACE_MS - 5);
      expect(since(start)).toBeLessThan(300 + FINAL_REQUEST_GRACE_MS + 300);
      expect(answers(server)).toEqual(['in_progress', 'queued', 'stall headers']);
    },
  },
  {
    name: 'a 429 with retry-after on the poll itself is waited out, then polling continues',
    outcome: 'completed after waiting 1 s',
    boundMs: 2500,
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') }, { status: 429, headers: { 'retry-after': '1' }, body: rateLimited }, { body: response('completed') });
      await expect(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10 })).resolves.toMatchObject({ status: 'completed' });
      expect(answers(server)).toEqual(['in_progress', '429', 'completed']);
      const [, limited, next] = server.seen;
      expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(990);
    },
  },
  {
    name: "a poll answered with another response's id is a poll fault, even when it says completed",
    outcome: 'completed (own id) after 1 fault',
    boundMs: 1000,
    defects: [21],
    async run(server, client) {
      server.script(POLL, { body: response('completed', { id: 'resp_other' }) }, { body: response('in_progress') }, { body: response('completed') });
      await expect(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10 })).resolves.toMatchObject({ id: 'resp_1', status: 'completed' });
      expect(answers(server)).toEqual(['completed', 'in_progress', 'completed']);
    },
  },
  {
    name: "polls answered only with another response's id end in PollFaultError carrying the id",
    outcome: 'PollFaultError (wrong id)',
    boundMs: 1000,
    defects: [21],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress', { id: 'resp_other' }) });
      const e = await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10, maxPollIntervalMs: 20, maxPollFaults: 2 }));
      expect(e).toBeInstanceOf(PollFaultError);
      expect(e).toMatchObject({ responseId: 'resp_1', lastStatus: undefined, faults: 3 });
      expect(String((e as PollFaultError).cause)).toContain('resp_other');
    },
  },
  {
    name: 'flapping statuses (in_progress, queued, in_progress, failed) end in the typed failure',
    outcome: 'ServerError (server_error)',
    boundMs: 1000,
    async run(server, client) {
      server.script(
        POLL,
        { body: response('in_progress') },
        { body: response('queued') },
        { body: response('in_progress') },
        { body: response('failed', { error: { code: 'server_error', message: 'The model failed.' } }) },
      );
      const statuses: (string | undefined)[] = [];
      const e = await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 10, onPoll: (s) => statuses.push(s) }));
      expect(e).toBeInstanceOf(ServerError);
      expect(e).toBeInstanceOf(sdk.APIError);
      expect(e).toMatchObject({ code: 'server_error', objectId: 'resp_1', kind: 'failed', transportStatus: 200 });
      expect(statuses).toEqual(['in_progress', 'queued', 'in_progress', 'failed']);
    },
  },
  {
    name: 'the server killed and restarted on the same port mid-poll: poll faults, then the run completes',
    outcome: 'completed after the restart',
    boundMs: 3000,
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') }, { body: response('completed') });
      let restarted: Promise<void> | undefined;
      const start = performance.now();
      const result = waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(),
        pollIntervalMs: 20,
        maxPollIntervalMs: 50,
        maxPollFaults: 100,
        onPoll: (_, polls) => {
          if (polls === 1) restarted = server.stop().then(() => delay(300)).then(() => server.start());
        },
      });
      await expect(result).resolves.toMatchObject({ status: 'completed' });
      await restarted;
      expect(since(start)).toBeGreaterThanOrEqual(300);
      expect(answers(server)).toEqual(['in_progress', 'completed']);
    },
  },
  {
    name: 'cancelOnAbandon: a wait abandoned at its deadline cancels the run',
    outcome: 'PollTimeoutError, then POST cancel',
    boundMs: 1500,
    defects: [22],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') });
      server.script(CANCEL, { body: response('cancelled') });
      const e = await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 50, timeoutMs: 200, cancelOnAbandon: true }));
      timedOut(e, 'in_progress', 200);
      expect(server.requests.at(-1)).toBe(CANCEL);
      expect(server.requests.filter((r) => r === CANCEL)).toHaveLength(1);
    },
  },
  {
    name: 'cancelOnAbandon: a wait abandoned while a poll hangs at the deadline cancels the run',
    outcome: 'PollTimeoutError at 400 ms, then POST cancel',
    boundMs: 1500,
    defects: [18, 22],
    async run(server, client) {
      server.script(CANCEL, { body: response('cancelled') });
      await stalledPoll(server, client, 'headers', { cancelOnAbandon: true });
      expect(server.requests.at(-1)).toBe(CANCEL);
    },
  },
  {
    name: "cancelOnAbandon: a wait abandoned on abort cancels the run and throws the signal's reason",
    outcome: 'abort reason, then POST cancel',
    boundMs: 1500,
    defects: [22],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') });
      server.script(CANCEL, { body: response('cancelled') });
      const controller = new AbortController();
      const reason = new Error('the user went away');
      const e = await rejection(
        waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 50, signal: controller.signal, cancelOnAbandon: true, onPoll: (_, polls) => polls === 2 && controller.abort(reason) }),
      );
      expect(e).toBe(reason);
      expect(server.requests).toEqual([POLL, POLL, CANCEL]);
    },
  },
  {
    name: 'cancelOnAbandon: a cancel that hangs delays PollTimeoutError by at most a second',
    outcome: 'PollTimeoutError by 200 + 1000 ms',
    boundMs: 2000,
    defects: [22],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') });
      server.script(CANCEL, { stall: 'headers' });
      const start = performance.now();
      timedOut(await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 50, timeoutMs: 200, cancelOnAbandon: true })), 'in_progress', 200);
      expect(since(start)).toBeLessThan(200 + FINAL_REQUEST_GRACE_MS + 300);
      expect(server.requests.at(-1)).toBe(CANCEL);
    },
  },
  {
    name: 'without cancelOnAbandon, a wait abandoned at its deadline leaves the run alone',
    outcome: 'PollTimeoutError, no cancel',
    boundMs: 1500,
    defects: [22],
    async run(server, client) {
      server.script(POLL, { body: response('in_progress') });
      server.script(CANCEL, { body: response('cancelled') });
      timedOut(await rejection(waitForResponse(client, 'resp_1', { limiterKey: isolatedLimiterKey(), pollIntervalMs: 50, timeoutMs: 200 })), 'in_progress', 200);
      expect(server.requests).not.toContain(CANCEL);
    },
  },
];

/** Timers that keep the process alive. */
export const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Whether a route polled a response (GET /responses/{id}). */
const pollOf = (s: Seen) => /^GET \/responses\/([^/]+)$/.exec(s.route)?.[1];

/**
 * The requests after a run was seen terminal that should not have been made: polls of that
 * response (its own id answered; an answer with another id is no news about it), and, after a
 * completed run, any new submission.
 */
export function requestsAfterTerminal(seen: readonly Seen[]): string[] {
  const over = new Set<string>();
  let completed = false;
  const extra: string[] = [];
  for (const s of seen) {
    const id = pollOf(s);
    if ((id !== undefined && over.has(id)) || (completed && s.route === 'POST /responses')) extra.push(s.route);
    if (id !== undefined && (s.answeredId ?? id) === id && TERMINAL.has(s.answered)) {
      over.add(id);
      if (s.answered === 'completed') completed = true;
    }
  }
  return extra;
}

/** Runs one scenario on a fresh script and client; checks its bound, the requests after a terminal answer, and the timers left. */
export async function runFaultScenario(server: PlayServer, scenario: FaultScenario): Promise<{ tookMs: number }> {
  server.reset();
  const timers = liveTimers();
  const start = performance.now();
  await scenario.run(server, clientFor(server));
  const tookMs = since(start);
  expect(tookMs, `${scenario.name}: took ${Math.round(tookMs)} ms`).toBeLessThan(scenario.boundMs);
  expect(requestsAfterTerminal(server.seen)).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(liveTimers(), 'timers left behind').toBeLessThanOrEqual(timers);
  return { tookMs };
}
