/** `npx tsx bench/bundle-only.ts`: only the bundle rows (it builds the package first), printed (not written). */
import { formatTable } from './framework.ts';
import { bundleRows } from './package-rows.ts';
console.log(formatTable(await bundleRows.run(false)));
