/**
 * The incoming-HTTP monitor started by onload (`HMETRICS_HTTP_SERVER=1`) and by `report()`'s
 * `httpServer` option: a request still open at SIGTERM reaches the final delivery as in flight,
 * and what was served before is delivered under the documented `http.server.*` names.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { PACKAGE_ROOT, runNode } from './helpers/child.js';

let endpoint: HerokuEndpoint;
const dir = mkdtempSync(join(PACKAGE_ROOT, 'dist', 'hmetrics-http-server-'));
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); rmSync(dir, { recursive: true, force: true }); });

const APP = `import { createServer } from 'node:http';
const server = createServer((req, res) => {
  if (req.url === '/hang') { console.log('open'); return; }
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

function get(port: number, path: string): http.ClientRequest {
  const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => res.resume());
  req.on('error', () => {});
  return req;
}

test('onload: a request still open at SIGTERM is delivered as in flight in the final payload; served ones are counted', async () => {
  const app = join(dir, 'app.mjs');
  writeFileSync(app, APP);
  let port = 0;
  const result = await runNode({
    args: ['--import', 'hmetrics/onload', app],
    env: { HMETRICS_URL: endpoint.url('/sigterm'), HMETRICS_HTTP_SERVER: '1' },
    onStdout: (text, child) => {
      const found = /port (\d+)/.exec(text);
      if (found) {
        port = Number(found[1]);
        const served = get(port, '/ok');
        served.on('close', () => get(port, '/hang'));
      }
      if (text.includes('open')) child.kill('SIGTERM');
    },
  });
  assert.equal(result.signal, 'SIGTERM', `the process still ends by its signal: ${result.stderr}`);
  const payloads = endpoint.payloads.filter((p) => p.path === '/sigterm');
  assert.equal(payloads.length, 1, 'one final delivery');
  const { counters, gauges } = payloads[0]!.body;
  assert.equal(gauges['http.server.active_requests'], 1, 'the open request is in flight, not lost');
  assert.equal(counters['http.server.requests.method_GET.route_unmatched.status_code_2xx'], 1, 'the served request is counted');
  assert.equal(counters['http.server.request.duration.ms.method_GET.route_unmatched.status_code_2xx.count'], 1);
});

test('report({ httpServer: true }) counts while the loop runs and turns the monitor off when it ends', async () => {
  const app = join(dir, 'report.mjs');
  writeFileSync(app, `import { createServer, get } from 'node:http';
import { report, isHttpServerMonitorEnabled } from 'hmetrics';
const controller = new AbortController();
const done = report(controller.signal, process.env.URL, null, { interval: 60000, runtime: false, httpServer: { statusCodes: true } });
const server = createServer((req, res) => { res.statusCode = 404; res.end('no'); });
server.listen(0, '127.0.0.1', () => {
  get('http://127.0.0.1:' + server.address().port + '/x', (res) => {
    res.resume();
    res.on('end', () => setImmediate(() => { server.close(); controller.abort(); }));
  });
});
await done;
console.log('enabled after: ' + isHttpServerMonitorEnabled());
`);
  const result = await runNode({ args: [app], env: { URL: endpoint.url('/option') } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'enabled after: false\n');
  const payload = endpoint.payloads.find((p) => p.path === '/option');
  assert.equal(payload?.body.counters['http.server.requests.method_GET.route_unmatched.status_code_404'], 1);
});
