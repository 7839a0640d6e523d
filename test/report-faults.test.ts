import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Aggregator, report } from 'hmetrics';
import { HerokuEndpoint, type Responder } from './helpers/heroku-endpoint.js';
import { freePort } from './helpers/ports.js';
import { until } from './helpers/wait.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
before(() => process.on('unhandledRejection', onUnhandled));
after(() => { process.off('unhandledRejection', onUnhandled); });

/**
 * Runs a report loop against `endpoint` while a producer counts work every few ms, until
 * `payloadsWanted` payloads were accepted; then aborts (final delivery) and returns what was
 * counted and the errors the handler saw.
 */
async function countThrough(endpoint: HerokuEndpoint, url: string, payloadsWanted: number, beforeRecovery?: () => Promise<void>) {
  const aggregator = new Aggregator();
  let counted = 0;
  const producer = setInterval(() => { aggregator.count('work.done', 1); counted++; }, 2);
  const errors: Error[] = [];
  const controller = new AbortController();
  const done = report(controller.signal, url, (err) => { errors.push(err); }, { runtime: false, interval: 40, timeout: 100, aggregator });
  if (beforeRecovery) await beforeRecovery();
  await endpoint.waitForPayloads(payloadsWanted);
  clearInterval(producer);
  controller.abort();
  await done;
  return { counted, errors };
}

test('500, 429, hang, dropped connection and a garbage answer for several intervals, then recovery: every count arrives', async () => {
  const endpoint = await HerokuEndpoint.start();
  const script: Responder = (n) => {
    if (n < 2) return { status: 500, body: 'boom' };
    if (n < 4) return { status: 429, headers: { 'Retry-After': '1' } };
    if (n < 6) return { status: 200, hang: true };
    if (n < 8) return { status: 200, destroy: true };
    if (n < 10) return { status: 200, garbage: true };
    return { status: 204 };
  };
  endpoint.respond = script;
  const { counted, errors } = await countThrough(endpoint, endpoint.url(), 3);
  await endpoint.close();
  assert.ok(counted > 0);
  assert.equal(endpoint.counterTotal('work.done'), counted, 'what was counted during the outage arrives after recovery');
  assert.equal(endpoint.counterTotal('hmetrics.delivery.failures'), errors.length, 'the outage itself is reported');
  const messages = errors.map((e) => e.message).join('\n');
  assert.match(messages, /HTTP 500/);
  assert.match(messages, /HTTP 429/);
  assert.match(messages, /timed out after 100 ms/);
  assert.match(messages, /connection closed before the response/);
  assert.match(messages, /malformed status line/);
  assert.ok(errors.length >= 10, `each failed delivery reaches the handler (saw ${errors.length})`);
  assert.deepEqual(unhandled, []);
});

test('a refusing endpoint that later comes up gets everything counted meanwhile', async () => {
  // A port nothing listens on (connections are refused), opened mid-run.
  const port = await freePort();

  let endpoint: HerokuEndpoint | undefined;
  const holder = { errors: [] as Error[] };
  const aggregator = new Aggregator();
  let counted = 0;
  const producer = setInterval(() => { aggregator.count('work.done', 1); counted++; }, 2);
  const controller = new AbortController();
  const done = report(controller.signal, `http://127.0.0.1:${port}/m`, (err) => { holder.errors.push(err); }, { runtime: false, interval: 40, timeout: 200, aggregator });
  await until(() => holder.errors.length >= 3, 10_000, 'three refused deliveries');
  endpoint = await HerokuEndpoint.listenOn(port);
  await endpoint.waitForPayloads(2);
  clearInterval(producer);
  controller.abort();
  await done;
  await endpoint.close();
  assert.match(holder.errors[0]!.message, /ECONNREFUSED/);
  assert.equal(endpoint.counterTotal('work.done'), counted);
  assert.deepEqual(unhandled, []);
});

test('200 deliveries reuse one keep-alive connection and leave no growth in open sockets', async () => {
  const endpoint = await HerokuEndpoint.start();
  const aggregator = new Aggregator();
  const controller = new AbortController();
  const socketsBefore = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const errors: Error[] = [];
  const done = report(controller.signal, endpoint.url(), (err) => { errors.push(err); }, { runtime: false, interval: 1, timeout: 5_000, aggregator });
  let peak = 0;
  await until(() => {
    peak = Math.max(peak, process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length);
    return endpoint.payloads.length >= 200;
  }, 30_000, '200 deliveries');
  controller.abort();
  await done;
  await endpoint.close();
  assert.deepEqual(errors.map((e) => e.message), []);
  assert.ok(endpoint.connections <= 2, `connections opened: ${endpoint.connections}`);
  // Client and server ends of one connection at most, beyond what the test process already had.
  assert.ok(peak - socketsBefore <= 2, `peak open sockets grew by ${peak - socketsBefore}`);
});

test('no credential of the endpoint appears in any error, cause or stack', async () => {
  const endpoint = await HerokuEndpoint.start();
  endpoint.respond = (n) => (n % 2 === 0 ? { status: 500 } : { status: 200, hang: true });
  const errors: Error[] = [];
  const controller = new AbortController();
  const url = `http://alice:hunter2pass@127.0.0.1:${endpoint.port}/secret-path-token?token=SECRETQUERY`;
  const done = report(controller.signal, url, (err) => { errors.push(err); }, { runtime: false, interval: 30, timeout: 80 });
  await until(() => errors.length >= 4, 10_000, 'four failures');
  controller.abort();
  await done;
  await endpoint.close();
  // Refused connections quote an address; check that path too.
  const refused: Error[] = [];
  await report(AbortSignal.abort(), `http://alice:hunter2pass@127.0.0.1:1/secret-path-token?token=SECRETQUERY`, (err) => { refused.push(err); }, { runtime: false });
  for (const err of [...errors, ...refused]) {
    const text = [err.message, err.stack, String((err.cause as Error | undefined)?.message), JSON.stringify(err)].join('\n');
    for (const secret of ['alice', 'hunter2pass', 'secret-path-token', 'SECRETQUERY']) {
      assert.ok(!text.includes(secret), `"${secret}" leaked in: ${err.message}`);
    }
  }
  assert.ok(refused.length === 1);
  // The server saw the credentials as HTTP basic auth, so they were used, not dropped.
  assert.equal(endpoint.rejected[0]!.headers.authorization, `Basic ${Buffer.from('alice:hunter2pass').toString('base64')}`);
});
