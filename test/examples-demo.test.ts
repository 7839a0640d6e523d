import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from './helpers/child.js';

test('the demo (npm start) runs with no outside service and prints live payloads, then the final one', async () => {
  const result = await runNode({ args: ['dist/examples/demo.js'], env: { DEMO_PAYLOADS: '2' }, limitMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.match(result.stdout, /^Live charts: open http:\/\/127\.0\.0\.1:\d+\/ in a browser/);
  assert.match(result.stdout, /payload 1 from busy-app at/);
  assert.match(result.stdout, /payload 3 from busy-app at/, 'the partial interval flushed on SIGTERM');
  assert.match(result.stdout, /demo\.batch_ms\.p95/, 'the buffer API\'s numbers travel with the sample');
  assert.match(result.stdout, /node\.eventloop\.delay\.ms\.max/);
  assert.match(result.stdout, /App exited/);
});
