/** `sync`: not built yet (this commit adds diff). */
import type { Output } from './main.ts';
import { InputError } from './registry-input.ts';

export async function runSync(_o: Output, _options: { registry?: string[] | undefined; python?: string | undefined; sdk?: string | undefined }): Promise<number> {
  throw new InputError('sync is not built yet');
}
