/**
 * A streamed response: `response.failed` and `error` events become typed errors, thrown from the
 * loop, after the events before them were passed through.
 *
 *   npm run example -- streaming
 */
import OpenAI from 'openai';
import { isOpenAIFailure, raiseForStreamEvents } from 'openai-error-registry';

const client = new OpenAI({ maxRetries: 0 });

let text = '';
try {
  const stream = await client.responses.create({ model: 'gpt-5-mini', input: 'Count to three.', stream: true });
  for await (const event of raiseForStreamEvents(stream)) {
    if (event.type === 'response.output_text.delta') text += event.delta;
  }
  console.log(`completed: ${text}`);
} catch (e) {
  if (!isOpenAIFailure(e)) throw e;
  // Output already shown to the user is a reason not to resubmit blindly.
  console.log(`stream failed after "${text}": ${e.name} (${e.code}), retryable: ${e.retryable}, output delivered: ${e.replay.outputDelivered}`);
  process.exitCode = 1;
}
