/**
 * A supervision loop of your own: restart report() after non-fatal errors, with a pause that
 * grows (never a tight loop), and stop for good on fatal ones such as a missing or invalid
 * endpoint. This is what `hmetrics/onload` does for you.
 *
 *   HEROKU_METRICS_URL=http://127.0.0.1:9/unreachable node dist/examples/advanced-restart.js
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isFatal, report } from 'hmetrics';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
// hmetrics never keeps a process alive by itself; this timer stands in for the app's own work.
const appWork = setTimeout(() => controller.abort(), 8_000);

async function superviseMetrics(endpoint: string | undefined): Promise<void> {
  for (let attempt = 1; !controller.signal.aborted; attempt++) {
    try {
      // The handler returns the error: the loop ends and we decide what to do here.
      await report(controller.signal, endpoint, (err) => err, { interval: 1_000 });
      return; // aborted: the final delivery has been made
    } catch (err) {
      if (isFatal(err)) {
        console.error(`metrics disabled: ${(err as Error).message}`);
        return;
      }
      const pause = Math.min(attempt * 1_000, 5_000);
      console.error(`metrics: ${(err as Error).message}; retrying in ${pause} ms`);
      await sleep(pause, undefined, { signal: controller.signal }).catch(() => undefined);
    }
  }
}

await superviseMetrics(process.env['HEROKU_METRICS_URL']);
clearTimeout(appWork);
console.log('done');
// Prints, with the unreachable endpoint above:
// metrics: Delivery to http://127.0.0.1:9/… failed: ECONNREFUSED; retrying in 1000 ms
// metrics: Delivery to http://127.0.0.1:9/… failed: ECONNREFUSED; retrying in 2000 ms
// …
// done
// and with no HEROKU_METRICS_URL at all:
// metrics disabled: No metrics endpoint: HEROKU_METRICS_URL (or HMETRICS_URL) is unset or empty
// done
