/**
 * openai-error-registry: typed, retry-aware errors for every OpenAI API failure surface.
 * The classes and tables are generated from the registry (generated/); this module wires them
 * into the hand-written runtime.
 */
import { CLASSES } from '../generated/errors.js';
import { BACKOFF, CODES, DEFAULTS, SURFACES } from '../generated/registry.js';
import { createRuntime } from './classify.js';
import { createPolling } from './poll.js';
import { createRetry } from './retry.js';

const runtime = createRuntime({ codes: CODES, surfaces: SURFACES, backoff: BACKOFF, defaults: DEFAULTS, classes: CLASSES });
const retry = createRetry(runtime.classifyError);
const polling = createPolling(runtime.raiseForFailedResponse, runtime.classifyError, retry.serverHintMs);

/** Returns the object unless it reports a failure; throws the registry's typed error when it does. */
export const raiseForFailedResponse = runtime.raiseForFailedResponse;
/** The registry's facts for a failed or incomplete object, without throwing; undefined when it is not one. */
export const classifyFailure = runtime.classifyFailure;
/** The registry's facts for a thrown error (a registry error or a plain openai APIError). */
export const classifyError = runtime.classifyError;
/** Whether resubmitting the request that produced the error may succeed. */
export const isRetryable = runtime.isRetryable;
/** Milliseconds to wait before resubmitting after `attempt` failed attempts; undefined when not retryable. */
export const retryDelayMs = retry.retryDelayMs;
/** Calls a function again while it throws retryable errors, with backoff and the retry budget. */
export const withRetry = retry.withRetry;
/** Polls a background response until it is terminal; throws the typed error when it failed. */
export const waitForResponse = polling.waitForResponse;
/** Passes stream events through; throws the typed error for response.failed and error events. */
export const raiseForStreamEvents = polling.raiseForStreamEvents;

export * from '../generated/errors.js';
export { REGISTRY_VERSION, type BackoffName, type ClassName, type Code, type SurfaceName } from '../generated/registry.js';
export { createRuntime, type FailureFacts, type RaiseOptions, type RegistryTables, type Runtime } from './classify.js';
export { FAILURE_BRAND, isOpenAIFailure, type FailureJSON, type FailureKind, type OpenAIFailure } from './failure.js';
export { PollTimeoutError, type ResponsesClient, type WaitOptions } from './poll.js';
export { RetryBudget, sharedRetryBudget, type RetryEvent, type RetryOptions } from './retry.js';
export { headerHintMs, messageHintMs, type Clock } from './backoff.js';
export type { BackoffProfile } from './spec.js';
