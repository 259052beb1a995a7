/**
 * A background response streamed over a connection that drops halfway: streamBackgroundResponse
 * picks the stream up after the last event it delivered (`retrieve` with `starting_after`)
 * instead of creating the response again, so the run is not repeated, nor billed twice.
 *
 *   npm run example -- resume
 */
import OpenAI from 'openai';
import { isOpenAIFailure, streamBackgroundResponse } from 'openai-error-registry';

const client = new OpenAI({ maxRetries: 0 });

let text = '';
try {
  const events = streamBackgroundResponse<OpenAI.Responses.ResponseStreamEvent>(
    client,
    { create: { model: 'gpt-5-mini', input: 'Count to five.' } },
    { onReconnect: (e) => console.log(`connection lost after event ${e.after}; resuming ${e.responseId} in ${Math.round(e.delayMs)} ms`) },
  );
  for await (const event of events) {
    if (event.type === 'response.output_text.delta') text += event.delta;
  }
  console.log(`completed: ${text}`);
} catch (e) {
  if (!isOpenAIFailure(e)) throw e;
  console.log(`stream failed after "${text}": ${e.name} (${e.code}), retryable: ${e.retryable}`);
  process.exitCode = 1;
}
