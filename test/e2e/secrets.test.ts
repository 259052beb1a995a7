import { VERSION } from 'openai/version';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_CASES, leaks, renderings, runSecretCase, SECRETS } from './secret-cases.ts';
import { playServer, type PlayServer } from './server.ts';

let server: PlayServer;
beforeAll(async () => {
  server = await playServer();
});
afterAll(() => server.close());

describe(`openai ${VERSION}: a key, an organization and a project never appear in what the package hands back`, () => {
  it('the leak check finds each secret in every channel when it is there', () => {
    const plain = new Error(`quoting ${SECRETS.key} ${SECRETS.organization} ${SECRETS.project}`);
    expect(leaks(renderings(plain))).toEqual(expect.arrayContaining(['message', 'template', 'stack', 'util.inspect', 'console %o', 'console %s', 'console']));
    for (const secret of Object.values(SECRETS)) expect(leaks({ text: `… ${secret.slice(-16)} …` })).toEqual(['text']);
  });

  it.each(SECRET_CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const { renders, leaked } = await runSecretCase(server, c);
    expect(renders).toBeGreaterThan(0);
    expect(leaked).toEqual([]);
  });
});
