/**
 * Telemetry on vs off, side by side in one process: the real OpenTelemetry metrics and tracing
 * SDKs (in-memory exporters, an active span) attached with instrumentRetries for the "on"
 * batches and detached for the "off" ones, interleaved. Rows: the hot path
 * (raiseForFailedResponse on a completed Response, which telemetry never touches), and a retry
 * (an attempt answered 429, then a success) through a real openai client against a local server,
 * and the same in process with no request in it (telemetry's overhead alone).
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { RateLimitError } from 'openai';
import { consume, median, round, type BenchRow, type RowProvider } from './framework.ts';
import { addRetryObserver, raiseForFailedResponse, withRetry } from '../src/index.ts';
import { instrumentRetries, type RetryTelemetry } from '../src/otel.ts';

type Run = () => unknown;

/** Median over interleaved rounds of (per-call time with telemetry) / (per-call time without), for a sync or async call. */
async function onVsOff(call: Run, attach: () => RetryTelemetry, rounds: number, perBatch: number): Promise<{ on: number; off: number; ratio: number }> {
  const batch = async (): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) consume(await call());
    return ((performance.now() - t0) * 1000) / perBatch;
  };
  const on: number[] = [];
  const off: number[] = [];
  const ratios: number[] = [];
  const withTelemetry = async () => {
    const t = attach();
    try {
      return await batch();
    } finally {
      t.stop();
    }
  };
  await withTelemetry();
  await batch();
  for (let r = 0; r < rounds; r++) {
    const [a, b] = r % 2 === 0 ? [await withTelemetry(), await batch()] : await batch().then(async (x) => [await withTelemetry(), x]);
    on.push(a as number);
    off.push(b as number);
    ratios.push((a as number) / (b as number));
  }
  return { on: median(on), off: median(off), ratio: median(ratios) };
}

export const telemetryRows: RowProvider & { run: (quick: boolean) => Promise<BenchRow[]> } = {
  name: 'telemetry on vs off',
  describe: () => ['telemetry: instrumentRetries on the real OpenTelemetry SDKs (MeterProvider with an in-memory exporter, a BasicTracerProvider with an active span, spans exported to nowhere), attached for the "on" batches and detached for the "off" ones, interleaved in one process'],
  run: async (quick: boolean) => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    // Spans are exported to nowhere: keeping millions in memory would time the garbage collector.
    const discard: SpanExporter = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => undefined };
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] }));
    const attach = () => instrumentRetries({ metrics, trace });
    const rounds = quick ? 3 : 9;
    const completed = { id: 'resp_1', object: 'response', status: 'completed', output: [] };
    const throttled = new RateLimitError(429, { message: 'Rate limit reached. Please try again in 1ms.', type: 'requests', code: 'rate_limit_exceeded' }, '429 Rate limit reached', new Headers({ 'retry-after-ms': '1' }));
    const noWait = async () => undefined;
    let calls = 0;
    const retry = () =>
      trace.getTracer('bench').startActiveSpan('call', (span) =>
        withRetry(
          async () => {
            if (++calls % 2 === 1) throw throttled;
            return 'ok';
          },
          { limiterKey: 'bench-telemetry', limiter: false, budget: false, sleep: noWait },
        ).finally(() => span.end()),
      );
    // The same retry through a real openai client: a local server answers each request 429, then 200.
    let served = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const throttle = served++ % 2 === 0;
        res.writeHead(throttle ? 429 : 200, { 'content-type': 'application/json', ...(throttle ? { 'retry-after-ms': '1' } : {}) });
        res.end(JSON.stringify(throttle ? { error: { message: 'Rate limit reached. Please try again in 1ms.', type: 'requests', code: 'rate_limit_exceeded' } } : { id: 'resp_1', object: 'response', status: 'completed', output: [] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = new OpenAI({ apiKey: 'sk-bench', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
    const overHttp = () =>
      trace.getTracer('bench').startActiveSpan('call', (span) =>
        withRetry(() => client.responses.create({ model: 'gpt-bench', input: 'hi' }), { limiterKey: 'bench-telemetry-http', limiter: false, budget: false, sleep: noWait }).finally(() => span.end()),
      );
    const hot = await onVsOff(() => raiseForFailedResponse(completed), attach, rounds, quick ? 20_000 : 200_000);
    const http = await onVsOff(overHttp, attach, rounds, quick ? 30 : 300);
    server.closeAllConnections();
    server.close();
    const retried = await onVsOff(retry, attach, rounds, quick ? 500 : 5_000);
    // The least any span-event telemetry costs here: the SDK's addEvent with the same attributes, and nothing else.
    const sdkEventOnly = () => {
      const remove = addRetryObserver({
        retry: (e) =>
          trace.getActiveSpan()?.addEvent('openai_error_registry.retry', {
            'openai_error_registry.limiter_key': e.limiterKey,
            'error.type': 'RateLimitExceededError',
            'openai_error_registry.attempt': e.attempt,
            'openai_error_registry.delay_ms': e.delayMs,
            'openai_error_registry.code': 'rate_limit_exceeded',
            'http.response.status_code': 429,
          }),
      });
      return { stop: remove };
    };
    const floor = await onVsOff(retry, sdkEventOnly, rounds, quick ? 500 : 5_000);
    await reader.shutdown();
    metrics.disable();
    trace.disable();
    context.disable();
    const rows: BenchRow[] = [
      { what: 'telemetry on vs off: raiseForFailedResponse on a completed Response', ours: round(hot.on), baseline: round(hot.off), ratio: round(hot.ratio), target: '<= 1.05x', meets: hot.ratio <= 1.05, unit: 'us', note: `median of ${rounds} interleaved rounds; telemetry never runs on this path` },
      { what: 'telemetry on vs off: a retry through a real openai client (429, then 200 from a local server) inside an active span', ours: round(http.on), baseline: round(http.off), ratio: round(http.ratio), target: '<= 1.1x', meets: http.ratio <= 1.1, unit: 'us', note: `median of ${rounds} interleaved rounds of ${quick ? 30 : 300} retries; on: 2 attempts, a retry and a throttle counted, a span event` },
      { what: 'telemetry on vs off: the same retry in process (a thrown 429, no network), its overhead alone', ours: round(retried.on), baseline: round(retried.off), ratio: round(retried.ratio), target: '<= 1.1x', meets: retried.ratio <= 1.1, unit: 'us', note: `median of ${rounds} interleaved rounds; what telemetry adds per retry: ${round(retried.on - retried.off)} us (the SDK's span event and four counts), against a retry loop of ${round(retried.off)} us with no request in it; the SDK's addEvent with the same attributes and nothing else costs ${round(floor.ratio)}x on the same loop` },
    ];
    for (const r of rows) console.log(`  ${r.what}: ${r.ours} vs ${r.baseline} us (${r.ratio}x)`);
    console.log(`  the SDK's span event alone on that loop: ${round(floor.ratio)}x`);
    return rows;
  },
};
