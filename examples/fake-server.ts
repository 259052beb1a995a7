/**
 * Runs one example against a local fake of the OpenAI API, so it needs no key and no network:
 *
 *   npm run example                      # background-retry
 *   npm run example -- streaming         # or resume, batches, custom-registry, logging
 *
 * It starts the scriptable server the end-to-end tests use, scripts the answers the example
 * meets, points the openai client at it (OPENAI_BASE_URL) and imports the example.
 */
import { playServer, response, type Answer, type PlayServer } from '../test/e2e/server.ts';

const failed = (code: string, message: string): Answer => ({ body: response('failed', { error: { code, message } }) });

/** The answers each example meets. */
const SCRIPTS: Readonly<Record<string, (server: PlayServer) => void>> = {
  'background-retry': (s) => {
    s.script('POST /responses', { body: response('queued', { background: true }) });
    s.script(
      'GET /responses/resp_1',
      { body: response('in_progress'), headers: { 'openai-poll-after-ms': '100' } },
      failed('server_error', 'The server had an error while processing your request. Sorry about that!'),
    );
  },
  streaming: (s) => {
    const partial = { type: 'message', id: 'msg_1', status: 'incomplete', role: 'assistant', content: [{ type: 'output_text', text: 'One, two', annotations: [] }] };
    const failedResponse = response('failed', { output: [partial], error: { code: 'server_error', message: 'The server had an error while processing your request.' } });
    s.script('POST /responses', {
      sse: [
        { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: response('in_progress') } },
        { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'One, two', logprobs: [] } },
        { event: 'response.failed', data: { type: 'response.failed', sequence_number: 2, response: failedResponse } },
      ],
    });
  },
  resume: (s) => {
    const delta = (n: number, text: string) => ({ event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: n, item_id: 'msg_1', output_index: 0, content_index: 0, delta: text, logprobs: [] } });
    // The first connection ends after three events, with no terminal one (a proxy cutting it);
    // the resumed one (GET /responses/resp_1?stream=true&starting_after=2) carries the rest.
    s.script('POST /responses', { sse: [{ event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: response('queued', { background: true }) } }, delta(1, 'One, two'), delta(2, ', three')] });
    s.script('GET /responses/resp_1', { sse: [delta(3, ', four'), delta(4, ', five.'), { event: 'response.completed', data: { type: 'response.completed', sequence_number: 5, response: response('completed') } }] });
  },
  batches: (s) => {
    s.script('GET /batches/batch_1', { body: { id: 'batch_1', object: 'batch', status: 'completed', endpoint: '/v1/responses', output_file_id: 'file-out', error_file_id: 'file-err' } });
    s.script('GET /files/file-out/content', {
      text: [
        { id: 'r1', custom_id: 'line-1', response: { status_code: 200, body: { id: 'resp_a', object: 'response', status: 'completed' } }, error: null },
        { id: 'r2', custom_id: 'line-2', response: { status_code: 429, body: { error: { code: 'rate_limit_exceeded', type: 'tokens', message: 'Rate limit reached. Please try again in 20s.' } } }, error: null },
        { id: 'r3', custom_id: 'line-3', response: { status_code: 400, body: { error: { code: 'context_length_exceeded', type: 'invalid_request_error', message: 'Input too long.' } } }, error: null },
      ].map((l) => JSON.stringify(l)).join('\n'),
    });
    s.script('GET /files/file-err/content', {
      text: `${JSON.stringify({ id: 'r4', custom_id: 'line-4', response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } })}\n`,
    });
  },
  'custom-registry': (s) => {
    s.script('POST /responses', { body: response('queued', { background: true }) });
    s.script('GET /responses/resp_1', failed('proxy_budget_exceeded', "Team 'search' spent its monthly budget."));
  },
  logging: (s) => {
    s.script('GET /responses/resp_1', failed('rate_limit_exceeded', 'Rate limit reached for gpt-5-mini in organization org-AbCdEf123456 on tokens per min. Please try again in 1.5s.'));
  },
};

const name = process.argv[2] ?? 'background-retry';
const setUp = SCRIPTS[name];
if (setUp === undefined) {
  console.error(`unknown example: ${name} (one of ${Object.keys(SCRIPTS).join(', ')})`);
  process.exit(2);
}
const server = await playServer();
setUp(server);
process.env['OPENAI_BASE_URL'] = server.baseURL;
process.env['OPENAI_API_KEY'] = 'fake-key';
console.log(`fake OpenAI API at ${server.baseURL}; running examples/${name}.ts`);
try {
  await import(`./${name}.ts`);
  // The examples exit 1 after a handled API failure, as a real program should; here that failure
  // is the scripted demonstration, so npm does not report it as an error. Anything unexpected
  // still throws out of the import above.
  process.exitCode = 0;
} finally {
  await server.close();
}
