/**
 * Run by exit.test.ts in a child process: waits on a poll that stalls until the deadline (with
 * cancelOnAbandon), then on one that completes, prints what happened, and ends without calling
 * process.exit, so the process exits only if nothing (timer, socket, listener) is left behind.
 */
import { PollTimeoutError, waitForResponse, type ResponsesClient } from '../../src/index.ts';

const [sdkPackage, baseURL] = process.argv.slice(2);
const { default: OpenAI } = (await import(sdkPackage ?? 'openai')) as { default: new (options: object) => ResponsesClient<{ status: string }> };
const client = new OpenAI({ apiKey: 'test-key', baseURL, maxRetries: 0 });
const outcome: string[] = [];
try {
  await waitForResponse(client, 'resp_stall', { pollIntervalMs: 20, timeoutMs: 300, cancelOnAbandon: true });
  outcome.push('resolved');
} catch (e) {
  outcome.push(e instanceof PollTimeoutError ? `PollTimeoutError ${e.responseId} ${e.lastStatus}` : `other ${String(e)}`);
}
const done = (await waitForResponse(client, 'resp_done', { pollIntervalMs: 20 })).status;
outcome.push(done);
process.stdout.write(`${JSON.stringify({ outcome, doneAt: Date.now() })}\n`);
