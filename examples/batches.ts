/**
 * A finished batch: classify every line of its error file and collect the lines worth
 * resubmitting in a new batch (an expired line never ran; a 429 or 5xx line may succeed later).
 *
 *   npm run example -- batches
 */
import OpenAI from 'openai';
import { classifyBatchLine, type RegistryFailureFacts } from 'openai-error-registry';

const client = new OpenAI({ maxRetries: 2 });
const batchId = process.env['BATCH_ID'] ?? 'batch_1';

const batch = await client.batches.retrieve(batchId);
const failures: RegistryFailureFacts[] = [];
for (const fileId of [batch.output_file_id, batch.error_file_id]) {
  if (fileId === null || fileId === undefined) continue;
  const content = await (await client.files.content(fileId)).text();
  for (const line of content.split('\n')) {
    if (line.trim() === '') continue;
    const facts = classifyBatchLine(JSON.parse(line));
    if (facts !== undefined) failures.push(facts);
  }
}

for (const f of failures) console.log(`${f.objectId}: ${f.class} (${f.code}, HTTP ${f.status ?? '-'}), ${f.retryable ? 'resubmit' : 'fix the request'}`);
const resubmit = failures.filter((f) => f.retryable).map((f) => f.objectId);
console.log(`${failures.length} failed lines; resubmit in a new batch: ${resubmit.join(', ') || 'none'}`);
