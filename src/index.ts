/**
 * openai-error-registry: typed, retry-aware errors for every OpenAI API failure surface.
 * The classes and tables are generated from the registry (generated/); this module wires them
 * into the hand-written runtime.
 */
import { CLASSES } from '../generated/errors.js';
import { BACKOFF, CODES, DEFAULTS, SURFACES } from '../generated/registry.js';
import { createRuntime } from './classify.js';

const runtime = createRuntime({ codes: CODES, surfaces: SURFACES, backoff: BACKOFF, defaults: DEFAULTS, classes: CLASSES });

/** Returns the object unless it reports a failure; throws the registry's typed error when it does. */
export const raiseForFailedResponse = runtime.raiseForFailedResponse;
/** The registry's facts for a failed or incomplete object, without throwing; undefined when it is not one. */
export const classifyFailure = runtime.classifyFailure;
/** The registry's facts for a thrown error (a registry error or a plain openai APIError). */
export const classifyError = runtime.classifyError;
/** Whether resubmitting the request that produced the error may succeed. */
export const isRetryable = runtime.isRetryable;

export * from '../generated/errors.js';
export { REGISTRY_VERSION, type BackoffName, type ClassName, type Code, type SurfaceName } from '../generated/registry.js';
export { createRuntime, type FailureFacts, type RaiseOptions, type RegistryTables, type Runtime } from './classify.js';
export { FAILURE_BRAND, isOpenAIFailure, type FailureJSON, type FailureKind, type OpenAIFailure } from './failure.js';
export type { BackoffProfile } from './spec.js';
