/** `npx tsx bench/telemetry-only.ts [--quick]`: only the telemetry rows, printed (not written). */
import { formatTable } from './framework.ts';
import { telemetryRows } from './telemetry-rows.ts';
console.log(formatTable(await telemetryRows.run(process.argv.includes('--quick'))));
