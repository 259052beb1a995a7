import { VERSION } from 'openai/version';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FAULT_SCENARIOS, runFaultScenario } from './fault-scenarios.ts';
import { playServer, type PlayServer } from './server.ts';

let server: PlayServer;
beforeAll(async () => {
  server = await playServer();
});
afterAll(() => server.close());

describe(`openai ${VERSION}: fault scenarios against a misbehaving server`, () => {
  it.each(FAULT_SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_, scenario) => {
    await runFaultScenario(server, scenario);
  });
});
