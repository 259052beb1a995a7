// streamBackgroundResponse with a real openai client (5, 6 and 7: this file runs once per major)
// against a local SSE server on 127.0.0.1 that drops the connection mid-stream, stalls, resends
// an event already delivered, and then fails the response. What is checked: the exact events
// delivered, the one POST, the starting_after of each resume, and the typed error at the end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { AdaptiveLimiter, isOpenAIFailure, RetryBudget, streamBackgroundResponse, StreamDropError, type Limiter, type ReconnectEvent } from '../../src/index.js';

type Step = (req: IncomingMessage, res: ServerResponse) => void;

interface Sse {
  readonly server: Server;
  readonly requests: string[];
  readonly client: OpenAI;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.closeAllConnections(), s.close(r)))));
});

/** A server that answers its n-th request with steps[n]. */
async function sse(steps: readonly Step[]): Promise<Sse> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const step = steps[requests.length - 1];
      if (step === undefined) {
        res.writeHead(500).end('{"error":{"message":"unexpected","type":"server_error","code":"server_error"}}');
        return;
      }
      step(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
  return { server, requests, client };
}

const response = (status: string, extra: object = {}) => ({ id: 'resp_1', object: 'response', status, background: true, output: [], ...extra });
const EVENTS: Record<number, object> = {
  0: { type: 'response.created', response: response('queued') },
  1: { type: 'response.in_progress', response: response('in_progress') },
  2: { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' },
  3: { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'lo' },
  4: { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: ', wor' },
  5: { type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'ld' },
  6: { type: 'response.failed', response: response('failed', { error: { code: 'server_error', message: 'The server had an error while processing your request.' } }) },
  7: { type: 'response.completed', response: response('completed') },
};

function write(res: ServerResponse, seqs: readonly number[]): void {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const n of seqs) {
    const event = { ...(EVENTS[n] as { type: string }), sequence_number: n };
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }
}

/** Sends `seqs`, then cuts the connection. */
const dropAfter =
  (seqs: readonly number[]): Step =>
  (_req, res) => {
    write(res, seqs);
    setTimeout(() => res.socket?.destroy(), 20);
  };
/** Sends `seqs`, then goes quiet with the connection open. */
const stallAfter =
  (seqs: readonly number[]): Step =>
  (_req, res) =>
    write(res, seqs);
/** Sends `seqs` and ends the stream properly. */
const endAfter =
  (seqs: readonly number[]): Step =>
  (_req, res) => {
    write(res, seqs);
    res.end();
  };

const seqOf = (e: unknown) => (e as { sequence_number: number }).sequence_number;
const noWait = async () => undefined;

