/**
 * Global names of JavaScript on every supported Node version (20 through 26): a generated class
 * named like one would shadow it for anyone who imports the class beside the global.
 *
 * Derived, not written by hand: the union of the values (variables, functions, classes,
 * namespaces with values) that TypeScript 5.9's ECMAScript libraries declare (es5 to esnext,
 * without the DOM), that @types/node 20.19 and 26.6 declare as globals, and that
 * `Object.getOwnPropertyNames(globalThis)` lists on Node 20. test/js-globals.test.ts re-derives
 * it from what is installed and fails when a name is missing; `UPDATE_GLOBALS=1` rewrites it.
 */
const NAMES: readonly string[] = [
  'AbortController AbortSignal AggregateError Array ArrayBuffer AsyncDisposableStack Atomics BigInt',
  'BigInt64Array BigUint64Array Blob Boolean BroadcastChannel Buffer ByteLengthQueuingStrategy',
  'CloseEvent CompressionStream CountQueuingStrategy Crypto CryptoKey CustomEvent DOMException',
  'DataView Date DecompressionStream DisposableStack Error ErrorEvent EvalError Event EventSource',
  'EventTarget File FinalizationRegistry Float16Array Float32Array Float64Array FormData Function',
  'Headers Infinity Int16Array Int32Array Int8Array Intl Iterator JSON Map Math MessageChannel',
  'MessageEvent MessagePort NaN Navigator Number Object Performance PerformanceEntry',
  'PerformanceMark PerformanceMeasure PerformanceObserver PerformanceObserverEntryList',
  'PerformanceResourceTiming Promise Proxy QuotaExceededError RangeError',
  'ReadableByteStreamController ReadableStream ReadableStreamBYOBReader ReadableStreamBYOBRequest',
  'ReadableStreamDefaultController ReadableStreamDefaultReader ReferenceError Reflect RegExp',
  'Request Response Set SharedArrayBuffer Storage String SubtleCrypto SuppressedError Symbol',
  'SyntaxError TextDecoder TextDecoderStream TextEncoder TextEncoderStream TransformStream',
  'TransformStreamDefaultController TypeError URIError URL URLPattern URLSearchParams Uint16Array',
  'Uint32Array Uint8Array Uint8ClampedArray WeakMap WeakRef WeakSet WebAssembly WebSocket',
  'WritableStream WritableStreamDefaultController WritableStreamDefaultWriter __dirname __filename',
  'atob btoa clearImmediate clearInterval clearTimeout console crypto decodeURI decodeURIComponent',
  'encodeURI encodeURIComponent escape eval exports fetch gc global globalThis isFinite isNaN',
  'localStorage module navigator parseFloat parseInt performance process queueMicrotask require',
  'sessionStorage setImmediate setInterval setTimeout structuredClone undefined unescape',
];

/** The names, one per global. */
export const JAVASCRIPT_GLOBALS: ReadonlySet<string> = new Set(NAMES.flatMap((line) => line.split(' ')));
