/**
 * The one error for a command's input or environment rather than its content (a path that does
 * not exist, a file that cannot be read or written, a registry that is not one): the command line
 * prints its message as one line and exits 2. Dependency-free, so the command line's entry can
 * import it without loading the pipeline.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** The one-line reason of a file-system error: `EACCES: permission denied`, without the syscall and path Node appends. */
export function ioReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return (message.split('\n')[0] ?? message).replace(/, \w+( '.*')?$/, '');
}
