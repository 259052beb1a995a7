/** Where a command's output goes, and the one way a usage or input problem is reported. */

/** Where a command's output goes: text, or one JSON document. */
export interface Output {
  readonly json: boolean;
  out(text: string): void;
  err(text: string): void;
}

/** Standard output and standard error; every text ends with a newline. */
export const processOutput = (json: boolean): Output => ({
  json,
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
});

/** Reports a usage or input problem in one line (or one JSON document) and returns exit code 2. */
export function fail(o: Output, message: string): 2 {
  const line = message.split('\n')[0] ?? message;
  if (o.json) o.out(JSON.stringify({ ok: false, error: line }));
  else o.err(`openai-error-registry: ${line}`);
  return 2;
}
