import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from './helpers/child.js';

test('the demo (npm start) runs with no outside service and prints live payloads, then the final one', async () => {
  const result = await runNode({ args: ['dist/examples/demo.js'], env: { DEMO_PAYLOADS: '2' }, limitMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.match(result.stdout, /payload 1 at/);
  assert.match(result.stdout, /payload 3 at/, 'the partial interval flushed on SIGTERM');
  assert.match(result.stdout, /node\.eventloop\.delay\.ms\.max/);
  assert.match(result.stdout, /App exited/);
});
