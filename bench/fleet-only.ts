/** `npx tsx bench/fleet-only.ts [label-substring] [--quick]`: only the fleet-through-Redis rows, printed (not written). */
import { fleetRows } from './fleet-rows.ts';
import { formatTable } from './framework.ts';
const args = process.argv.slice(2);
const rows = await fleetRows.run(args.includes('--quick'), args.find((a) => !a.startsWith('--')));
console.log(formatTable(rows));
