import { overloadRows } from './retry-rows.ts';
import { formatTable } from './framework.ts';
console.log(formatTable([...(await overloadRows.run(false))]));
