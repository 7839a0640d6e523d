import assert from 'node:assert/strict';
import { test } from 'node:test';
import { report, Aggregator } from 'hmetrics';
import { MAX_BODY, startReceiver } from '../src/cli/receive.js';
import { runNode } from './helpers/child.js';
import { httpRequest } from './helpers/http.js';

test('the receiver prints each payload as a table of counters and gauges', async () => {
  const printed: string[] = [];
  const receiver = await startReceiver({ write: (text) => printed.push(text) });
  const agg = new Aggregator();
  agg.count('node.gc.collections', 12);
  agg.gauge('node.eventloop.delay.ms.p99', 1.25);
  await report(AbortSignal.abort(), receiver.url, null, { runtime: false, aggregator: agg });
  await receiver.close();
  assert.equal(printed.length, 1);
  assert.match(printed[0]!, /── payload 1 at \d\d:\d\d:\d\d\.\d{3}/);
  assert.match(printed[0]!, /counters\s+gauges/);
  assert.match(printed[0]!, /node\.gc\.collections\s+12\s+node\.eventloop\.delay\.ms\.p99\s+1\.25/);
});

test('a body that is not JSON, or JSON of the wrong shape, gets 400 with a one-line reason and is not kept', async () => {
  const printed: string[] = [];
  const receiver = await startReceiver({ write: (text) => printed.push(text) });
  const cases: Array<[string, RegExp]> = [
    ['{not json', /^body is not JSON \(.+\)$/],
    ['42', /^expected a JSON object with "counters" and "gauges", got number 42$/],
    ['[1,2]', /^expected a JSON object .*, got an array$/],
    ['{"other":1}', /^expected "counters" or "gauges" in the payload, found neither$/],
    ['{"counters":[1]}', /^expected "counters" to be an object of numbers, got an array$/],
    ['{"gauges":{"a.b":"12"}}', /^expected "gauges\.a\.b" to be a finite number, got a string$/],
    ['{"counters":{"a":null}}', /^expected "counters\.a" to be a finite number, got null$/],
    [`{"gauges":{"${'x'.repeat(500)}\\n":true}}`, /^expected "gauges\.x{60}…" to be a finite number, got boolean true$/],
  ];
  for (const [body, reason] of cases) {
    const answer = await httpRequest(receiver.url, { body });
    assert.equal(answer.status, 400, body);
    assert.equal(answer.body.split('\n').length, 2, 'one line and its newline');
    assert.match(answer.body.trimEnd(), reason);
  }
  assert.equal((await httpRequest(receiver.url, { body: '{"counters":{"a":1},"gauges":{}}' })).status, 200);
  const history = JSON.parse((await httpRequest(`${receiver.url}history.json`, { method: 'GET' })).body);
  await receiver.close();
  assert.equal(history.apps.default.payloads.length, 1, 'refused bodies never reach the page');
  assert.equal(printed.filter((text) => text.startsWith('── refused a payload: ')).length, cases.length);
  assert.match(printed.at(-1)!, /a\s+1/);
});

test('a body over the limit gets 413, declared (10 MB Content-Length) or streamed (chunked), and the receiver keeps working', async () => {
  const receiver = await startReceiver({ write: () => {} });
  const tenMegabytes = Buffer.alloc(10 * 1024 * 1024, 0x20);
  const declared = await httpRequest(receiver.url, { body: tenMegabytes });
  assert.equal(declared.status, 413);
  assert.match(declared.body, new RegExp(`larger than ${MAX_BODY} bytes`));
  const streamed = await httpRequest(receiver.url, { chunks: Array.from({ length: 10 }, () => Buffer.alloc(1024 * 1024, 0x20)) });
  assert.equal(streamed.status, 413);
  assert.equal((await httpRequest(receiver.url, { body: '{"gauges":{"g":2}}' })).status, 200);
  assert.equal((await httpRequest(receiver.url, { method: 'PUT', body: '' })).status, 405);
  assert.equal((await httpRequest(`${receiver.url}nothing-here`, { method: 'GET' })).status, 404);
  await receiver.close();
});

