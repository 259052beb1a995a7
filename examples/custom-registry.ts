/**
 * A registry overlay for a proxy: one code of its own on top of the embedded registry, through
 * createRuntime. (A whole registry of your own is a YAML file: `npx openai-error-registry generate
 * --registry my.yaml --out src/my-registry` writes TABLES and CLASSES for it.)
 *
 *   npm run example -- custom-registry
 */
import OpenAI, { RateLimitError } from 'openai';
import { CLASSES, createRuntime, TABLES, type RegistryTables } from 'openai-error-registry';
import { failureClass } from 'openai-error-registry/runtime';

/** The proxy's monthly budget for a team is spent: a 429 that no retry can fix. */
class ProxyBudgetExceededError extends failureClass(RateLimitError, 'ProxyBudgetExceededError', 429) {
  declare readonly code: 'proxy_budget_exceeded';
}

const tables: RegistryTables = {
  ...TABLES,
  codes: {
    ...TABLES.codes,
    proxy_budget_exceeded: {
      class: 'ProxyBudgetExceededError',
      category: 'quota',
      retryable: false,
      backoff: 'none',
      status: 429,
    },
  },
};
const proxy = createRuntime({ tables, classes: { ...CLASSES, ProxyBudgetExceededError } });

const client = new OpenAI({ maxRetries: 0 });
try {
  const started = await client.responses.create({ model: 'gpt-5-mini', input: 'Hello', background: true });
  const response = await proxy.waitForResponse(client, started.id);
  console.log(response.output_text);
} catch (e) {
  if (!(e instanceof ProxyBudgetExceededError)) throw e;
  console.log(`${e.name} (${e.code}): ${e.category}, retryable: ${proxy.isRetryable(e)}; also a RateLimitError: ${e instanceof RateLimitError}`);
  process.exitCode = 1;
}
