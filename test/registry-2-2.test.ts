/**
 * Registry 2.2's new surfaces and codes, each read from a payload as the API sends it: the shapes
 * come from openai's types (the version named beside each) or from the public thread cited.
 */
import { describe, expect, it } from 'vitest';
import { BadRequestError } from 'openai/core/error';
import { classifyFailure, ContentFilterError, FinishReasonLengthError, InvalidTrainingFileError, raiseForFailedResponse, raiseForStreamEvents } from '../src/index.ts';

async function* events(...list: unknown[]) {
  for (const e of list) yield e;
}
async function drain(it: AsyncIterable<unknown>): Promise<{ seen: unknown[]; error: unknown }> {
  const seen: unknown[] = [];
  try {
    for await (const e of it) seen.push(e);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
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
