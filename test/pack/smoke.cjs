// Smoke test of the packed tarball from a plain CommonJS file: the CommonJS build must extend
// openai's CommonJS classes, so instanceof holds against require('openai').
const { createServer } = require('node:http');
const assert = require('node:assert/strict');
const { default: OpenAI, RateLimitError, APIError, AuthenticationError } = require('openai');
const openaiErrors = require('openai/core/error');
const { waitForResponse, isRetryable, isQuotaFailure, InsufficientQuotaError, raiseForFailedResponse, OAuthInvalidGrantError, ServerError, TABLES, CLASSES } = require('openai-error-registry');
const { createRuntime } = require('openai-error-registry/runtime');

async function main() {
  const failed = { id: 'resp_1', object: 'response', status: 'failed', output: [], error: { code: 'insufficient_quota', message: 'You exceeded your current quota' } };
  const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(failed)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${server.address().port}/v1`, maxRetries: 0 });
  try {
    await waitForResponse(client, 'resp_1');
    assert.fail('expected a throw');
  } catch (e) {
    assert.ok(e instanceof InsufficientQuotaError, 'InsufficientQuotaError');
    assert.ok(e instanceof RateLimitError, 'instanceof openai RateLimitError (CommonJS copy)');
    assert.ok(e instanceof APIError, 'instanceof openai APIError');
    assert.equal(isRetryable(e), false);
    assert.equal(isQuotaFailure(e), true);
  } finally {
    server.close();
  }
  const completed = { object: 'response', status: 'completed' };
  assert.equal(raiseForFailedResponse(completed), completed);
  // The runtime subpath that generated code imports, from CommonJS.
  const runtime = createRuntime({ tables: TABLES, classes: CLASSES });
  assert.throws(() => runtime.raiseForFailedResponse(failed), (e) => e instanceof InsufficientQuotaError && e instanceof RateLimitError);
  // OAuth classes extend this openai's OAuthError (6.34 and later), else AuthenticationError.
  assert.ok(OAuthInvalidGrantError.prototype instanceof (openaiErrors.OAuthError ?? AuthenticationError), 'OAuth base');
  assert.equal(OAuthInvalidGrantError.prototype instanceof AuthenticationError, openaiErrors.OAuthError === undefined);
  // A Realtime error event, told from a Responses one by its event_id.
  const realtime = { type: 'error', event_id: 'event_2', error: { type: 'server_error', code: null, message: 'The server had an error.', param: null, event_id: null } };
  assert.throws(() => raiseForFailedResponse(realtime), (e) => e instanceof ServerError && e.surface === 'realtime.error');
  console.log(`cjs ok (openai ${require('openai/version').VERSION})`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
