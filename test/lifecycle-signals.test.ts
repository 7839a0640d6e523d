import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPORT_DEFAULTS } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { PACKAGE_ROOT, runNode, type ChildResult } from './helpers/child.js';
import { refusedPort } from './helpers/ports.js';

// SIGTERM in every state of delivery, and endpoints that fail alone (docs/lifecycle.md).

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); rmSync(dir, { recursive: true, force: true }); });

const dir = mkdtempSync(join(PACKAGE_ROOT, 'dist', 'hmetrics-signals-'));
const server = join(dir, 'server.mjs');
writeFileSync(server, `import { createServer } from 'node:http';
import { increment } from 'hmetrics/onload';
createServer().listen(0, '127.0.0.1', () => console.log('listening'));
setInterval(() => increment('app.ticks'), 100);
`);
const ONLOAD = ['--import', 'hmetrics/onload'];
const BOUND = REPORT_DEFAULTS.flushTimeout + 500;

/**
 * Starts the app under onload, sends SIGTERM once `ready()` holds (checked every 50 ms after it
 * printed 'listening'), and measures from the signal to the child's end.
 */
async function terminateWhen(url: string, ready: () => boolean): Promise<ChildResult & { tookMs: number; stderrAtKill: string }> {
  let killedAt = 0;
  let stderrAtKill = '';
  let stderr = '';
  const result = await runNode({
    args: [...ONLOAD, server],
    env: { HMETRICS_URL: url, HMETRICS_INTERVAL: '1000', HMETRICS_VERBOSE: '1' },
    limitMs: 20_000,
    onStderr: (text) => { stderr += text; },
    onStdout: (text, child) => {
      if (!text.includes('listening')) return;
      const poll = setInterval(() => {
        if (!ready()) return;
        clearInterval(poll);
        stderrAtKill = stderr;
        killedAt = performance.now();
        child.kill('SIGTERM');
      }, 50);
    },
  });
  return { ...result, tookMs: performance.now() - killedAt, stderrAtKill };
}

describe('SIGTERM with onload as the sole listener, in every state of delivery', () => {
  test('regression: endpoint hanging (a delivery in flight): dies by SIGTERM within flushTimeout + 500 ms; final payload attempted', async (t) => {
    const hanging = await HerokuEndpoint.start();
    hanging.respond = () => ({ status: 200, hang: true });
    let requestsAtKill = 0;
    const result = await terminateWhen(hanging.url(), () => { requestsAtKill = hanging.requests; return hanging.requests >= 2; });
    const requestsAtEnd = hanging.requests;
    await hanging.close();
    t.diagnostic(`ended ${Math.round(result.tookMs)} ms after SIGTERM`);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(result.tookMs < BOUND, `ended ${Math.round(result.tookMs)} ms after SIGTERM`);
    assert.ok(requestsAtEnd > requestsAtKill, `the final delivery reached the endpoint (${requestsAtKill} → ${requestsAtEnd} requests)`);
  });

  test('regression: endpoint answering 500 (deliveries failing): dies by SIGTERM within the bound; final payload attempted', async (t) => {
    const failing = await HerokuEndpoint.start();
    failing.respond = () => ({ status: 500 });
    let requestsAtKill = 0;
    const result = await terminateWhen(failing.url(), () => { requestsAtKill = failing.requests; return failing.requests >= 2; });
    const requestsAtEnd = failing.requests;
    await failing.close();
    t.diagnostic(`ended ${Math.round(result.tookMs)} ms after SIGTERM`);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(result.tookMs < BOUND, `ended ${Math.round(result.tookMs)} ms after SIGTERM`);
    assert.ok(requestsAtEnd > requestsAtKill, 'the final delivery was attempted');
    // It carried every tick of the failed intervals: nothing was restarted or dropped.
    const last = failing.rejected.at(-1)!;
    assert.ok((last.body.counters['app.ticks'] ?? 0) >= 15, `final payload carried ${last.body.counters['app.ticks']} ticks`);
  });

  test('regression: endpoint refusing connections: dies by SIGTERM within the bound; final payload attempted', async (t) => {
    const port = await refusedPort();
    let started = 0;
    const result = await terminateWhen(`http://127.0.0.1:${port}/refused`, () => ++started > 50); // ≈ 2.5 s: two failed intervals
    t.diagnostic(`ended ${Math.round(result.tookMs)} ms after SIGTERM`);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(result.tookMs < BOUND, `ended ${Math.round(result.tookMs)} ms after SIGTERM`);
    const failuresBefore = result.stderrAtKill.match(/ECONNREFUSED|refused/g)?.length ?? 0;
    const failuresAfter = result.stderr.match(/ECONNREFUSED|refused/g)?.length ?? 0;
    assert.ok(failuresBefore >= 1, 'deliveries were failing before the signal');
    assert.ok(failuresAfter > failuresBefore, 'the final delivery was attempted after the signal');
  });
});

describe('endpoints fail alone', () => {
  test('regression: two endpoints, one refusing: the healthy one receives every interval', async (t) => {
    const healthy = await HerokuEndpoint.start();
    const downPort = await refusedPort();
    const arrivals: number[] = [];
    let start = 0;
    const result = await runNode({
      args: [...ONLOAD, server],
      env: { HMETRICS_URL: `${healthy.url()} http://127.0.0.1:${downPort}/down`, HMETRICS_INTERVAL: '1000' },
      limitMs: 20_000,
      onStdout: (text, child) => {
        if (!text.includes('listening')) return;
        start = performance.now();
        const poll = setInterval(() => {
          while (arrivals.length < healthy.payloads.length) arrivals.push(performance.now() - start);
          if (healthy.payloads.length >= 6 || performance.now() - start > 9_000) {
            clearInterval(poll);
            child.kill('SIGTERM');
          }
        }, 20);
      },
    });
    await healthy.close();
    t.diagnostic(`healthy payloads at ${arrivals.map(Math.round).join(', ')} ms`);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(arrivals.length >= 6, `the healthy endpoint got ${arrivals.length} payloads: ${arrivals.map(Math.round).join(', ')} ms`);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    // One interval apart (a restart with backoff would leave a 10 s hole).
    assert.ok(gaps.every((gap) => gap < 1_900), `gaps ${gaps.map(Math.round).join(', ')} ms`);
    // The sampler ran throughout: every payload has the runtime figures.
    assert.ok(healthy.payloads.every((p) => 'node.eventloop.usage.percent' in p.body.gauges));
  });
});
