/** `report()` with `otlp+http://` endpoints: nothing lost across failed exports, refusals not resent, bad input refused. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Aggregator, InvalidEndpoint, InvalidOption, isReporting, report } from 'hmetrics';
import { OtlpReceiver, type ReceivedExport } from './helpers/otlp-receiver.js';
import { until } from './helpers/wait.js';

type Json = Record<string, any>;
let receiver: OtlpReceiver;
before(async () => { receiver = await OtlpReceiver.start(); });
after(() => receiver.close());
beforeEach(() => { receiver.received.length = 0; });

function workDone(received: ReceivedExport): number {
  const metrics = (received.request.resourceMetrics[0] as Json)['scopeMetrics'][0].metrics as Json[];
  const metric = metrics.find((m) => m['name'] === 'work.done');
  return metric ? metric['sum'].dataPoints.reduce((sum: number, p: Json) => sum + p.asDouble, 0) : 0;
}

/** Counts work every 2 ms through a report loop until `wanted` requests arrived; returns what was counted and the errors. */
async function countThrough(wanted: number, temporality: 'delta' | 'cumulative') {
  const aggregator = new Aggregator();
  let counted = 0;
  const producer = setInterval(() => { aggregator.count('work.done', 1); counted++; }, 2);
  const errors: Error[] = [];
  const controller = new AbortController();
  const done = report(controller.signal, `otlp+http://127.0.0.1:${receiver.port}/v1/metrics`, (err) => { errors.push(err); },
    { runtime: false, interval: 40, timeout: 100, aggregator, otlp: { temporality } });
  await until(() => receiver.received.length >= wanted, 10_000, `${wanted} exports`);
  clearInterval(producer);
  controller.abort();
  await done;
  return { counted, errors };
}

test('delta: 503 and 500 for several intervals, then recovery: every count arrives exactly once', async () => {
  for (const status of [503, 503, 500, 502]) receiver.answer({ status });
  const { counted, errors } = await countThrough(7, 'delta');
  assert.ok(counted > 0);
  const accepted = receiver.received.slice(4).reduce((sum, r) => sum + workDone(r), 0);
  assert.equal(accepted, counted);
  assert.equal(errors.length, 4);
  assert.match(errors.map((e) => e.message).join('\n'), /HTTP 503; kept for the next interval[\s\S]*HTTP 500/);
});

test('cumulative: after an outage the total is the whole count, and the start time never moved', async () => {
  for (const status of [503, 504]) receiver.answer({ status });
  const { counted } = await countThrough(5, 'cumulative');
  const last = receiver.received.at(-1)!;
  assert.equal(workDone(last), counted);
  const starts = new Set(receiver.received.slice(2).map((r) => ((r.request.resourceMetrics[0] as Json)['scopeMetrics'][0].metrics as Json[])
    .find((m) => m['name'] === 'work.done')?.['sum'].dataPoints[0].startTimeUnixNano).values());
  starts.delete(undefined);
  assert.equal(starts.size, 1);
});

test('a 400 is reported once and its data is not sent again; what follows arrives', async () => {
  receiver.answer({ status: 400 });
  const { counted, errors } = await countThrough(4, 'delta');
  const all = receiver.received.reduce((sum, r) => sum + workDone(r), 0);
  assert.equal(all, counted, 'each count went out exactly once, the refused ones included');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /HTTP 400: the collector refused the export/);
});

test('bad endpoints and options are refused at once, and the lock is released', async () => {
  await assert.rejects(report(undefined, 'otlp+ftp://c:4318/v1/metrics'), InvalidEndpoint);
  await assert.rejects(report(undefined, 'otlp+http:///v1/metrics'), InvalidEndpoint);
  await assert.rejects(report(undefined, `otlp+http://127.0.0.1:${receiver.port}`, null, { otlp: { protocol: 'grpc' as never } }), InvalidOption);
  assert.equal(isReporting(), false);
});
