import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CADENCE, fallbackDelay, nanosToDelay, parseSteering, retryAfterToDelay } from '../src/telemetry/steering.js';

describe('reading the server answer', () => {
  test('every field, with enable_keys/disable_keys filtered to strings', () => {
    const parsed = parseSteering(JSON.stringify({ next_update: 5e9, stop: true, error: 'e', enable_keys: ['a', 1, null], disable_keys: ['b'] }));
    assert.deepEqual(parsed, { ok: true, steering: { nextUpdate: 5_000, stop: true, error: 'e', enableKeys: ['a'], disableKeys: ['b'] } });
  });

  test('stop must be true, error a non-empty string; anything else is ignored', () => {
    const parsed = parseSteering(JSON.stringify({ stop: 'yes', error: '', enable_keys: 'a' }));
    assert.deepEqual(parsed, { ok: true, steering: { nextUpdate: undefined, stop: false, error: undefined, enableKeys: [], disableKeys: [] } });
  });

  for (const body of ['[]', '"text"', '42', 'null', '{', '<html>']) {
    test(`refuses ${body}`, () => {
      assert.equal(parseSteering(body).ok, false);
    });
  }

  test('next_update: nanoseconds, floored at 1 s, capped at what one timer holds; invalid is undefined', () => {
    assert.equal(nanosToDelay(90e9), 90_000);
    assert.equal(nanosToDelay(999_999_999), 1_000);
    assert.equal(nanosToDelay(1e30), CADENCE.maximum);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', null, undefined, true]) assert.equal(nanosToDelay(bad), undefined, String(bad));
  });

  test('Retry-After: seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterToDelay('120', now), 120_000);
    assert.equal(retryAfterToDelay(' 0 ', now), 1_000, 'floored at 1 s');
    assert.equal(retryAfterToDelay('Thu, 01 Jan 2026 00:02:00 GMT', now), 120_000);
    assert.equal(retryAfterToDelay('Wed, 31 Dec 2025 00:00:00 GMT', now), 1_000, 'a date in the past waits the floor');
    assert.equal(retryAfterToDelay(['30', '60'], now), 30_000);
    // Present but not RFC 9110: the policy's minimum wait (src/delivery), as the OTLP sink does.
    assert.equal(retryAfterToDelay('soon', now), 1_000);
    assert.equal(retryAfterToDelay('-5', now), 1_000);
    assert.equal(retryAfterToDelay('1.5', now), 1_000);
    assert.equal(retryAfterToDelay(undefined, now), undefined);
  });

  test('fallback: 1 h plus up to 1 min of jitter', () => {
    assert.equal(fallbackDelay(() => 0), 3_600_000);
    assert.equal(fallbackDelay(() => 0.999_999), 3_659_999);
  });
});
