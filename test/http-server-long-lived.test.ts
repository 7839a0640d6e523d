/**
 * Long-lived responses over HTTP/1.1, on the monitor's injected clock: a server-sent-event
 * stream the server ends after a second or more is counted once and not timed; a short one is
 * timed as any response (it was not slow); a long non-streaming response (long polling) stays
 * timed. The client-closed stream across an interval boundary is in http-server-monitor.test.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Aggregator } from '../src/metrics/aggregator.js';
import { HttpServerMetric } from '../src/metrics/names.js';
import { disableHttpServerMonitor, enableHttpServerMonitor } from '../src/http-server/monitor.js';
import { until } from './helpers/wait.js';

describe('long-lived responses', () => {
  const servers: http.Server[] = [];
  after(() => {
    disableHttpServerMonitor();
    for (const server of servers) server.close();
  });

  it('leaves a long event stream the server ended untimed, times a short one and a long poll', async () => {
    const aggregator = new Aggregator();
    let settled = 0;
    aggregator.addTap((kind, _key, name, _tags, value) => { if (kind === 'count' && name === HttpServerMetric.requests) settled += value as number; });
    let clock = 0;
    enableHttpServerMonitor({ aggregator, statusCodes: true, now: () => clock });
    const held: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
      if (req.url === '/poll') res.writeHead(204);
      else res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(req.url === '/poll' ? '' : 'data: 1\n\n');
      held.push(res);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const open = (path: string): Promise<void> => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    });

    for (const [path, lasting] of [['/events', 1_500], ['/events', 20], ['/poll', 1_500]] as const) {
      const done = open(path);
      await until(() => held.length === 1, 5_000, `${path} open`);
      clock += lasting;
      held.shift()!.end();
      await done;
    }
    await until(() => settled === 3, 5_000, 'three settled');
    const snapshot = aggregator.swap();
    const count = (name: string, status: number): number | undefined =>
      [...snapshot.counters.values(), ...snapshot.timers.values()].filter((s) => s.name === name && s.tags.includes(`status_code:${status}`))
        .reduce<number | undefined>((sum, s) => (sum ?? 0) + ('count' in s ? s.count : s.value), undefined);
    assert.equal(count(HttpServerMetric.requests, 200), 2, 'both streams counted once');
    const timed = [...snapshot.timers.values()].find((t) => t.name === HttpServerMetric.durationMs && t.tags.includes('status_code:200'));
    assert.equal(timed?.count, 1, 'only the short stream timed');
    assert.equal(timed?.max, 20, 'and it is the 20 ms one');
    assert.equal(count(HttpServerMetric.durationMs, 204), 1, 'a long poll is timed as any response');
    assert.equal(count(HttpServerMetric.errors, 200), undefined, 'no error');
  });
});
