import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { Alarm } from '../src/loop/alarm.js';

test('the loop\'s alarm waits its time, wakes at once on abort, and keeps one listener on the signal however many waits', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const controller = new AbortController();
  const alarm = new Alarm(controller.signal);
  for (let i = 0; i < 5; i++) {
    let woke = false;
    const waiting = alarm.wait(1_000).then(() => { woke = true; });
    t.mock.timers.tick(999);
    await Promise.resolve();
    assert.equal(woke, false, 'not before its time');
    t.mock.timers.tick(1);
    await waiting;
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'one listener, not one per wait');
  }
  let woke = false;
  const waiting = alarm.wait(60_000).then(() => { woke = true; });
  controller.abort();
  await waiting;
  assert.equal(woke, true, 'the abort ends the wait');
  await alarm.wait(60_000); // already aborted: at once
  alarm.close();
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('closing the alarm ends a wait in progress and removes its listener', async () => {
  const controller = new AbortController();
  const alarm = new Alarm(controller.signal);
  const waiting = alarm.wait(60_000);
  alarm.close();
  await waiting;
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});
