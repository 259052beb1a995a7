/** A local HTTP server on 127.0.0.1 that plays scripted OpenAI API answers to a real openai client. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a JSON body with a status and headers, a plain text body (a file's content), an SSE stream, or a dropped connection. */
export type Answer =
  | { readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly text: string }
  | { readonly sse: readonly { event?: string; data: unknown }[] }
  | { readonly drop: true };

export interface PlayServer {
  readonly baseURL: string;
  /** Requests seen, as "METHOD /path". */
  readonly requests: string[];
  /** Queues answers for a route ("POST /responses", "GET /responses/resp_1"); the last one repeats. */
  script(route: string, ...answers: Answer[]): void;
  close(): Promise<void>;
}

export async function playServer(): Promise<PlayServer> {
  const queues = new Map<string, Answer[]>();
  const requests: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = `${req.method} ${(req.url ?? '').split('?')[0]?.replace(/^\/v1/, '')}`;
    requests.push(route);
    req.resume();
    req.on('end', () => {
      const queue = queues.get(route);
      const answer = queue && (queue.length > 1 ? queue.shift() : queue[0]);
      if (answer === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no script for ${route}` } }));
      } else if ('drop' in answer) {
        res.socket?.destroy();
      } else if ('text' in answer) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(answer.text);
      } else if ('sse' in answer) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of answer.sse) res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
        res.end();
      } else {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script(route, ...answers) {
      queues.set(route, [...answers]);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A Responses API object. */
export function response(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'resp_1', object: 'response', created_at: 0, status, model: 'gpt-test', output: [], error: null, incomplete_details: null, ...extra };
}
