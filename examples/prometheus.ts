/**
 * Prometheus, both ways: hmetrics' own endpoint (`servePrometheus`), and the exposition mounted
 * on the app's own route (`prometheusExposition`, here on node:http; with Express it is
 * `app.get('/metrics', async (req, res) => { const { contentType, body } = await
 * prometheusExposition(req.headers.accept); res.type(contentType).send(body); })`).
 *
 *   node dist/examples/prometheus.js
 */
import { createServer } from 'node:http';
import { increment, processAggregator, prometheusExposition, servePrometheus, stopPrometheus } from 'hmetrics';

// 1. Its own small server: GET /metrics, unref'd. In production: { port: 9464 } (every interface).
const endpoint = await servePrometheus({ port: 0, host: '127.0.0.1' });

// 2. The app's own route, content type negotiated from the scraper's Accept header.
const app = createServer((req, res) => {
  if (req.url !== '/internal/metrics') return void res.writeHead(404).end();
  prometheusExposition(req.headers.accept).then(({ contentType, body }) => {
    res.writeHead(200, { 'Content-Type': contentType }).end(body);
  }, () => res.writeHead(500).end());
});
await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));

// Numbers the app pushes appear too: the buffer API, statsd, the aggregator itself.
increment('signups');
processAggregator.timing('checkout.latency.ms', 42, ['region:eu']);

const own = await (await fetch(`http://127.0.0.1:${endpoint.address()!.port}/metrics`)).text();
const mounted = await fetch(`http://127.0.0.1:${(app.address() as { port: number }).port}/internal/metrics`, {
  headers: { Accept: 'application/openmetrics-text; version=1.0.0' },
});
const body = await mounted.text();
console.log(own.split('\n').filter((line) => /^(signups_total|checkout_latency_seconds_count|process_cpu_seconds_total) /.test(line.replace(/\{.*\}/, ''))).map((line) => line.replace(/ .*/, ' …')).join('\n'));
console.log(mounted.headers.get('content-type'));
console.log(body.trimEnd().split('\n').at(-1));

await endpoint.close();
app.close();
stopPrometheus();
// Prints:
// process_cpu_seconds_total …
// checkout_latency_seconds_count{region="eu"} …
// signups_total …
// application/openmetrics-text; version=1.0.0; charset=utf-8
// # EOF
