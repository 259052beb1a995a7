/**
 * onRealtimeFailure on a real openai Realtime client (OpenAIRealtimeWS over `ws`) against a local
 * Realtime server on 127.0.0.1. openai connects with wss: only, so the server speaks TLS with the
 * test certificate in test/fixtures/tls, which the client trusts by `ca`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onRealtimeFailure, SessionExpiredError, ServerError, ConversationAlreadyHasActiveResponseError } from '../src/index.ts';

const tls = join(import.meta.dirname, 'fixtures/tls');
const cert = readFileSync(join(tls, 'localhost-cert.pem'));
const key = readFileSync(join(tls, 'localhost-key.pem'));

/** The server events the local Realtime server sends after session.created, then whether it closes. */
let script: { events: object[]; close: boolean } = { events: [], close: false };
let server: Server;
let wss: WebSocketServer;
let port: number;

beforeAll(async () => {
  server = createServer({ cert, key });
  wss = new WebSocketServer({ server });
  wss.on('connection', (socket: WebSocket) => {
    socket.send(JSON.stringify({ type: 'session.created', event_id: 'event_0', session: { id: 'sess_1', object: 'realtime.session' } }));
    socket.on('message', () => {
      // the client's first event starts the script
      for (const e of script.events) socket.send(JSON.stringify(e));
      if (script.close) socket.close(1001, 'going away');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Connects, sends one client event, and collects what onRealtimeFailure reports until `count` arrive. */
async function session(count: number): Promise<{ seen: Error[]; closed: boolean }> {
  const client = new OpenAI({ apiKey: 'test-key', baseURL: `https://127.0.0.1:${port}/v1` });
  const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca: cert } }, client);
  const seen: Error[] = [];
  let closed = false;
  rt.socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${seen.length} of ${count} failures`)), 5_000);
    onRealtimeFailure(rt, (e) => {
      seen.push(e);
      if (seen.length === count) {
        clearTimeout(timer);
        resolve();
      }
    });
    rt.socket.on('open', () => rt.send({ type: 'response.create' }));
  });
  // Give a close the server sent time to arrive (locally, well under this).
  await new Promise((r) => setTimeout(r, 200));
  const result = { seen, closed };
  rt.close();
  return result;
}

describe('onRealtimeFailure on openai\'s OpenAIRealtimeWS', () => {
  it('reports a harmless conflict and a failed response as typed errors while the session stays open', async () => {
    script = {
      close: false,
      events: [
        { type: 'error', event_id: 'event_1', error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'Conversation already has an active response in progress: resp_1. Wait until the response is finished before creating a new one.', param: null, event_id: null } },
        { type: 'response.done', event_id: 'event_2', response: { object: 'realtime.response', id: 'resp_1', status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' }, output: [] } },
        { type: 'response.done', event_id: 'event_3', response: { object: 'realtime.response', id: 'resp_2', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: null, message: 'The server had an error while processing your request. You can retry your request.' } }, output: [] } },
      ],
    };
    const { seen, closed } = await session(2);
    expect(seen[0]).toBeInstanceOf(ConversationAlreadyHasActiveResponseError);
    expect(seen[0]).toMatchObject({ surface: 'realtime.error', retryable: false });
    expect(seen[1]).toBeInstanceOf(ServerError);
    expect(seen[1]).toMatchObject({ surface: 'realtime.response.done', objectId: 'resp_2', retryable: true });
    expect(closed).toBe(false);
  });

  it('reports session_expired, the error after which the server closes the session', async () => {
    script = { close: true, events: [{ type: 'error', event_id: 'event_9', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 30 minutes.', param: null, event_id: null } }] };
    const { seen, closed } = await session(1);
    expect(closed).toBe(true);
    expect(seen[0]).toBeInstanceOf(SessionExpiredError);
    expect(seen[0]).toMatchObject({ category: 'expired', retryable: false });
  });
});
