import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { backoffDelay, supervise } from '../src/startup/supervisor.js';
import { AlreadyStarted, HerokuMetricsURLUnset, HmetricsError } from '../src/util/errors.js';
import { turns } from './helpers/wait.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
afterEach(() => mock.timers.reset());

/** A stand-in for report(): records when it was started, then ends as `outcome` says. */
function fakeReport(outcome: (attempt: number) => { after: number; error?: Error }) {
  const starts: number[] = [];
  const run = ((signal: AbortSignal | undefined) => {
    const attempt = starts.push(Date.now());
    const { after, error } = outcome(attempt);
    if (after === 0) return error ? Promise.reject(error) : Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (error ? reject(error) : resolve()), after);
      signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }) as Parameters<typeof supervise>[1]['run'];
  return { starts, run: run! };
}

const transient = () => new HmetricsError('ERR_TEST', 'endpoint down', false);

/** Advances mocked time in 1 s steps, letting promise jobs run between steps. */
async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1_000) {
    await turns(2);
    mock.timers.tick(1_000);
  }
  await turns(2);
}

test('backoff delays are 10, 20, 30 … s, capped at 5 minutes', () => {
  assert.deepEqual([1, 2, 3, 4, 29, 30, 31, 100].map(backoffDelay), [10_000, 20_000, 30_000, 40_000, 290_000, 300_000, 300_000, 300_000]);
});

test('restarts after errors at 10, 20, 30 s … intervals', async () => {
  const fake = fakeReport(() => ({ after: 0, error: transient() }));
  const supervisor = supervise('http://x', { interval: 20_000, run: fake.run });
  await advance(200_000);
  const gaps = fake.starts.slice(1).map((t, i) => t - fake.starts[i]!);
  assert.deepEqual(gaps.slice(0, 5), [10_000, 20_000, 30_000, 40_000, 50_000]);
  await supervisor.stop();
});

test('the wait is capped at 5 minutes', async () => {
  const fake = fakeReport(() => ({ after: 0, error: transient() }));
  const supervisor = supervise('http://x', { interval: 20_000, run: fake.run });
  await advance(6_000_000);
  const gaps = fake.starts.slice(1).map((t, i) => t - fake.starts[i]!);
  assert.ok(gaps.length > 32);
  assert.equal(Math.max(...gaps), 300_000);
  assert.deepEqual(gaps.slice(28, 32), [290_000, 300_000, 300_000, 300_000]);
  await supervisor.stop();
});

test('a run that lasted over 5 minutes resets the backoff to 10 s', async () => {
  // Runs 1-3 fail at once; run 4 lasts 6 minutes before failing; run 5 fails at once.
  const fake = fakeReport((attempt) => ({ after: attempt === 4 ? 360_000 : 0, error: transient() }));
  const supervisor = supervise('http://x', { interval: 20_000, run: fake.run });
  await advance(10_000 + 20_000 + 30_000 + 360_000 + 10_000 + 1_000);
  const gaps = fake.starts.slice(1).map((t, i) => t - fake.starts[i]!);
  assert.deepEqual(gaps.slice(0, 4), [10_000, 20_000, 30_000, 360_000 + 10_000]);
  await supervisor.stop();
});

test('a fatal error ends supervision for good', async () => {
  const fake = fakeReport(() => ({ after: 0, error: new HerokuMetricsURLUnset() }));
  const supervisor = supervise('http://x', { interval: 20_000, run: fake.run });
  await advance(120_000);
  await supervisor.done;
  assert.equal(fake.starts.length, 1);
});

test('a report loop already running (the app\'s own) makes onload stand down, not retry', async () => {
  const fake = fakeReport(() => ({ after: 0, error: new AlreadyStarted() }));
  const supervisor = supervise('http://x', { interval: 20_000, run: fake.run });
  await advance(120_000);
  await supervisor.done;
  assert.equal(fake.starts.length, 1);
});

test('stop() during a backoff wait ends at once', async () => {
  const fake = fakeReport(() => ({ after: 0, error: transient() }));
  const supervisor = supervise('http://x', { interval: 20_000, run: fake.run });
  await advance(5_000);
  await supervisor.stop();
  await advance(60_000);
  assert.equal(fake.starts.length, 1);
});

test('regression: a stop while the run is failing (it rejects as it ends) starts no backoff and no other run', async () => {
  const starts: number[] = [];
  const run = ((signal: AbortSignal | undefined) => {
    starts.push(Date.now());
    return new Promise<void>((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(transient()), { once: true });
    });
  }) as Parameters<typeof supervise>[1]['run'];
  const supervisor = supervise('http://x', { interval: 20_000, run: run! });
  await advance(3_000);
  let stopped = false;
  void supervisor.stop().then(() => { stopped = true; });
  await turns(5);
  assert.equal(stopped, true, 'stop() settled at once, without waiting out a backoff');
  await advance(400_000);
  assert.equal(starts.length, 1);
});

test('a stop before the loop\'s first turn still runs it once, with the signal already aborted (final delivery)', async () => {
  const seen: boolean[] = [];
  const run = ((signal: AbortSignal | undefined) => {
    seen.push(signal?.aborted === true);
    return Promise.resolve();
  }) as Parameters<typeof supervise>[1]['run'];
  const supervisor = supervise('http://x', { interval: 20_000, run: run! });
  await supervisor.stop();
  assert.deepEqual(seen, [true]);
});
