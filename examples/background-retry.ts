/**
 * A background response, resubmitted while its failure is retryable, with a typed catch.
 *
 *   npm run example                                    # against a local fake server, no key needed
 *   OPENAI_API_KEY=sk-... npx tsx examples/background-retry.ts   # against the API
 */
import OpenAI from 'openai';
import { isOpenAIFailure, isQuotaFailure, retryDelayMs, ServerError, waitForResponse, withRetry } from 'openai-error-registry';

// openai's own retries resubmit by HTTP status alone (a 429 insufficient_quota too); withRetry
// decides by the registry's code instead, so the client's are turned off.
const client = new OpenAI({ maxRetries: 0 });

try {
  const response = await withRetry(
    async () => {
      const started = await client.responses.create({ model: 'gpt-5-mini', input: 'Say hello.', background: true });
      // A failed run answers its poll with 200 and status "failed": waitForResponse throws its typed error.
      return waitForResponse(client, started.id);
    },
    {
      // facts is undefined for a connection error, which has no code (it is retried all the same).
      onRetry: ({ facts, attempt, delayMs }) =>
        console.log(`attempt ${attempt} failed: ${facts?.class ?? 'connection error'} (${facts?.code ?? 'no code'}), retryable; resubmitting in ${Math.round(delayMs)} ms`),
    },
  );
  console.log(`${response.id} ${response.status}: ${response.output_text}`);
} catch (e) {
  if (e instanceof ServerError) {
    // e.code is the literal "server_error"; e is also openai's InternalServerError.
    console.log(`gave up: ${e.name} (${e.code}) on ${e.surface}, retryable: ${e.retryable}, next delay: ${Math.round(retryDelayMs(e, 1) ?? 0)} ms`);
    console.log(`may have billed: ${e.replay.mayHaveBilled}, transport status: ${e.transportStatus}, nominal status: ${e.status}`);
  } else if (isQuotaFailure(e)) {
    console.log('out of quota or credit: fix billing; resubmitting cannot help');
  } else if (isOpenAIFailure(e)) {
    console.log(`failed: ${e.name} (${e.code}), retryable: ${e.retryable}`);
  } else {
    throw e;
  }
  process.exitCode = 1;
}
