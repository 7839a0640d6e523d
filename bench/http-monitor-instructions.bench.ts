/**
 * What the outgoing-HTTP monitor costs per request, counted in instructions: a keep-alive
 * loopback request loop (client and a no-op server in one process, 8 in flight) run under
 * callgrind with the monitor off and on, for WARM + N requests and for WARM alone: the difference
 * is N requests in the steady state (startup, the first requests' compilation and the JIT
 * warm-up of both the request path and the monitor all subtracted; counted from 0 requests,
 * they were charged to the monitor and read +4.4 % instead of the steady state's cost).
 * A no-op loopback request is the worst case: a real request spends far more on the network,
 * TLS and the app's own work, while the monitor's cost per request stays the same.
 *
 *   npm run bench -- http-monitor-instructions      (skipped when valgrind is not installed)
 */
import { fileURLToPath } from 'node:url';
import { countInstructions, hasCallgrind } from './callgrind.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REQUESTS = 4_000;
/** Requests made before the counted ones: enough for the JIT to optimise both paths. */
const WARM = 2_000;

const script = (monitor: boolean, requests: number): string => `
import http from 'node:http';
import { enableHttpClientMonitor } from 'hmetrics';
const server = http.createServer((req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const options = { port: server.address().port, host: '127.0.0.1', agent };
const one = () => new Promise((resolve, reject) => http.get(options, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject));
if (${monitor}) enableHttpClientMonitor();
let sent = 0;
await Promise.all(Array.from({ length: 8 }, async () => { while (sent++ < ${requests}) await one(); }));
server.close();
agent.destroy();`;

if (!hasCallgrind()) {
  console.log('valgrind is not installed: skipped (apt-get install valgrind).');
  process.exit(0);
}

const run = (monitor: boolean, requests: number): Promise<number> =>
  countInstructions(['--input-type=module', '-e', script(monitor, requests)], { cwd: ROOT, env: {} });

const perRequest = async (monitor: boolean): Promise<number> => ((await run(monitor, WARM + REQUESTS)) - (await run(monitor, WARM))) / REQUESTS;
const off = await perRequest(false);
const on = await perRequest(true);

console.log(`node ${process.version} under callgrind; ${REQUESTS} keep-alive loopback requests after ${WARM} warm-up requests (startup and warm-up subtracted)\n`);
console.log('| HTTP monitor | instructions per request | ratio (off ÷ on) |');
console.log('|---|---|---|');
console.log(`| off | ${Math.round(off).toLocaleString('en-US')} | 1 |`);
console.log(`| on | ${Math.round(on).toLocaleString('en-US')} (+${Math.round(on - off).toLocaleString('en-US')}) | **${(off / on).toFixed(3)}×** |`);
console.log('\nTarget ≥ 0.98× (on a no-op loopback request, the worst case); identical runs differ by about 1 %.');
