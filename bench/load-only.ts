/** `npx tsx bench/load-only.ts [label-substring [policy...]]`: only the real-time load matrix, printed (not written). */
import { loadRows } from './load-rows.ts';
import { formatTable } from './framework.ts';
const rows = await loadRows.run(false, process.argv[2], process.argv.slice(3));
console.log(formatTable(rows));
