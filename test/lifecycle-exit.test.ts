import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPORT_DEFAULTS } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { PACKAGE_ROOT, runNode } from './helpers/child.js';

// Every way a process ends delivers its last partial interval within flushTimeout
// (docs/lifecycle.md). Real child processes, a real loopback endpoint.

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); rmSync(dir, { recursive: true, force: true }); });

const dir = mkdtempSync(join(PACKAGE_ROOT, 'dist', 'hmetrics-exit-'));
const ONLOAD = ['--import', 'hmetrics/onload'];
const FLUSH = REPORT_DEFAULTS.flushTimeout;

function payloadsFor(path: string) {
  return endpoint.payloads.filter((p) => p.path === path);
}

describe('natural exit', () => {
  test('regression: a 1.5 s job with the default interval delivers its counters and exits within flushTimeout', async (t) => {
    const job = join(dir, 'job.mjs');
    writeFileSync(job, `import { increment } from 'hmetrics/onload';
for (let i = 0; i < 7; i++) increment('job.items');
setTimeout(() => { increment('job.items'); console.log('done ' + Date.now()); }, 1500);
`);
    const result = await runNode({ args: [...ONLOAD, job], env: { HMETRICS_URL: endpoint.url('/job') } });
    const exitedAt = Date.now();
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    const doneAt = Number(/done (\d+)/.exec(result.stdout)?.[1]);
    // Includes the child's own teardown and the pipe to this process: a bound, not a speed claim.
    t.diagnostic(`exited ${exitedAt - doneAt} ms after the job was done`);
    assert.ok(exitedAt - doneAt < FLUSH, `exit ${exitedAt - doneAt} ms after the job was done`);
    const payloads = payloadsFor('/job');
    assert.equal(payloads.length, 1, 'one final delivery, no loop on beforeExit');
    assert.equal(payloads[0]!.body.counters['job.items'], 8);
  });

  test('a job that ends before the loop even started still delivers what it counted', async () => {
    const result = await runNode({
      args: [...ONLOAD, '--input-type=module', '-e', `import { add } from 'hmetrics/onload'; add('instant.job', 3);`],
      env: { HMETRICS_URL: endpoint.url('/instant') },
    });
    assert.equal(result.code, 0);
    assert.equal(payloadsFor('/instant')[0]?.body.counters['instant.job'], 3);
  });
});

describe('report() after abort()', () => {
  test('regression: abort(); await done at an ESM top level exits 0 with the final payload delivered', async () => {
    const app = join(dir, 'top-level.mjs');
    writeFileSync(app, `import { report, increment } from 'hmetrics';
const controller = new AbortController();
const done = report(controller.signal, process.env.URL, null, { interval: 60000 });
increment('top.level');
await new Promise((resolve) => setTimeout(resolve, 50));
controller.abort();
await done;
console.log('resolved');
`);
    const result = await runNode({ args: [app], env: { URL: endpoint.url('/top-level') } });
    assert.equal(result.code, 0, `exit code ${result.code}: ${result.stderr}`);
    assert.equal(result.stdout, 'resolved\n');
    assert.equal(payloadsFor('/top-level')[0]?.body.counters['top.level'], 1);
  });

  test('regression: abort() in the app\'s own SIGTERM handler: the final payload goes out before the process ends', async () => {
    const app = join(dir, 'handler.mjs');
    writeFileSync(app, `import { createServer } from 'node:http';
import { report, increment } from 'hmetrics';
const controller = new AbortController();
const done = report(controller.signal, process.env.URL, null, { interval: 60000 });
const server = createServer().listen(0, '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => {
  increment('in.handler');
  server.close();
  controller.abort();
  done.then(() => console.log('flushed'));
});
`);
    const result = await runNode({
      args: [app],
      env: { URL: endpoint.url('/in-handler') },
      onStdout: (text, child) => { if (text.includes('listening')) child.kill('SIGTERM'); },
    });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'listening\nflushed\n');
    assert.equal(payloadsFor('/in-handler')[0]?.body.counters['in.handler'], 1);
  });
});
