// Smoke test of the packed tarball from a plain ES module: a real openai client polls a local
// server whose background run fails; the error must be the registry's class and openai's.
import { createServer } from 'node:http';
import assert from 'node:assert/strict';
import OpenAI, { RateLimitError, APIError, AuthenticationError } from 'openai';
import * as openaiErrors from 'openai/core/error';
import { waitForResponse, isRetryable, RateLimitExceededError, isOpenAIFailure, isRateLimitFailure, OAuthInvalidGrantError, raiseForFailedResponse, ServerError, REGISTRY_VERSION, TABLES, CLASSES } from 'openai-error-registry';
import { createRuntime, failureClass } from 'openai-error-registry/runtime';

const failed = { id: 'resp_1', object: 'response', status: 'failed', output: [], error: { code: 'rate_limit_exceeded', message: 'Please try again in 2s.' } };
const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(failed)));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const client = new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${server.address().port}/v1`, maxRetries: 0 });
try {
  await waitForResponse(client, 'resp_1');
  assert.fail('expected a throw');
} catch (e) {
  assert.ok(e instanceof RateLimitExceededError, 'RateLimitExceededError');
  assert.ok(e instanceof RateLimitError, 'instanceof openai RateLimitError (ESM copy)');
  assert.ok(e instanceof APIError, 'instanceof openai APIError');
  assert.equal(e.status, 429);
  assert.equal(e.transportStatus, 200);
  assert.equal(isRetryable(e), true);
  assert.equal(isOpenAIFailure(e), true);
  assert.equal(isRateLimitFailure(e), true);
  assert.equal(e.toJSON().class, 'RateLimitExceededError');
} finally {
  server.close();
}
// The runtime subpath that generated code imports: a runtime over the package's own tables.
assert.equal(typeof failureClass, 'function');
const runtime = createRuntime({ tables: TABLES, classes: CLASSES });
assert.throws(() => runtime.raiseForFailedResponse(failed), (e) => e instanceof RateLimitExceededError && e instanceof RateLimitError);
// OAuth classes extend this openai's OAuthError (6.34 and later), else AuthenticationError.
assert.ok(OAuthInvalidGrantError.prototype instanceof (openaiErrors.OAuthError ?? AuthenticationError), 'OAuth base');
assert.equal(OAuthInvalidGrantError.prototype instanceof AuthenticationError, openaiErrors.OAuthError === undefined);
// A Realtime response.done whose response failed (status_details.error, code null, read by its type).
const realtime = { type: 'response.done', event_id: 'event_1', response: { object: 'realtime.response', id: 'resp_rt', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code: null } } } };
assert.throws(() => raiseForFailedResponse(realtime), (e) => e instanceof ServerError && e.surface === 'realtime.response.done');
console.log(`esm ok (registry ${REGISTRY_VERSION}, openai ${(await import('openai/version')).VERSION})`);
