import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { InvalidOption } from '../src/index.js'; // the copy the code under test throws from
import { checkInteger, describeValue } from '../src/util/check.js';
import { bracketHost, udpFamily, unbracketHost } from '../src/util/ipv6.js';
import { sleep, withTimeout } from '../src/util/time.js';

test('checkInteger: one message shape for every bound', () => {
  assert.equal(checkInteger('interval', 5), 5);
  assert.throws(() => checkInteger('interval', 0), { name: 'InvalidOption', message: 'Expected `interval` to be a positive integer, got 0' });
  assert.throws(() => checkInteger('maxHosts', -1, { min: 0 }), { message: 'Expected `maxHosts` to be a non-negative integer, got -1' });
  assert.throws(() => checkInteger('port', 70000, { min: 0, max: 65535 }), { message: 'Expected `port` to be an integer from 0 to 65535, got 70000' });
  assert.throws(() => checkInteger('n', '5'), { message: 'Expected `n` to be a positive integer, got "5"' });
  for (const bad of [1.5, NaN, Infinity, 2 ** 53, null, undefined, [1], {}]) assert.throws(() => checkInteger('n', bad), InvalidOption);
  assert.equal(describeValue('x'.repeat(100)).length < 50, true, 'long strings are cut');
  assert.equal(describeValue(new Map()), 'Map');
});

test('IPv6 brackets: added for host:port, removed for sockets', () => {
  assert.equal(bracketHost('::1'), '[::1]');
  assert.equal(bracketHost('[::1]'), '[::1]');
  assert.equal(bracketHost('127.0.0.1'), '127.0.0.1');
  assert.equal(unbracketHost('[fe80::1]'), 'fe80::1');
  assert.equal(unbracketHost('example.com'), 'example.com');
  assert.equal(udpFamily('::1'), 'udp6');
  assert.equal(udpFamily('10.0.0.1'), 'udp4');
});

test('sleep resolves true after the delay, false at once on abort, and never holds the process', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const done = sleep(1000);
    mock.timers.tick(1000);
    assert.equal(await done, true);
    const controller = new AbortController();
    const aborted = sleep(1000, controller.signal);
    controller.abort();
    assert.equal(await aborted, false);
    assert.equal(await sleep(1000, controller.signal), false, 'an aborted signal: at once');
  } finally {
    mock.timers.reset();
  }
});

test('withTimeout rejects with the caller\'s error after the delay, or passes the result through', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    assert.equal(await withTimeout(Promise.resolve(7), 100), 7);
    await assert.rejects(withTimeout(Promise.reject(new Error('own')), 100), { message: 'own' });
    const slow = withTimeout(new Promise<never>(() => undefined), 100, () => new InvalidOption('too slow'));
    mock.timers.tick(100);
    await assert.rejects(slow, InvalidOption);
  } finally {
    mock.timers.reset();
  }
});
