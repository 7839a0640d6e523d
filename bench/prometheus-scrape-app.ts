/**
 * The app side of prometheus-scrape-stall.bench: serves /metrics with `argv[2]` pushed timers and
 * measures its own event loop. stdin commands: `reset` starts a window, `report` prints the
 * window's max event-loop delay (ms) and RSS (MB) as one JSON line. Not a bench of its own.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { servePrometheus } from '../src/prometheus/server.js';
import { processAggregator } from '../src/metrics/aggregator.js';

const series = Number(process.argv[2] ?? 1000);
const server = await servePrometheus({ port: 0, host: '127.0.0.1' });
for (let i = 0; i < series; i++) processAggregator.timing(`app.job${i}.ms`, i % 250);
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let rssPeak = 0;
const rssProbe = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage.rss()); }, 5);
process.stdout.write(`${JSON.stringify({ port: server.address()!.port })}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'reset') {
    delay.reset();
    rssPeak = process.memoryUsage.rss();
  } else if (line === 'report') {
    process.stdout.write(`${JSON.stringify({ maxMs: delay.max / 1e6, rssMb: rssPeak / 1048576 })}\n`);
  }
}).on('close', () => {
  clearInterval(rssProbe);
  delay.disable();
  void server.close();
});
