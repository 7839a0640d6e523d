import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anyStop, Stop } from '../src/util/stop.js';

test('a Stop calls each listener once, in order, at its abort; not one removed, added twice or added after', () => {
  const stop = new Stop();
  const calls: string[] = [];
  const a = (): void => { calls.push('a'); };
  const b = (): void => { calls.push('b'); };
  const removed = (): void => { calls.push('removed'); };
  stop.addEventListener('abort', a);
  stop.addEventListener('abort', removed, { once: true });
  stop.addEventListener('abort', b);
  stop.addEventListener('abort', a);
  stop.removeEventListener('abort', removed);
  assert.equal(stop.aborted, false);
  assert.equal(stop.signal, stop);
  stop.abort();
  stop.abort();
  assert.equal(stop.aborted, true);
  assert.deepEqual(calls, ['a', 'b']);
  stop.addEventListener('abort', () => calls.push('late'));
  stop.abort();
  assert.deepEqual(calls, ['a', 'b'], 'a listener added after the abort is never called, as with an AbortSignal');
});

test("a Stop's listener that throws neither escapes abort() nor keeps the next listener from running", () => {
  const stop = new Stop();
  let after = false;
  stop.addEventListener('abort', () => { throw new Error('listener failed'); });
  stop.addEventListener('abort', () => { after = true; });
  assert.doesNotThrow(() => stop.abort());
  assert.equal(after, true);
});

test('anyStop aborts with the first of its signals (an AbortSignal or a Stop), at once if one has, and release() stops listening', () => {
  const controller = new AbortController();
  const own = new Stop();
  const first = anyStop([controller.signal, own]);
  assert.equal(first.stop.aborted, false);
  controller.abort();
  assert.equal(first.stop.aborted, true);
  first.release();

  const already = anyStop([new Stop(), controller.signal]);
  assert.equal(already.stop.aborted, true, 'an already aborted signal aborts it at once');

  const source = new Stop();
  const released = anyStop([source]);
  released.release();
  source.abort();
  assert.equal(released.stop.aborted, false, 'after release() the source no longer reaches it');
});
