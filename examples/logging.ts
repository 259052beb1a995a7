/**
 * Logging a failure safely: toJSON() (and console.log, util.inspect) give the registry's record
 * with secrets the API echoed redacted, and never the headers or the raw failed object.
 *
 *   npm run example -- logging
 */
import OpenAI from 'openai';
import { isOpenAIFailure, raiseForFailedResponse } from 'openai-error-registry';

const client = new OpenAI({ maxRetries: 0 });
const responseId = process.env['RESPONSE_ID'] ?? 'resp_1';

try {
  raiseForFailedResponse(await client.responses.retrieve(responseId));
} catch (e) {
  if (!isOpenAIFailure(e)) throw e;
  // One JSON line for a log pipeline: code, class, category, retryable, backoff, ids, replay facts.
  console.log(JSON.stringify({ level: 'error', msg: 'background response failed', failure: e.toJSON() }));
  process.exitCode = 1;
}
