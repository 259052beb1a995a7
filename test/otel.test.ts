// instrumentRetries with the real OpenTelemetry SDK (metrics and tracing, in-memory exporters):
// what withRetry reports, under which attribute names, on the active span, and that nothing
// from the prompt, the message or the API key becomes an attribute.
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { APIConnectionError, AuthenticationError, RateLimitError } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdaptiveLimiter, sharedLimiter, withRetry } from '../src/index.js';
import { instrumentRetries, type RetryTelemetry } from '../src/otel.js';

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const contextManager = new AsyncLocalStorageContextManager();
let exporter: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;
let telemetry: RetryTelemetry;

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(tracerProvider);
});
afterAll(() => {
  context.disable();
  trace.disable();
  metrics.disable();
});
beforeEach(() => {
  exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  metrics.disable();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  spans.reset();
  telemetry = instrumentRetries({ metrics, trace });
});
afterEach(() => telemetry.stop());

/** Every data point of the metric `name` at the last collection: its value and attributes. */
async function points(name: string): Promise<{ value: unknown; attributes: Record<string, unknown> }[]> {
  await reader.forceFlush();
  const all: ResourceMetrics[] = exporter.getMetrics();
  const last = all.at(-1);
  const metric = last?.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((p) => ({ value: p.value, attributes: p.attributes as Record<string, unknown> }));
}

const SECRET_PROMPT = 'my secret prompt about project Falcon';
const API_KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
const rateLimited = () =>
  new RateLimitError(429, { message: `Rate limit reached for ${SECRET_PROMPT}. Please try again in 1ms.`, type: 'requests', code: 'rate_limit_exceeded' }, `429 Rate limit reached (key ${API_KEY})`, new Headers({ 'retry-after-ms': '1' }));
const noWait = async () => undefined;

