/**
 * Reading registry files: only regular files, never more than the size cap plus one byte, and
 * every I/O failure as one line with the path and the reason (exit 2). Tests run as root, so
 * failures are injected: through the loader's fs layer, and through a mock of node:fs for the CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as realFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../scripts/pipeline/errors.ts';
import { loadRegistry, MAX_FILE_BYTES, nodeFs, type RegistryFs } from '../scripts/pipeline/load.ts';
import { main } from '../scripts/cli/main.ts';
import { thrown } from './helpers.ts';

/** What the mocked node:fs does wrong, by path; empty means it behaves. */
const inject = vi.hoisted(() => ({ readdir: new Map<string, string>(), readAfterBytes: new Map<string, { bytes: number; code: string }>() }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fail = (code: string, syscall: string, path?: string) =>
    Object.assign(new Error(`${code}: ${code === 'EIO' ? 'i/o error' : 'permission denied'}, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, path });
  const pathOfFd = new Map<number, string>();
  const readSoFar = new Map<number, number>();
  const mocked = {
    ...fs,
    readdirSync: ((path: string, ...rest: unknown[]) => {
      const code = inject.readdir.get(String(path));
      if (code !== undefined) throw fail(code, 'scandir', String(path));
      return (fs.readdirSync as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.readdirSync,
    openSync: ((path: string, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      pathOfFd.set(fd, String(path));
      readSoFar.set(fd, 0);
      return fd;
    }) as typeof fs.openSync,
    readSync: ((fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) => {
      const rule = inject.readAfterBytes.get(pathOfFd.get(fd) ?? '');
      const done = readSoFar.get(fd) ?? 0;
      if (rule !== undefined && done >= rule.bytes) throw fail(rule.code, 'read');
      const n = fs.readSync(fd, buffer, offset, rule === undefined ? length : Math.min(length, rule.bytes - done), position);
      readSoFar.set(fd, done + n);
      return n;
    }) as typeof fs.readSync,
  };
  return { ...mocked, default: mocked };
});

const dir = realFs.mkdtempSync(join(tmpdir(), 'oer-input-'));
const VALID = 'test/fixtures/golden/registry.yaml';

/** Runs the CLI in this process (so the node:fs mock applies); returns the exit code and output. */
async function cliInProcess(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => {
  inject.readdir.clear();
  inject.readAfterBytes.clear();
});

describe('only regular files are read', () => {
  it.each([
    ['/dev/zero', 'a character device'],
    ['/dev/null', 'a character device'],
  ])('%s is refused as %s, at once', (path, kind) => {
    const start = performance.now();
    const { diagnostics, files } = loadRegistry([path]);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(files.map((f) => f.value)).toEqual([undefined]);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['FILE_NOT_REGULAR', 1, 1]]);
    expect(diagnostics[0]?.message).toContain(kind);
  });

  it('a FIFO with no writer is refused without hanging', () => {
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const start = performance.now();
    const { diagnostics } = loadRegistry([fifo]);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(diagnostics.map((d) => d.code)).toEqual(['FILE_NOT_REGULAR']);
    expect(diagnostics[0]?.message).toContain('a FIFO');
  });

  it('a folder entry named *.yaml that is a folder, or a link to /dev/zero, is refused', () => {
    const folder = join(dir, 'registry');
    realFs.mkdirSync(join(folder, 'sub.yaml'), { recursive: true });
    realFs.symlinkSync('/dev/zero', join(folder, 'zero.yaml'));
    const { diagnostics } = loadRegistry([folder]);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['FILE_NOT_REGULAR', expect.stringContaining('a directory')],
      ['FILE_NOT_REGULAR', expect.stringContaining('a character device')],
    ]);
  });

  it('the CLI exits 1 for /dev/zero with a positioned diagnostic and no stack trace', () => {
    const r = spawnSync(process.execPath, ['--no-warnings', 'bin/openai-error-registry.mjs', 'validate', '--registry', '/dev/zero'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^\/dev\/zero:1:1 FILE_NOT_REGULAR /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the reader is bounded', () => {
  /** A file that claims to be empty and regular, and never ends (like /proc files, or one that grows). */
  function endless(): { fs: RegistryFs; requested: () => number } {
    let requested = 0;
    const fs: RegistryFs = {
      ...nodeFs,
      statSync: () => ({ isDirectory: () => false }),
      openSync: () => 99,
      fstatSync: () => ({ ...realFs.statSync(VALID), isFile: () => true, size: 0 }),
      readSync: (_fd, buffer, offset, length) => {
        requested += length;
        buffer.fill(0x61, offset, offset + length);
        return length;
      },
      closeSync: () => undefined,
    };
    return { fs, requested: () => requested };
  }

  it('stops one byte past the cap, whatever size the file claims', () => {
    const { fs, requested } = endless();
    const { diagnostics } = loadRegistry(['endless.yaml'], fs);
    expect(diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([['FILE_TOO_LARGE', 1, 1]]);
    expect(requested()).toBe(MAX_FILE_BYTES + 1);
  });

  it('reads a file exactly at the cap', () => {
    const path = join(dir, 'at-cap.yaml');
    realFs.writeFileSync(path, `# ${'x'.repeat(MAX_FILE_BYTES - 3)}\n`);
    expect(realFs.statSync(path).size).toBe(MAX_FILE_BYTES);
    const { diagnostics, files } = loadRegistry([path]);
    expect(diagnostics).toEqual([]);
    expect(files).toHaveLength(1);
  });
});

describe('I/O failures are one line with the path and the reason', () => {
  it('a folder that cannot be listed', () => {
    const fs: RegistryFs = {
      ...nodeFs,
      readdirSync: (p) => {
        throw Object.assign(new Error(`EACCES: permission denied, scandir '${p}'`), { code: 'EACCES' });
      },
    };
    const e = thrown(() => loadRegistry(['test/fixtures/rules'], fs));
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe('cannot read test/fixtures/rules: EACCES: permission denied');
  });

  it('a read that fails midway', () => {
    let calls = 0;
    const fs: RegistryFs = {
      ...nodeFs,
      readSync: (fd, buffer, offset, length, position) => {
        if (++calls > 1) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        return nodeFs.readSync(fd, buffer, offset, Math.min(length, 100), position);
      },
    };
    const e = thrown(() => loadRegistry([VALID], fs));
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toBe(`cannot read ${VALID}: EIO: i/o error`);
  });

  it('the CLI: an unreadable registry folder exits 2 with one line, no stack trace', async () => {
    inject.readdir.set('test/fixtures/rules', 'EACCES');
    const r = await cliInProcess('validate', '--registry', 'test/fixtures/rules');
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'openai-error-registry: cannot read test/fixtures/rules: EACCES: permission denied\n' });
  });

  it('the CLI: a read failing midway exits 2 with one line, no stack trace', async () => {
    inject.readAfterBytes.set(VALID, { bytes: 1000, code: 'EIO' });
    const r = await cliInProcess('generate', '--check', '--registry', VALID);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `openai-error-registry: cannot read ${VALID}: EIO: i/o error\n` });
  });
});
