/**
 * Type tests, checked by `npm run typecheck` (tsconfig.json includes test/): what the helpers
 * return for a client of openai 7, 6 and 5 (the last two through the openai-v6 / openai-v5 npm
 * aliases). A wrong type is a compile error here, not a runtime failure.
 */
import OpenAI7, { RateLimitError as RateLimitError7 } from 'openai';
import type { Batch as Batch7 } from 'openai/resources/batches';
import type { Run as Run7 } from 'openai/resources/beta/threads/runs/runs';
import type { ChatCompletion as ChatCompletion7 } from 'openai/resources/chat/completions/completions';
import type { Response as Response7, ResponseStreamEvent as ResponseStreamEvent7 } from 'openai/resources/responses/responses';
import OpenAI6 from 'openai-v6';
import type { Batch as Batch6 } from 'openai-v6/resources/batches';
import type { Response as Response6, ResponseStreamEvent as ResponseStreamEvent6 } from 'openai-v6/resources/responses/responses';
import OpenAI5 from 'openai-v5';
import type { Batch as Batch5 } from 'openai-v5/resources/batches';
import type { Response as Response5, ResponseStreamEvent as ResponseStreamEvent5 } from 'openai-v5/resources/responses/responses';
import { expectTypeOf } from 'vitest';
import {
  classifyBatchLine,
  classifyError,
  classifyFailure,
  createRuntime,
  InsufficientQuotaError,
  isQuotaFailure,
  raiseForFailedResponse,
  raiseForStreamEvents,
  TABLES,
  CLASSES,
  waitForResponse,
  type CategoryName,
  type ClassName,
  type FailureFacts,
  type RegistryFailureFacts,
} from '../../src/index.ts';

declare const client7: OpenAI7;
declare const client6: OpenAI6;
declare const client5: OpenAI5;

// waitForResponse: the client's own Response type, whichever openai is installed (openai 5 and 6
// declare a last `retrieve` overload that answers `Stream | Response`; the Stream is dropped).
expectTypeOf(waitForResponse(client7, 'resp_1')).resolves.toEqualTypeOf<Response7>();
expectTypeOf(waitForResponse(client6, 'resp_1')).resolves.toEqualTypeOf<Response6>();
expectTypeOf(waitForResponse(client5, 'resp_1')).resolves.toEqualTypeOf<Response5>();
// ... and through a runtime over a custom registry.
expectTypeOf(createRuntime({ tables: TABLES, classes: CLASSES }).waitForResponse(client7, 'resp_1')).resolves.toEqualTypeOf<Response7>();
// A caller may still name the type (the first, non-streaming overload fits it).
expectTypeOf(waitForResponse<Response5>(client5, 'resp_1')).resolves.toEqualTypeOf<Response5>();
// Anything else is refused.
// @ts-expect-error -- not a client
void waitForResponse({ responses: {} }, 'resp_1');

// raiseForStreamEvents: a stream of the SDK's events stays a stream of the SDK's events.
declare const stream7: Awaited<ReturnType<typeof client7.responses.stream>>;
expectTypeOf(raiseForStreamEvents(await client7.responses.create({ model: 'm', input: 'i', stream: true }))).toEqualTypeOf<AsyncGenerator<ResponseStreamEvent7, void, undefined>>();
expectTypeOf(raiseForStreamEvents(await client6.responses.create({ model: 'm', input: 'i', stream: true }))).toEqualTypeOf<AsyncGenerator<ResponseStreamEvent6, void, undefined>>();
expectTypeOf(raiseForStreamEvents(await client5.responses.create({ model: 'm', input: 'i', stream: true }))).toEqualTypeOf<AsyncGenerator<ResponseStreamEvent5, void, undefined>>();
expectTypeOf(raiseForStreamEvents(stream7)).toEqualTypeOf<AsyncGenerator<ResponseStreamEvent7, void, undefined>>();

// raiseForFailedResponse: returns what it was given (responses, runs, batches, chat completions),
// the request id openai adds included.
declare const response7: Response7;
declare const run7: Run7;
declare const completion7: ChatCompletion7;
declare const batch6: Batch6;
declare const batch5: Batch5;
expectTypeOf(raiseForFailedResponse(response7)).toEqualTypeOf<Response7>();
expectTypeOf(raiseForFailedResponse(run7)).toEqualTypeOf<Run7>();
expectTypeOf(raiseForFailedResponse(completion7)).toEqualTypeOf<ChatCompletion7>();
expectTypeOf(raiseForFailedResponse(batch6)).toEqualTypeOf<Batch6>();
expectTypeOf(raiseForFailedResponse(batch5)).toEqualTypeOf<Batch5>();
expectTypeOf(raiseForFailedResponse(await client7.batches.retrieve('batch_1'))).toMatchTypeOf<Batch7>();
expectTypeOf(raiseForFailedResponse(await client7.batches.retrieve('batch_1'))._request_id).toEqualTypeOf<string | null | undefined>();

// The facts name the embedded registry's classes, categories and surfaces.
expectTypeOf(classifyFailure({})).toEqualTypeOf<RegistryFailureFacts | undefined>();
expectTypeOf(classifyError(new Error())).toEqualTypeOf<RegistryFailureFacts | undefined>();
expectTypeOf<RegistryFailureFacts['class']>().toEqualTypeOf<ClassName>();
expectTypeOf<RegistryFailureFacts['category']>().toEqualTypeOf<CategoryName>();
expectTypeOf<RegistryFailureFacts>().toMatchTypeOf<FailureFacts>();
expectTypeOf(classifyBatchLine({})).exclude<undefined>().toHaveProperty('surface').toEqualTypeOf<'batch.line'>();

// The classes extend openai's, and a generated class's code is its literal.
declare const failure: unknown;
if (failure instanceof InsufficientQuotaError) {
  expectTypeOf(failure).toMatchTypeOf<RateLimitError7>();
  expectTypeOf(failure.code).toEqualTypeOf<'insufficient_quota'>();
  expectTypeOf(failure.retryable).toEqualTypeOf<boolean>();
}
if (isQuotaFailure(failure)) expectTypeOf(failure.status).toEqualTypeOf<number | undefined>();
