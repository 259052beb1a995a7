/**
 * A local HTTP server on 127.0.0.1 that plays scripted OpenAI API answers to a real openai client,
 * and misbehaves on command: dropped connections (before the headers or mid-body), raw bodies
 * (HTML, invalid JSON), stalls (no headers, or half a body), and being stopped and restarted on
 * the same port. It holds no timers of its own, so a test that ends leaves nothing behind.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One scripted answer. */
export type Answer =
  /** A JSON body with a status and headers. */
  | { readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string> }
  /** A body sent as is (HTML, invalid JSON), with its content type (default application/json). */
  | { readonly status?: number; readonly raw: string; readonly contentType?: string; readonly headers?: Record<string, string> }
  /** A plain text body (a file's content). */
  | { readonly text: string }
  /** A 200 event stream. */
  | { readonly sse: readonly { event?: string; data: unknown }[] }
  /** The connection is destroyed: before any header (true), or after half of a JSON body ('mid-body'). */
  | { readonly drop: true }
  | { readonly drop: 'mid-body'; readonly body: unknown }
  /** Nothing more is sent until the client gives up: no headers at all, or headers and half of a JSON body. */
  | { readonly stall: 'headers' }
  | { readonly stall: 'body'; readonly body: unknown };

/** A request the server saw. */
export interface Seen {
  /** "METHOD /path", without /v1 and the query. */
  readonly route: string;
  readonly headers: IncomingHttpHeaders;
  /** Milliseconds since the server was created. */
  readonly at: number;
  /** The answer played: a JSON body's `status` field ("completed"), an HTTP status ("502"), or the misbehaviour ("drop", "stall"). */
  readonly answered: string;
  /** The `id` of a JSON body played whole, if it had one. */
  readonly answeredId?: string;
}

export interface PlayServer {
  readonly baseURL: string;
  readonly port: number;
  /** Requests seen, as "METHOD /path". */
  readonly requests: string[];
  /** Requests seen, with their headers, times and the answers played. */
  readonly seen: Seen[];
  /** performance.now() when the server started: `at` of a request is measured from it. */
  readonly born: number;
  /** Queues answers for a route ("POST /responses", "GET /responses/resp_1"); the last one repeats. */
  script(route: string, ...answers: Answer[]): void;
  /** Forgets every script and every request seen. */
  reset(): void;
  /** Stops listening and destroys every open connection (the server is "killed"); start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The label a request's answer is logged under. */
function label(answer: Answer | undefined): string {
  if (answer === undefined) return '404';
  if ('drop' in answer) return answer.drop === true ? 'drop' : 'drop mid-body';
  if ('stall' in answer) return `stall ${answer.stall}`;
  if ('sse' in answer) return 'sse';
  if ('raw' in answer) return String(answer.status ?? 200);
  if ('text' in answer) return 'text';
  const status = (answer.body as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? status : String(answer.status ?? 200);
}

/** Headers and the first half of a JSON body, with a content-length promising all of it. */
function halfBody(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.write(text.slice(0, Math.floor(text.length / 2)));
}

export async function playServer(): Promise<PlayServer> {
  const queues = new Map<string, Answer[]>();
  const requests: string[] = [];
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const born = performance.now();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = `${req.method} ${(req.url ?? '').split('?')[0]?.replace(/^\/v1/, '')}`;
    const queue = queues.get(route);
    const answer = queue && (queue.length > 1 ? queue.shift() : queue[0]);
    requests.push(route);
    const id = answer !== undefined && 'body' in answer && !('drop' in answer) && !('stall' in answer) ? (answer.body as { id?: unknown } | null)?.id : undefined;
    seen.push({ route, headers: req.headers, at: performance.now() - born, answered: label(answer), ...(typeof id === 'string' ? { answeredId: id } : {}) });
    req.resume();
    req.on('end', () => {
      if (answer === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no script for ${route}` } }));
      } else if ('drop' in answer) {
        if (answer.drop === 'mid-body') {
          halfBody(res, answer.body);
          // Let the half body reach the client before the connection goes.
          res.socket?.end(() => res.socket?.destroy());
        } else res.socket?.destroy();
      } else if ('stall' in answer) {
        // Nothing more is sent; the client's abort (or stop()) ends the exchange.
        if (answer.stall === 'body') halfBody(res, answer.body);
      } else if ('text' in answer) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(answer.text);
      } else if ('sse' in answer) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of answer.sse) res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
        res.end();
      } else if ('raw' in answer) {
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json', ...answer.headers }).end(answer.raw);
      } else {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    seen,
    born,
    script(route, ...answers) {
      queues.set(route, [...answers]);
    },
    reset() {
      queues.clear();
      requests.length = 0;
      seen.length = 0;
    },
    stop,
    start: () => listen(port),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}

/** A Responses API object. */
export function response(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'resp_1', object: 'response', created_at: 0, status, model: 'gpt-test', output: [], error: null, incomplete_details: null, ...extra };
}

let limiterKeys = 0;
/**
 * A limiter key of its own for one scenario: the process-wide limiter learns from every 429 and
 * paces later attempts of its key (as it should in an application), so scenarios that must not
 * influence each other each use their own key.
 */
export function isolatedLimiterKey(): string {
  return `test-scenario-${++limiterKeys}`;
}
