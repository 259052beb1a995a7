/**
 * Registry 2.2's new surfaces and codes, each read from a payload as the API sends it: the shapes
 * come from openai's types (the version named beside each) or from the public thread cited.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import OpenAI5 from 'openai-v5';
import OpenAI6 from 'openai-v6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drain } from './helpers.ts';
import { BadRequestError, OAuthError } from 'openai/core/error';
import { OAuthError as OAuthError6 } from 'openai-v6/core/error';
import { BillingNotActiveError, classifyError, classifyFailure, ContentFilterError, isRetryable, MaxOutputTokensError, OAuthInvalidGrantError, onRealtimeFailure, SessionExpiredError, ServerError, ServiceUnavailableError, FinishReasonLengthError, InvalidTrainingFileError, raiseForFailedResponse, raiseForStreamEvents } from '../src/index.ts';

async function* events(...list: unknown[]) {
  for (const e of list) yield e;
}

describe('legacy completions (client.completions.create): finish_reason, opt-in like chat completions', () => {
  // openai 7.57 resources/completions.ts: Completion { id, object: 'text_completion', choices: CompletionChoice[] },
  // CompletionChoice.finish_reason: 'stop' | 'length' | 'content_filter'.
  const completion = (finish_reason: string, text = 'Once upon a') => ({
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1_700_000_000,
    model: 'gpt-3.5-turbo-instruct',
    choices: [{ index: 0, text, logprobs: null, finish_reason }],
    usage: { prompt_tokens: 5, completion_tokens: 16, total_tokens: 21 },
  });

  it('length and content_filter are incomplete outcomes: returned as they are unless the caller opts in', () => {
    for (const reason of ['length', 'content_filter']) {
      const c = completion(reason);
      expect(raiseForFailedResponse(c)).toBe(c);
    }
    expect(() => raiseForFailedResponse(completion('length'), { raiseOnIncomplete: true })).toThrow(FinishReasonLengthError);
    expect(() => raiseForFailedResponse(completion('content_filter', ''), { raiseOnIncomplete: true })).toThrow(ContentFilterError);
  });

  it('classifies them on the completion surface, not retryable; an incomplete object is in the caller\'s hands, so its output counts as delivered', () => {
    expect(classifyFailure(completion('length'))).toMatchObject({ surface: 'completion', kind: 'incomplete', class: 'FinishReasonLengthError', code: 'length', retryable: false, objectId: 'cmpl-1', replay: { outputDelivered: true } });
    expect(classifyFailure(completion('content_filter', ''))).toMatchObject({ surface: 'completion', class: 'ContentFilterError', category: 'content_policy', retryable: false, replay: { outputDelivered: true } });
  });

  it('stop is done, and an unknown finish reason is no failure', () => {
    for (const reason of ['stop', 'never_seen']) {
      expect(classifyFailure(completion(reason))).toBeUndefined();
      expect(() => raiseForFailedResponse(completion(reason), { raiseOnIncomplete: true })).not.toThrow();
    }
  });

  it('a streamed completion (chunks are text_completion objects too) ends with the typed error only when asked', async () => {
    const chunk = (text: string, finish_reason: string | null) => ({ ...completion('stop', text), choices: [{ index: 0, text, logprobs: null, finish_reason }] });
    const stream = [chunk('Once', null), chunk(' upon', null), chunk(' a', 'length')];
    expect(await drain(raiseForStreamEvents(events(...stream)))).toEqual({ seen: stream, error: undefined });
    const asked = await drain(raiseForStreamEvents(events(...stream), { raiseOnIncomplete: true }));
    expect(asked.seen).toEqual(stream.slice(0, 2));
    expect(asked.error).toBeInstanceOf(FinishReasonLengthError);
  });
});

describe('fine-tuning: invalid_training_file', () => {
  // inaimathi/langnostic resources/posts/ai-alignment-and-tts-presentation.md L264 (commit 6915fbf):
  // client.fine_tuning.jobs.list() printed this job, as openai-python's repr; here as the API's JSON.
  const job = {
    object: 'fine_tuning.job',
    id: 'ftjob-vUuO16vYRj9OQY5eYwgsHRTL',
    created_at: 1708906004,
    error: { code: 'invalid_training_file', message: "The job failed due to an invalid training file. Invalid file format. Example 100, message 2 Discriminator 'role' is missing in value", param: 'training_file' },
    fine_tuned_model: null,
    finished_at: null,
    status: 'failed',
  };

  it('is its own class, an invalid request, not retried: the same file fails the same way', () => {
    expect(() => raiseForFailedResponse(job)).toThrow(InvalidTrainingFileError);
    expect(classifyFailure(job)).toMatchObject({ surface: 'fine_tuning.job', class: 'InvalidTrainingFileError', category: 'invalid_request', retryable: false, objectId: 'ftjob-vUuO16vYRj9OQY5eYwgsHRTL' });
    // openai's BadRequestError is the base, as for a 400 on the request's own input
    expect(() => raiseForFailedResponse(job)).toThrow(BadRequestError);
  });
});

describe('no code: the type names the failure, and flattened bodies', () => {
  it("an error with code null is read by its type: billing_not_active (litellm #2743's body, its code nulled) is the billing failure, not retried", () => {
    // BerriAI/litellm#2743: 429 {'error': {'message': 'Your account is not active, ...', 'type': 'billing_not_active', 'param': None, 'code': 'billing_not_active'}}
    const error = { message: 'Your account is not active, please check your billing details on our website.', type: 'billing_not_active', param: null, code: null };
    const e = new OpenAI.RateLimitError(429, error, undefined, new Headers());
    expect(classifyError(e)).toMatchObject({ class: 'BillingNotActiveError', code: 'billing_not_active', retryable: false });
    expect(isRetryable(e)).toBe(false);
    expect(() => raiseForFailedResponse({ object: 'response', id: 'resp_b', status: 'failed', error })).toThrow(BillingNotActiveError);
  });

  it('a stream error event of type service_unavailable_error with no code (or an unknown one) is the transient overload, retried; a known code decides first', async () => {
    // EverMind-AI/Raven#234: {"type": "service_unavailable_error", "code": "server_is_overloaded", "message": "Our servers are currently overloaded. ..."}
    const event = (code: string | null) => ({ type: 'error', sequence_number: 2, error: { type: 'service_unavailable_error', code, message: 'Unable to verify model access right now. Please retry.', param: null } });
    for (const code of [null, 'never_seen']) {
      const { error } = await drain(raiseForStreamEvents(events({ type: 'response.created', sequence_number: 1 }, event(code))));
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error).toMatchObject({ surface: 'response.stream.error', category: 'overloaded', retryable: true });
    }
    expect(classifyFailure(event('server_is_overloaded'))).toMatchObject({ class: 'ServerIsOverloadedError' });
  });

  describe('an HTTP error body with no error wrapper ({ code, message } at the top, as relays send it)', () => {
    let server: Server;
    let baseURL: string;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'insufficient_quota', message: 'You exceeded your current quota, please check your plan and billing details.' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const thrown = async (client: { responses: { retrieve(id: string): PromiseLike<unknown> } }) => {
      try {
        await client.responses.retrieve('resp_1');
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    };

    it("openai 7 keeps a flat body as the error, so its code decides: the 429 insufficient_quota is not retried", async () => {
      const e = await thrown(new OpenAI({ apiKey: 'k', baseURL, maxRetries: 0 }));
      expect(classifyError(e)).toMatchObject({ class: 'InsufficientQuotaError', retryable: false });
      expect(isRetryable(e)).toBe(false);
    });

    it('openai 5 and 6 drop a flat body (the error keeps only a nested error): the status is all there is to read, so the 429 is retried by status', async () => {
      for (const Client of [OpenAI5, OpenAI6]) {
        const e = await thrown(new Client({ apiKey: 'k', baseURL, maxRetries: 0 }));
        expect((e as { code?: unknown }).code).toBeUndefined();
        expect(classifyError(e)).toMatchObject({ class: 'UnknownFailureError', known: false, code: null, status: 429, retryable: true, backoff: { name: 'rate_limit' } });
      }
    });
  });
});

describe('the Realtime API: response.done and error server events', () => {
  // Shapes: openai 7.57 resources/realtime/realtime.ts (ResponseDoneEvent, RealtimeResponse, RealtimeResponseStatus, RealtimeErrorEvent).
  const response = (status: string, status_details: object | null, output: unknown[] = []) => ({ object: 'realtime.response', id: 'resp_rt1', status, status_details, output, conversation_id: 'conv_1' });
  const done = (r: object) => ({ type: 'response.done', event_id: 'event_9', response: r });

  it('a completed response, and a cancelled one (barge-in or the client\'s own cancel), are returned: never failures', () => {
    for (const r of [response('completed', null), response('cancelled', { type: 'cancelled', reason: 'turn_detected' }), response('cancelled', { type: 'cancelled', reason: 'client_cancelled' })]) {
      for (const obj of [r, done(r)]) {
        expect(raiseForFailedResponse(obj, { raiseOnIncomplete: true })).toBe(obj);
        expect(classifyFailure(obj)).toBeUndefined();
      }
    }
  });

  it('an incomplete response is an outcome to report, raised only on opt-in, by its reason', () => {
    const cut = done(response('incomplete', { type: 'incomplete', reason: 'max_output_tokens' }, [{ type: 'message', content: [{ type: 'output_text', text: 'Once' }] }]));
    expect(raiseForFailedResponse(cut)).toBe(cut);
    expect(() => raiseForFailedResponse(cut, { raiseOnIncomplete: true })).toThrow(MaxOutputTokensError);
    expect(classifyFailure(done(response('incomplete', { type: 'incomplete', reason: 'content_filter' })))).toMatchObject({ surface: 'realtime.response.done', kind: 'incomplete', class: 'ContentFilterError', retryable: false });
  });

  it('a failed response throws its typed error, read from status_details.error (by its type when the code is null), on the event and on the response alone', () => {
    const failed = response('failed', { type: 'failed', error: { type: 'server_error', code: null, message: 'The server had an error while processing your request. You can retry your request.' } });
    expect(() => raiseForFailedResponse(done(failed))).toThrow(ServerError);
    expect(classifyFailure(done(failed))).toMatchObject({ surface: 'realtime.response.done', kind: 'failed', class: 'ServerError', retryable: true, objectId: 'resp_rt1' });
    expect(classifyFailure(failed)).toMatchObject({ surface: 'realtime.response', class: 'ServerError' });
    const unknown = response('failed', { type: 'failed', error: { type: 'never_seen_type', code: 'never_seen' } });
    expect(classifyFailure(unknown)).toMatchObject({ class: 'UnknownRealtimeFailureError', known: false, code: 'never_seen', retryable: false });
  });

  it("an error event is told from a Responses stream's error event by its event_id", () => {
    const realtime = { type: 'error', event_id: 'event_1', error: { type: 'server_error', code: null, message: 'The server had an error.', param: null, event_id: null } };
    expect(classifyFailure(realtime)).toMatchObject({ surface: 'realtime.error', class: 'ServerError', retryable: true, replay: { mayHaveBilled: false } });
    const responses = { type: 'error', sequence_number: 3, code: 'server_error', message: 'The server had an error.', param: null };
    expect(classifyFailure(responses)).toMatchObject({ surface: 'response.stream.error', class: 'ServerError' });
    expect(classifyFailure({ ...realtime, error: { ...realtime.error, type: 'invalid_request_error', code: 'never_seen' } })).toMatchObject({ surface: 'realtime.error', class: 'UnknownRealtimeFailureError', retryable: false });
  });
});

describe('codes of other surfaces on a failed Response', () => {
  it('internal_error and server_overloaded (agents codes, not listed on the response surfaces) still decide on a failed Response: transient, retried', () => {
    for (const [code, cls] of [['internal_error', 'InternalError'], ['server_overloaded', 'ServerOverloadedError']] as const) {
      const failed = { object: 'response', id: 'resp_x', status: 'failed', error: { code, message: 'x' } };
      expect(classifyFailure(failed)).toMatchObject({ surface: 'response', class: cls, known: true, retryable: true });
    }
  });

  it('an unknown code on a failed Response is not retried (the registry says why in its response fallback)', () => {
    expect(classifyFailure({ object: 'response', id: 'resp_y', status: 'failed', error: { code: 'never_seen', message: 'x' } })).toMatchObject({ class: 'UnknownResponseFailureError', known: false, retryable: false });
  });
});

describe("OAuth token exchange errors follow the installed openai's OAuthError", () => {
  // openai 6.34+ core/error.ts: class OAuthError extends APIError, constructor(status, error, headers);
  // error_code is the exchange's `error` (OAuthErrorCode: 'invalid_grant' | 'invalid_subject_token' | string).
  const exchange = (code: string, description: string) => ({ error: code, error_description: description });

  it.each([
    ['openai 7', OAuthError],
    ['openai 6', OAuthError6],
  ])("%s: a thrown OAuthError is read by its error_code, not retried", (_sdk, OAuthErrorClass) => {
    const grant = new OAuthErrorClass(400, exchange('invalid_grant', 'The identity token has expired.'), new Headers({ 'x-request-id': 'req_o1' }));
    expect(classifyError(grant)).toMatchObject({ class: 'OAuthInvalidGrantError', code: 'invalid_grant', category: 'authentication', retryable: false, status: 400, requestID: 'req_o1' });
    expect(isRetryable(grant)).toBe(false);
    const subject = new OAuthErrorClass(401, exchange('invalid_subject_token', 'The subject token is invalid.'), new Headers());
    expect(classifyError(subject)).toMatchObject({ class: 'OAuthInvalidSubjectTokenError', retryable: false, status: 401 });
  });

  it("the registry's classes extend openai's OAuthError where it exists (AuthenticationError with openai 5: the pack smoke test), and build with real headers", () => {
    expect(OAuthInvalidGrantError.prototype).toBeInstanceOf(OAuthError);
    expect(OAuthInvalidGrantError.prototype).not.toBeInstanceOf(OpenAI.AuthenticationError);
    const facts = classifyError(new OAuthError(403, exchange('invalid_grant', 'denied'), new Headers({ 'x-request-id': 'req_o2' })));
    if (facts === undefined) throw new Error('expected facts');
    const e = new OAuthInvalidGrantError({ facts, failedObject: undefined, headers: new Headers({ 'x-request-id': 'req_o2' }) });
    expect(e).toBeInstanceOf(OAuthError);
    expect(e).toMatchObject({ status: 403, code: 'invalid_grant', requestID: 'req_o2', retryable: false });
    expect(e.headers?.get('x-request-id')).toBe('req_o2');
  });
});

describe('onRealtimeFailure: a Realtime session reports failures and stays open', () => {
  // openai's Realtime clients emit 'error' with an OpenAIRealtimeError holding the server event's error and event_id.
  const { OpenAIRealtimeError } = createRequire(import.meta.url)('openai/realtime/internal-base') as { OpenAIRealtimeError: new (message: string, event: unknown) => Error };

  it('turns server error events and failed responses into typed errors, passes the connection\'s own trouble as it is, and stops on request', () => {
    const rt = new EventEmitter();
    const seen: Error[] = [];
    const stop = onRealtimeFailure(rt, (e) => seen.push(e));
    rt.emit('error', new OpenAIRealtimeError('boom', { type: 'error', event_id: 'event_1', error: { type: 'server_error', code: null, message: 'The server had an error while processing your request.', param: null, event_id: null } }));
    rt.emit('response.done', { type: 'response.done', event_id: 'event_2', response: { object: 'realtime.response', id: 'resp_1', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: 'server_error' } } } });
    rt.emit('response.done', { type: 'response.done', event_id: 'event_3', response: { object: 'realtime.response', id: 'resp_2', status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } } });
    const socket = new OpenAIRealtimeError('could not send data', null);
    rt.emit('error', socket);
    expect(seen.map((e) => e.name)).toEqual(['ServerError', 'ServerError', socket.name]);
    expect(seen[0]).toMatchObject({ surface: 'realtime.error', retryable: true });
    expect(seen[1]).toMatchObject({ surface: 'realtime.response.done', objectId: 'resp_1' });
    expect(seen[2]).toBe(socket);
    stop();
    expect(rt.listenerCount('error') + rt.listenerCount('response.done')).toBe(0);
  });

  it('refuses a connection without on() and a listener that is not a function', () => {
    expect(() => onRealtimeFailure({} as never, () => {})).toThrow(TypeError);
    expect(() => onRealtimeFailure(new EventEmitter(), 'x' as never)).toThrow(/listener must be a function/);
  });
});

// Compile-time: openai's Realtime clients are connections onRealtimeFailure takes (never run).
export function typesOnly(ws: import('openai/realtime/websocket').OpenAIRealtimeWebSocket, node: import('openai/realtime/ws').OpenAIRealtimeWS): void {
  onRealtimeFailure(ws, () => {});
  onRealtimeFailure(node, () => {});
}

describe('Realtime error codes, from the public threads', () => {
  const event = (code: string | null, message: string, event_id = 'event_ASrZ7rjANnmB9VU5pR7YR') => ({ type: 'error', event_id, error: { type: 'invalid_request_error', code, message, param: null, event_id: null } });

  it('session_expired (livekit/agents#1073) ends the session: its own class, an expired failure, not retried on it', () => {
    const e = event('session_expired', 'Your session hit the maximum duration of 15 minutes.');
    expect(() => raiseForFailedResponse(e)).toThrow(SessionExpiredError);
    expect(classifyFailure(e)).toMatchObject({ surface: 'realtime.error', class: 'SessionExpiredError', category: 'expired', retryable: false, known: true });
  });

  it('conversation_already_has_active_response (openai-agents-python#1466) and response_cancel_not_active (openai-agents-js#189) are harmless conflicts, not retried', () => {
    const active = event('conversation_already_has_active_response', 'Conversation already has an active response in progress: resp_C4IHTez0STfDDIteKgMyW. Wait until the response is finished before creating a new one.');
    expect(classifyFailure(active)).toMatchObject({ class: 'ConversationAlreadyHasActiveResponseError', category: 'conflict', retryable: false });
    expect(classifyFailure(event('response_cancel_not_active', 'Cancellation failed: no active response found'))).toMatchObject({ class: 'ResponseCancelNotActiveError', category: 'conflict', retryable: false });
  });

  it("a failed response with code null and Azure's \"You can retry your request\" (livekit/agents#2341) is the server error by its type, retried", () => {
    const failed = { type: 'response.done', event_id: 'event_2', response: { object: 'realtime.response', id: 'resp_1', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at aoai-realtimeapi-dri@microsoft.com if the error persists.' } } } };
    expect(classifyFailure(failed)).toMatchObject({ class: 'ServerError', code: 'server_error', retryable: true });
  });

  it('onRealtimeFailure hands a listener the class it can tell apart: a new session for SessionExpiredError, carry on for the rest', () => {
    const rt = new EventEmitter();
    const seen: Error[] = [];
    onRealtimeFailure(rt, (e) => seen.push(e));
    rt.emit('error', { type: 'error', event_id: 'event_x', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 30 minutes.', param: null, event_id: null } });
    expect(seen[0]).toBeInstanceOf(SessionExpiredError);
  });
});
