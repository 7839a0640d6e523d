import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { processAggregator, servePrometheus, stopPrometheus } from 'hmetrics';
import { exporter } from '../src/prometheus/exporter.js';
import { FamilyList } from '../src/prometheus/family.js';
import { render, renderYielding } from '../src/prometheus/format.js';
import { runNode } from './helpers/child.js';
import { parseExposition } from './helpers/exposition.js';

after(() => stopPrometheus());

function scrape(port: number, accept?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = accept === undefined ? {} : { Accept: accept };
    const req = request({ host: '127.0.0.1', port, path: '/metrics', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('concurrent scrapes share one render per format, and every answer is the same valid exposition', async () => {
  const server = await servePrometheus({ port: 0, host: '127.0.0.1' });
  const port = server.address()!.port;
  for (let i = 0; i < 50; i++) processAggregator.timing(`citizen.job${i}.ms`, i);
  await scrape(port);
  // Count reads of the figures, and hold each one open long enough that every request arrives during it.
  const instance = exporter();
  const original = instance.allFamilies.bind(instance);
  let reads = 0;
  instance.allFamilies = async () => {
    reads++;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return original();
  };
  try {
    const openMetrics = 'application/openmetrics-text;version=1.0.0';
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => scrape(port, i % 2 === 0 ? undefined : openMetrics)));
    assert.equal(reads, 2, 'one render for the 20 text scrapes, one for the 20 OpenMetrics scrapes');
    const text = answers.filter((_, i) => i % 2 === 0);
    const om = answers.filter((_, i) => i % 2 === 1);
    assert.ok(answers.every((a) => a.status === 200));
    assert.equal(new Set(text.map((a) => a.body)).size, 1);
    assert.equal(new Set(om.map((a) => a.body)).size, 1);
    assert.ok(om[0]!.body.endsWith('# EOF\n'));
    assert.doesNotMatch(text[0]!.body, /# EOF/);
    for (const body of [text[0]!.body, om[0]!.body]) {
      const parsed = parseExposition(body);
      assert.equal(parsed.samples.filter((s) => s.name === 'citizen_job7_ms_count' || s.name === 'citizen_job7_seconds_count').length, 1, body.slice(0, 300));
    }
    // The next scrape after the shared one renders afresh.
    await scrape(port);
    assert.equal(reads, 3);
  } finally {
    instance.allFamilies = original;
    await server.close();
  }
});

test('regression: a burst of scrapes shares one render even when the render is instant (100 × 1 000 timers rendered 100 times)', async () => {
  const server = await servePrometheus({ port: 0, host: '127.0.0.1' });
  const port = server.address()!.port;
  const instance = exporter();
  const original = instance.allFamilies.bind(instance);
  let reads = 0;
  instance.allFamilies = () => { reads++; return original(); };
  const sockets: Socket[] = [];
  try {
    // Thirty connections, all open first; then every request written in one synchronous loop, so
    // they all reach the server in one poll phase. No delay in the read: before, each render
    // finished before the next request was parsed.
    for (let i = 0; i < 30; i++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      sockets.push(socket);
    }
    const answers = sockets.map((socket) => new Promise<string>((resolve) => {
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; if (text.includes('\r\n\r\n') && /# TYPE/.test(text)) resolve(text); });
    }));
    for (const socket of sockets) socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const texts = await Promise.all(answers);
    assert.ok(texts.every((text) => text.startsWith('HTTP/1.1 200')));
    assert.equal(reads, 1, 'one read of the figures for the whole burst');
  } finally {
    for (const socket of sockets) socket.destroy();
    instance.allFamilies = original;
    await server.close();
  }
});

test('reading a large pushed store yields to the event loop, to the same families', async () => {
  const { PushedSeries } = await import('../src/prometheus/pushed.js');
  const { Aggregator } = await import('../src/metrics/aggregator.js');
  const aggregator = new Aggregator();
  const store = new PushedSeries();
  store.attach(aggregator);
  for (let i = 0; i < 5_000; i++) aggregator.timing(`yield.t${i}`, i % 97);
  let turns = 0;
  let stop = false;
  const spin = (): void => { if (!stop) { turns++; setImmediate(spin); } };
  setImmediate(spin);
  const sliced = new FamilyList();
  await store.collectYielding(sliced, 0);
  stop = true;
  const whole = new FamilyList();
  store.collect(whole);
  store.detach();
  assert.ok(turns > 5, `the loop ran ${turns} times during the read`);
  assert.equal(render(sliced.families, 'openmetrics'), render(whole.families, 'openmetrics'));
});

test('a large exposition renders in slices, letting the event loop run between them, to the same text', async () => {
  const list = new FamilyList();
  for (let i = 0; i < 20_000; i++) list.counter(`slice_${i}`, 'help "quoted" \\ text', i, `k="${i}"`);
  let turns = 0;
  let stop = false;
  const spin = (): void => { if (!stop) { turns++; setImmediate(spin); } };
  setImmediate(spin);
  const body = await renderYielding(list.families, 'openmetrics', 0);
  stop = true;
  assert.ok(turns > 5, `the loop ran ${turns} times during the render`);
  assert.equal(body.toString('utf8'), render(list.families, 'openmetrics'));
  assert.equal((await renderYielding(list.families, 'text')).toString('utf8'), render(list.families, 'text'));
});

test('the endpoint never holds the app at natural exit: keep-alive scrape, idle connection, half-sent request', async () => {
  const sockets: Socket[] = [];
  const agent = new Agent({ keepAlive: true });
  let releasedAt = 0;
  const result = await runNode({
    args: ['--input-type=module', '-e', `
      import { servePrometheus } from 'hmetrics';
      const server = await servePrometheus({ port: 0, host: '127.0.0.1' });
      console.log('port ' + server.address().port);
      process.stdin.resume(); process.stdin.on('end', () => process.stdin.pause());`],
    limitMs: 4_000,
    onSpawn: (write) => {
      void (async () => {
        // Wait for the port line (onStdout below fills portSeen).
        while (portSeen === 0) await new Promise((resolve) => setTimeout(resolve, 20));
        // A keep-alive scrape: the answer arrives and the connection stays open in the agent.
        await new Promise<void>((resolve, reject) => {
          request({ host: '127.0.0.1', port: portSeen, path: '/metrics', agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end();
        });
        const idle = connect(portSeen, '127.0.0.1');
        const half = connect(portSeen, '127.0.0.1', () => half.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'));
        for (const socket of [idle, half]) { socket.on('error', () => undefined); sockets.push(socket); }
        await new Promise((resolve) => setTimeout(resolve, 200));
        releasedAt = Date.now();
        write('');
      })();
    },
    onStdout: (text) => {
      const match = /port (\d+)/.exec(text);
      if (match) portSeen = Number(match[1]);
    },
  });
  const exitedAt = Date.now();
  agent.destroy();
  for (const socket of sockets) socket.destroy();
  assert.equal(result.killedByTest, false, `the app was still running ${exitedAt - releasedAt} ms after it was done`);
  assert.equal(result.code, 0, result.stderr);
});
let portSeen = 0;
