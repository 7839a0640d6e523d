/**
 * report() directly, with an error handler: log delivery failures and keep going, but stop
 * after five in a row. Ends after three intervals by aborting, which sends the partial interval.
 *
 *   node dist/examples/report-with-handler.js
 */
import { report } from 'hmetrics';

const controller = new AbortController();
let failuresInARow = 0;

const done = report(controller.signal, process.env['HEROKU_METRICS_URL'] ?? 'log:', (err) => {
  failuresInARow++;
  console.error(`metrics delivery failed (${failuresInARow} in a row): ${err.message}`);
  // Returning an Error stops the loop; report() then rejects with it.
  return failuresInARow >= 5 ? new Error('metrics endpoint unreachable, giving up', { cause: err }) : undefined;
}, { interval: 1_000 });

setTimeout(() => controller.abort(), 3_500);
await done;
console.log('report() resolved after the final delivery');
// Prints (with no HEROKU_METRICS_URL the `log:` sink writes one l2met line per interval):
// count#node.gc.collections=0 count#node.gc.pause.ns=0 … sample#node.eventloop.delay.ms.max=0.19 …
// (three more lines)
// report() resolved after the final delivery
