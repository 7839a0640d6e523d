import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runNode } from '../helpers/child.js';
import { HerokuEndpoint } from '../helpers/heroku-endpoint.js';
import { packWorktree, removeDir, scratchProject } from '../helpers/packed.js';
import { until } from '../helpers/wait.js';

// The dual-package hazard: the ESM and CommonJS builds are two module instances in one process.
// Both must share one report loop, one aggregator and one telemetry buffer, or numbers recorded
// through one copy never reach the loop the other started. Child processes on the packed
// package; the CommonJS copy is required by file path (plain Node picks the ESM build for
// `require('hmetrics')` through the `module-sync` condition, so only tools such as Jest or a
// bundle load the CommonJS copy by name).

/** Records through the CommonJS copy while the ESM `hmetrics/onload` reports. */
const CJS_APP = `
const path = require('node:path');
const cjs = require(path.join(__dirname, 'node_modules/hmetrics/dist/bundle/index.cjs'));
const esm = require('hmetrics');
(async () => {
  while (!cjs.isReporting()) await new Promise((r) => setTimeout(r, 5));
  const again = await cjs.report(undefined, 'log:').then(() => 'resolved', (e) => e.code);
  cjs.init('dual-instance');
  let esmInit;
  try { esm.init('other'); esmInit = 'accepted'; } catch (e) { esmInit = e.code; }
  for (let i = 0; i < 5; i++) cjs.increment('dual.hits');
  cjs.processAggregator.count('dual.direct', 7);
  console.log(JSON.stringify({
    twoCopies: cjs.report !== esm.report,
    sameAggregator: cjs.processAggregator === esm.processAggregator,
    again, esmInit,
  }));
  process.stdin.resume();
})();
`;

/** The ESM app under the CommonJS onload (`--require` of the CommonJS file). */
const ESM_APP = `
import { increment, isReporting } from 'hmetrics';
while (!isReporting()) await new Promise((r) => setTimeout(r, 5));
for (let i = 0; i < 4; i++) increment('dual.hits');
console.log(JSON.stringify({ ready: true }));
process.stdin.resume();
`;

/** One copy only: what `--require hmetrics/onload` and `--import hmetrics/onload` load by name. */
const PLAIN_APP = `
const { increment, isReporting } = require('hmetrics');
(async () => {
  while (!isReporting()) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 3; i++) increment('dual.hits');
  console.log(JSON.stringify({ ready: true }));
  process.stdin.resume();
})();
`;

describe('ESM and CommonJS copies in one process', { timeout: 120_000 }, () => {
  let root = '';
  let dir = '';
  let endpoint: HerokuEndpoint;
  before(async () => {
    const packed = await packWorktree();
    root = packed.root;
    dir = await scratchProject(root, packed.tarball, 'app', { 'cjs-app.cjs': CJS_APP, 'esm-app.mjs': ESM_APP, 'plain-app.cjs': PLAIN_APP });
    endpoint = await HerokuEndpoint.start();
  });
  after(async () => {
    await endpoint.close();
    removeDir(root);
  });

  /** Runs an app until the endpoint has received `count` of `dual.hits`, then lets it exit. */
  async function runUntilCounted(args: string[], count: number): Promise<{ stdout: string; code: number | null }> {
    endpoint.payloads.length = 0;
    let finish: (text: string) => void = () => undefined;
    const child = runNode({
      args, cwd: dir, limitMs: 30_000,
      env: { HMETRICS_URL: endpoint.url(), HMETRICS_INTERVAL: '1000' },
      onSpawn: (write) => { finish = write; },
    });
    await until(() => endpoint.counterTotal('dual.hits') >= count, 25_000, `${count} dual.hits`);
    finish('');
    const result = await child;
    assert.equal(result.code, 0, result.stderr);
    return result;
  }

  test('an app recording through the CommonJS copy reaches the report loop the ESM onload started', async () => {
    const result = await runUntilCounted(['--import', 'hmetrics/onload', 'cjs-app.cjs'], 5);
    const facts = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.deepEqual(facts, {
      twoCopies: true, // really two module instances, or this test proves nothing
      sameAggregator: true,
      again: 'ERR_HMETRICS_ALREADY_STARTED', // one report loop per process, whichever copy asks
      esmInit: 'ERR_HMETRICS_TELEMETRY_ALREADY_INITIALIZED', // one telemetry buffer
    });
    assert.equal(endpoint.counterTotal('dual.hits'), 5);
    await until(() => endpoint.counterTotal('dual.direct') === 7, 5_000, 'dual.direct');
  });

  test('an ESM app under the CommonJS onload (--require of the CommonJS build) is reported', async () => {
    await runUntilCounted(['--require', `${dir}/node_modules/hmetrics/dist/bundle/onload.cjs`, 'esm-app.mjs'], 4);
    assert.equal(endpoint.counterTotal('dual.hits'), 4);
  });

  for (const flag of ['--require', '--import']) {
    test(`${flag} hmetrics/onload by name keeps working`, async () => {
      await runUntilCounted([flag, 'hmetrics/onload', 'plain-app.cjs'], 3);
      assert.equal(endpoint.counterTotal('dual.hits'), 3);
    });
  }
});