test('the page and its files are served with a policy that forbids anything from the network', async () => {
  const receiver = await startReceiver({ write: () => {} });
  const page = await httpRequest(receiver.url, { method: 'GET' });
  const script = await httpRequest(`${receiver.url}page.js`, { method: 'GET' });
  const style = await httpRequest(`${receiver.url}page.css`, { method: 'GET' });
  await receiver.close();
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
  assert.match(page.body, /<script src="page\.js" defer><\/script>/);
  assert.doesNotMatch(page.body + script.body + style.body, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no URL to load anything from');
  assert.match(String(script.headers['content-type']), /^text\/javascript/);
  assert.doesNotThrow(() => new Function(script.body), 'the embedded script parses');
  assert.match(String(style.headers['content-type']), /^text\/css/);
  assert.match(style.body, /prefers-color-scheme: dark/);
});

test('each payload reaches open pages as one server-sent event, tagged with its app from ?app= or the Hmetrics-App header', async () => {
  const receiver = await startReceiver({ write: () => {}, now: () => Date.parse('2026-01-02T03:04:05.000Z') });
  const controller = new AbortController();
  const response = await fetch(`${receiver.url}events`, { signal: controller.signal });
  assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let received = '';
  const read = async (count: number): Promise<void> => {
    while ((received.match(/\n\n/g) ?? []).length < count) received += (await reader.read()).value ?? '';
  };
  await read(1);
  assert.match(received, /^retry: 1000\nevent: snapshot\ndata: \{"limits":\{"windowMs":3600000,"maxApps":16,"maxSeriesPerApp":5000,"maxValues":1000000\},"apps":\{\}\}\n\n$/);
  await httpRequest(`${receiver.url}?app=web`, { body: '{"gauges":{"g":1}}', headers: { 'Measurements-Time': '2026-01-02T03:04:00Z' } });
  await httpRequest(receiver.url, { body: '{"counters":{"c":2}}', headers: { 'Hmetrics-App': 'worker' } });
  await httpRequest(`${receiver.url}some/token`, { body: '{"counters":{"c":3}}', headers: { 'Measurements-Time': 'garbage' } });
  await read(4);
  controller.abort();
  await receiver.close();
  const events = received.split('\n\n').slice(1, 4).map((frame) => {
    const [event, data] = frame.split('\n');
    return { event, data: JSON.parse(data!.slice('data: '.length)) };
  });
  assert.deepEqual(events.map((e) => e.event), ['event: payload', 'event: payload', 'event: payload']);
  assert.deepEqual(events.map((e) => [e.data.app, e.data.time]), [
    ['web', Date.parse('2026-01-02T03:04:00Z')],
    ['worker', Date.parse('2026-01-02T03:04:05.000Z')],
    ['default', Date.parse('2026-01-02T03:04:05.000Z')],
  ]);
  assert.deepEqual(events[0]!.data.gauges, { g: 1 });
  assert.deepEqual(events[1]!.data.counters, { c: 2 });
});

test('--json format prints one JSON object per payload, for jq, and refusals go to the other stream', async () => {
  const lines: string[] = [];
  const warnings: string[] = [];
  const receiver = await startReceiver({ format: 'json', write: (text) => lines.push(text), warn: (text) => warnings.push(text) });
  await httpRequest(`${receiver.url}?app=api`, { body: '{"counters":{"node.gc.collections":3},"gauges":{"node.eventloop.delay.ms.p99":1.5}}', headers: { 'Measurements-Time': new Date().toISOString() } });
  await httpRequest(receiver.url, { body: 'nope' });
  await receiver.close();
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.endsWith('}\n') && !lines[0]!.slice(0, -1).includes('\n'), 'exactly one line');
  const parsed = JSON.parse(lines[0]!);
  assert.deepEqual(Object.keys(parsed), ['time', 'app', 'counters', 'gauges']);
  assert.match(parsed.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(parsed.app, 'api');
  assert.deepEqual(parsed.counters, { 'node.gc.collections': 3 });
  assert.deepEqual(parsed.gauges, { 'node.eventloop.delay.ms.p99': 1.5 });
  assert.match(warnings.join(''), /refused a payload: body is not JSON/);
});

test('`hmetrics receive --json` keeps stdout to JSON lines: what an app preloaded with onload sends, parsed line by line', async () => {
  // Port 0: the receiver picks a free port and says which on stderr (JSON mode keeps stdout to payloads).
  let app: Promise<unknown> | undefined;
  let url = '';
  const receiving = runNode({
    args: ['dist/src/cli/main.js', 'receive', '--port', '0', '--json'],
    onStderr: (text) => {
      const found = /listening on (\S+)/.exec(text)?.[1];
      if (found && !app) {
        url = found;
        app = runNode({ args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 1200)'], env: { HEROKU_METRICS_URL: `${url}?app=probe`, HMETRICS_INTERVAL: '1000' } });
      }
    },
    onStdout: (text, child) => { if (text.includes('\n')) child.kill('SIGTERM'); },
  });
  const result = await receiving;
  await app;
  assert.equal(result.code, 0, result.stderr);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const lines = result.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 1);
  for (const line of lines) {
    const payload = JSON.parse(line);
    assert.equal(payload.app, 'probe');
    assert.equal(typeof payload.counters['node.gc.collections'], 'number');
    assert.equal(typeof payload.gauges['node.eventloop.usage.percent'], 'number');
  }
});

test('`hmetrics receive` prints what an app preloaded with onload sends and the page URL, and stops on SIGTERM', async () => {
  let app: Promise<unknown> | undefined;
  const result = await runNode({
    args: ['dist/src/cli/main.js', 'receive', '--port', '0'],
    onStdout: (text, child) => {
      const url = /listening on (\S+)/.exec(text)?.[1];
      if (url) {
        app = runNode({ args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 1200)'], env: { HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '1000' } });
      }
      if (text.includes('payload 1')) child.kill('SIGTERM');
    },
  });
  await app;
  assert.equal(result.code, 0);
  assert.match(result.stdout, /live charts: {2}open http:\/\/127\.0\.0\.1:\d+\/ in a browser/);
  assert.match(result.stdout, /node\.gc\.collections/);
  assert.match(result.stdout, /node\.eventloop\.usage\.percent/);
});