describe('instrumentRetries', () => {
  it('counts attempts, retries and throttles, and adds a retry event to the active span, with error.type the registry class', async () => {
    let calls = 0;
    const tracer = trace.getTracer('test');
    const result = await tracer.startActiveSpan('call', async (span) => {
      try {
        return await withRetry(
          async () => {
            if (++calls === 1) throw rateLimited();
            return 'ok';
          },
          { limiterKey: 'otel-a', budget: false, sleep: noWait },
        );
      } finally {
        span.end();
      }
    });
    expect(result).toBe('ok');
    const attempts = await points('openai_error_registry.attempts');
    expect(attempts).toEqual(
      expect.arrayContaining([
        { value: 1, attributes: { 'openai_error_registry.limiter_key': 'otel-a' } },
        { value: 1, attributes: { 'openai_error_registry.limiter_key': 'otel-a', 'error.type': 'RateLimitExceededError', 'openai_error_registry.code': 'rate_limit_exceeded', 'http.response.status_code': 429 } },
      ]),
    );
    expect(await points('openai_error_registry.retries')).toEqual([{ value: 1, attributes: { 'openai_error_registry.limiter_key': 'otel-a', 'error.type': 'RateLimitExceededError', 'openai_error_registry.code': 'rate_limit_exceeded', 'http.response.status_code': 429 } }]);
    expect(await points('openai_error_registry.throttles')).toEqual([{ value: 1, attributes: { 'openai_error_registry.limiter_key': 'otel-a' } }]);
    const [span] = spans.getFinishedSpans();
    expect(span?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['openai_error_registry.retry', { 'openai_error_registry.limiter_key': 'otel-a', 'error.type': 'RateLimitExceededError', 'openai_error_registry.code': 'rate_limit_exceeded', 'http.response.status_code': 429, 'openai_error_registry.attempt': 1, 'openai_error_registry.delay_ms': 0 }],
    ]);
  });

  it('counts a give-up with its reason; a connection error is named by its class', async () => {
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('call', async (span) => {
      await expect(withRetry(() => Promise.reject(new AuthenticationError(401, { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' }, '401', new Headers())), { limiterKey: 'otel-b', sleep: noWait })).rejects.toThrow();
      await expect(withRetry(() => Promise.reject(new APIConnectionError({ message: 'socket hang up' })), { limiterKey: 'otel-b', maxAttempts: 1, sleep: noWait })).rejects.toThrow();
      span.end();
    });
    const giveUps = await points('openai_error_registry.give_ups');
    expect(giveUps.map((p) => [p.attributes['openai_error_registry.give_up_reason'], p.attributes['error.type'], p.attributes['openai_error_registry.code']])).toEqual(
      expect.arrayContaining([
        ['not_retryable', 'InvalidApiKeyError', 'invalid_api_key'],
        ['attempts', 'APIConnectionError', undefined],
      ]),
    );
    const [span] = spans.getFinishedSpans();
    expect(span?.events.map((e) => e.name)).toEqual(['openai_error_registry.give_up', 'openai_error_registry.give_up']);
  });

  it("records pacing waits, and each limiter key's learned rate as a gauge", async () => {
    const limiter = new AdaptiveLimiter({ burstSeconds: 0.01 });
    limiter.learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '1200', 'x-ratelimit-remaining-requests': '1', 'x-ratelimit-reset-requests': '50ms' }));
    await Promise.all(Array.from({ length: 3 }, () => withRetry(async () => 'ok', { limiter, limiterKey: 'otel-c' })));
    const [wait] = await points('openai_error_registry.pacing.wait');
    const histogram = wait?.value as { count: number; sum: number; max: number };
    expect(wait?.attributes).toEqual({ 'openai_error_registry.limiter_key': 'otel-c' });
    expect(histogram.count).toBeGreaterThanOrEqual(1);
    // 20 requests/s: the third attempt waits about 50 ms for its slot.
    expect(histogram.max).toBeGreaterThan(0.02);
    sharedLimiter('otel-gauge').learnFromHeaders(new Headers({ 'x-ratelimit-limit-requests': '600' }));
    const rates = await points('openai_error_registry.limiter.rate');
    expect(rates).toEqual(expect.arrayContaining([{ value: 10, attributes: { 'openai_error_registry.limiter_key': 'otel-gauge' } }]));
  });

  it('never puts the prompt, the message or the API key into an attribute', async () => {
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('call', async (span) => {
      let calls = 0;
      await withRetry(async () => {
        if (++calls < 3) throw rateLimited();
        return 'ok';
      }, { limiterKey: 'otel-d', budget: false, sleep: noWait });
      await expect(withRetry(() => Promise.reject(rateLimited()), { limiterKey: 'otel-d', budget: false, maxAttempts: 1, sleep: noWait })).rejects.toThrow();
      span.end();
    });
    await reader.forceFlush();
    const everything = JSON.stringify({ metrics: exporter.getMetrics().map((r) => r.scopeMetrics.map((s) => s.metrics.map((m) => m.dataPoints.map((p) => p.attributes)))), spans: spans.getFinishedSpans().map((s) => s.events) });
    expect(everything).toContain('RateLimitExceededError');
    for (const secret of ['Falcon', 'secret prompt', API_KEY, 'sk-proj', 'Rate limit reached']) expect(everything).not.toContain(secret);
  });

  it('stop() detaches: later calls report nothing', async () => {
    telemetry.stop();
    await withRetry(async () => 'ok', { limiterKey: 'otel-e' });
    const attempts = await points('openai_error_registry.attempts');
    expect(attempts.filter((p) => p.attributes['openai_error_registry.limiter_key'] === 'otel-e')).toEqual([]);
  });

  it('rejects what is not an OpenTelemetry API with a TypeError', () => {
    expect(() => instrumentRetries({} as never)).toThrow(/needs a Meter/);
    expect(() => instrumentRetries({ metrics, trace: {} as never })).toThrow(/getActiveSpan/);
  });
});
