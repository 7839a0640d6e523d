/** The runtime-only OTLP loop onload runs beside a report loop. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { AlreadyStarted, isReporting, processAggregator } from '../src/index.js'; // the copy the code under test throws from
import { runtimeExportLoop } from '../src/otlp/runtime-loop.js';
import { OtlpReceiver, type ReceivedExport } from './helpers/otlp-receiver.js';
import { until } from './helpers/wait.js';

type Json = Record<string, any>;
let receiver: OtlpReceiver;
before(async () => { receiver = await OtlpReceiver.start(); });
after(() => receiver.close());
beforeEach(() => { receiver.received.length = 0; });

const names = (r: ReceivedExport): string[] => ((r.request.resourceMetrics[0] as Json)['scopeMetrics'][0].metrics as Json[]).map((m) => m['name']);

test('exports the runtime at its interval without the report lock or pushed numbers, one loop per process, and flushes on abort', async () => {
  const controller = new AbortController();
  processAggregator.count('pushed.elsewhere', 1);
  const loop = runtimeExportLoop(controller.signal, `otlp+http://127.0.0.1:${receiver.port}/v1/metrics`, null, { interval: 80 });
  assert.equal(isReporting(), false, 'the report lock stays free for the report loop');
  await assert.rejects(runtimeExportLoop(undefined, `otlp+http://127.0.0.1:${receiver.port}/v1/metrics`), AlreadyStarted);
  await until(() => receiver.received.length >= 2, 10_000, 'two exports');
  const before = receiver.received.length;
  controller.abort();
  await loop;
  assert.equal(receiver.received.length, before + 1, 'one final flush');
  const sent = new Set(receiver.received.flatMap(names));
  assert.ok(sent.has('nodejs.eventloop.utilization') && sent.has('v8js.memory.heap.used'));
  assert.ok(!sent.has('pushed.elsewhere'), 'pushed numbers stay with the report loop');
  assert.equal(processAggregator.swap().counters.get('pushed.elsewhere')?.value, 1, 'and are not drained');
});

test('an Error from the handler ends it with that error, and it can start again', async () => {
  receiver.answer({ status: 500 });
  const stop = new Error('stop here');
  const seen: Error[] = [];
  await assert.rejects(runtimeExportLoop(undefined, `otlp+http://127.0.0.1:${receiver.port}/v1/metrics`, (err) => { seen.push(err); return stop; }, { interval: 50, timeout: 200 }), (err) => err === stop);
  assert.match(seen[0]!.message, /HTTP 500/);
  const controller = new AbortController();
  const again = runtimeExportLoop(controller.signal, `otlp+http://127.0.0.1:${receiver.port}/v1/metrics`, null, { interval: 50 });
  controller.abort();
  await again;
});
