/** `ingest`: not built yet (this commit adds diff). */
import type { Output } from './main.ts';
import { InputError } from './registry-input.ts';

export async function runIngest(_o: Output, _inputs: readonly string[]): Promise<number> {
  throw new InputError('ingest is not built yet');
}
