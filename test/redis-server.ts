/**
 * A real redis-server for tests and the bench: started on a free port bound to 127.0.0.1 (a port
 * from listen(0), another on EADDRINUSE), without persistence, ready once it answers PING; stopped
 * by pid. `kill` and `start` again on the same port simulate an outage and a restart that comes
 * back empty (no keys, no scripts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export class RedisServer {
  #child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  /** Starts a server on a free port (trying another when the port is taken meanwhile). */
  static async start(): Promise<RedisServer> {
    let last: unknown;
    for (let tries = 0; tries < 5; tries++) {
      const server = new RedisServer(await freePort());
      try {
        await server.start();
        return server;
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  /** (Re)starts the server on its port; resolves once it answers PING. */
  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d) => (output += String(d)));
    child.stderr?.on('data', (d) => (output += String(d)));
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-300)}`))));
    const spawned = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`cannot start redis-server (apt-get install redis-server): ${e.message}`))));
    const ready = (async () => {
      for (let i = 0; i < 200; i++) {
        if (await ping(this.port)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`redis-server on ${this.port} did not answer PING in 5 s`);
    })();
    try {
      await Promise.race([ready, exited, spawned]);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    child.removeAllListeners('exit');
    this.#child = child;
  }

  /** Stops the server by pid (SIGKILL: nothing is saved), resolving once it has exited. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
}