describe('streamBackgroundResponse', () => {
  it('resumes after a drop and a stall from the last sequence_number, yields each event once in order, and ends in the typed error', async () => {
    const { client, requests } = await sse([dropAfter([0, 1, 2, 3]), stallAfter([4]), endAfter([4, 5, 6])]);
    const seen: number[] = [];
    const reconnects: ReconnectEvent[] = [];
    let thrown: unknown;
    try {
      for await (const event of streamBackgroundResponse(client, { create: { model: 'gpt-test', input: 'hi' } }, { stallMs: 300, sleep: noWait, limiter: false, budget: false, onReconnect: (e) => reconnects.push(e) })) {
        seen.push(seqOf(event));
      }
    } catch (e) {
      thrown = e;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(requests).toEqual(['POST /v1/responses', 'GET /v1/responses/resp_1?stream=true&starting_after=3', 'GET /v1/responses/resp_1?stream=true&starting_after=4']);
    expect(isOpenAIFailure(thrown)).toBe(true);
    expect((thrown as { code?: unknown }).code).toBe('server_error');
    // Output was streamed before the failure: a resubmission would repeat it.
    expect((thrown as { facts?: { replay?: { outputDelivered?: boolean } } }).facts?.replay?.outputDelivered).toBe(true);
    expect(reconnects.map((r) => [r.attempt, r.responseId, r.after])).toEqual([
      [1, 'resp_1', 3],
      [1, 'resp_1', 4],
    ]);
    expect((reconnects[1]?.error as Error).name).toBe('StreamStallError');
    // The registry's poll-fault profile: the first reconnect waits 0.5 to 1 s (equal jitter of 1 s).
    for (const r of reconnects) expect(r.delayMs).toBeGreaterThanOrEqual(500);
    for (const r of reconnects) expect(r.delayMs).toBeLessThanOrEqual(1000);
  });

  it('ends at response.completed, and resumes an existing response from startingAfter', async () => {
    const { client, requests } = await sse([endAfter([3, 4]), endAfter([5, 7])]);
    const seen: number[] = [];
    for await (const event of streamBackgroundResponse(client, { responseId: 'resp_1', startingAfter: 2 }, { sleep: noWait, limiter: false })) seen.push(seqOf(event));
    expect(seen).toEqual([3, 4, 5, 7]);
    expect(requests).toEqual(['GET /v1/responses/resp_1?stream=true&starting_after=2', 'GET /v1/responses/resp_1?stream=true&starting_after=4']);
  });

  it('does not resubmit a drop before response.created unless asked, and says what a resubmission would repeat', async () => {
    const cut: Step = (_req, res) => res.socket?.destroy();
    const first = await sse([cut]);
    const run = async () => {
      for await (const _ of streamBackgroundResponse(first.client, { create: { model: 'gpt-test', input: 'hi', previous_response_id: 'resp_0' } }, { sleep: noWait, limiter: false })) void _;
    };
    const error = await run().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StreamDropError);
    expect((error as StreamDropError).replay).toEqual({ mayHaveBilled: true, outputDelivered: false, continuesConversation: true });
    expect(first.requests).toEqual(['POST /v1/responses']);

    const second = await sse([cut, endAfter([0, 7])]);
    const seen: number[] = [];
    for await (const event of streamBackgroundResponse(second.client, { create: { model: 'gpt-test', input: 'hi' } }, { resubmit: true, sleep: noWait, limiter: false })) seen.push(seqOf(event));
    expect(seen).toEqual([0, 7]);
    expect(second.requests).toEqual(['POST /v1/responses', 'POST /v1/responses']);
  });

  it('stops on abort and, with cancelOnAbort, cancels the background response', async () => {
    const { client, requests } = await sse([stallAfter([0, 1]), (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response('cancelled')))]);
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await (async () => {
      for await (const event of streamBackgroundResponse(client, { create: { model: 'gpt-test', input: 'hi' } }, { signal: controller.signal, cancelOnAbort: true, limiter: false })) {
        seen.push(seqOf(event));
        if (seen.length === 2) setTimeout(() => controller.abort(new Error('user left')), 10);
      }
    })().then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toBe('user left');
    expect(seen).toEqual([0, 1]);
    expect(requests).toEqual(['POST /v1/responses', 'POST /v1/responses/resp_1/cancel']);
  });

  it('takes a slot from the limiter for every connection and pays each reconnect from the retry budget', async () => {
    const { client, requests } = await sse([dropAfter([0, 1]), dropAfter([2]), endAfter([3, 7])]);
    const limiter = new AdaptiveLimiter();
    let slots = 0;
    const counting: Limiter = {
      maxPauseMs: limiter.maxPauseMs,
      acquire: (signal) => (slots++, limiter.acquire(signal)),
      recordSuccess: (sentAt) => limiter.recordSuccess(sentAt),
      recordThrottle: (hint, sentAt) => limiter.recordThrottle(hint, sentAt),
      learnFromHeaders: (headers, sources) => limiter.learnFromHeaders(headers, sources),
    };
    // A connection error costs 14 tokens: 20 pay for one reconnect, not two.
    const budget = new RetryBudget({ capacity: 20 });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const event of streamBackgroundResponse(client, { create: { model: 'gpt-test', input: 'hi' } }, { sleep: noWait, limiter: counting, budget })) seen.push(seqOf(event));
    })().then(() => undefined, (e: unknown) => e);
    expect(seen).toEqual([0, 1, 2]);
    expect(slots).toBe(2);
    expect(requests).toHaveLength(2);
    expect(error).toBeInstanceOf(StreamDropError);
    expect((error as Error).message).toMatch(/retry budget/);
    expect(budget.tokens).toBe(6);
  });

  it('gives up after maxReconnects failed reconnects in a row, with the id and the last sequence_number', async () => {
    const refuse: Step = (_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded","type":"server_error","code":"server_error"}}');
    const { client, requests } = await sse([dropAfter([0, 1]), refuse, refuse]);
    const error = await (async () => {
      for await (const _ of streamBackgroundResponse(client, { create: { model: 'gpt-test', input: 'hi' } }, { maxReconnects: 2, sleep: noWait, limiter: false, budget: false })) void _;
    })().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StreamDropError);
    expect(error).toMatchObject({ responseId: 'resp_1', after: 1 });
    expect(requests).toHaveLength(3);
  });
});
