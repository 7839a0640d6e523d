import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { createScratchPackage, runCommand, type ScratchPackage } from './helpers/scratch-package.js';

const MiB = 1024 * 1024;
// One worker with a 24 MiB old-generation limit lives 1.5 s across 500 ms intervals.
const APP = `
import { Worker, isMainThread } from 'node:worker_threads';
import { increment } from 'hmetrics/onload';
if (isMainThread) {
  new Worker(new URL(import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 24 } });
  setTimeout(() => {}, 2200);
} else {
  const keep = [];
  const timer = setInterval(() => { increment('thread.ticks'); keep.push(new Array(1000).fill(keep.length)); }, 50);
  setTimeout(() => clearInterval(timer), 1500);
}
`;

let endpoint: HerokuEndpoint;
let scratch: ScratchPackage;
before(async () => {
  endpoint = await HerokuEndpoint.start();
  scratch = createScratchPackage({ 'app.js': '', 'app.mjs': APP });
});
after(async () => {
  await endpoint.close();
  scratch.remove();
});

test('a worker thread\'s heap travels with its figures, its limit the one its resourceLimits set', async () => {
  const result = await runCommand(process.execPath, ['--import', 'hmetrics/onload', 'app.mjs'], scratch.dir, {
    HMETRICS_URL: endpoint.url('/heap'),
    HMETRICS_INTERVAL: '500',
  });
  assert.equal(result.code, 0, result.stderr);
  const gauges = endpoint.payloads.filter((p) => p.path === '/heap').map((p) => p.body.gauges);
  const withHeap = gauges.filter((g) => Object.keys(g).some((name) => name.startsWith('node.threads.heap.limit.bytes.thread_')));
  assert.ok(withHeap.length >= 1, `thread heap in ${withHeap.length} of ${gauges.length} payloads`);
  for (const g of withHeap) {
    const limitName = Object.keys(g).find((name) => name.startsWith('node.threads.heap.limit.bytes.thread_'))!;
    const limit = g[limitName]!;
    const used = g[limitName.replace('.limit.', '.used.')]!;
    // heap_size_limit = old generation (24 MiB here) + the young generation's reservation.
    assert.ok(limit >= 24 * MiB && limit <= 24 * MiB + 64 * MiB, `limit ${limit / MiB} MiB`);
    assert.ok(limit < g['node.memory.heap.limit.bytes']!, 'below the main thread\'s default');
    assert.ok(used > 0 && used < limit, `used ${used}`);
  }
});
