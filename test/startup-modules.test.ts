import assert from 'node:assert/strict';
import { test } from 'node:test';
import { after, before } from 'node:test';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

// What a reporting process loads: node:cluster (with child_process, dgram and net behind it)
// only when the app itself loaded cluster, node:worker_threads only when threads can exist, and the HTTP monitor without CSM's modules. Each
// module is startup CPU and RSS (bench/startup.bench.ts).

/** Waits for the first report (HMETRICS_URL=log: prints it on stdout), then prints the facts. */
const AFTER_FIRST_REPORT = (extra: string) => `
${extra}
const { isReporting } = require('hmetrics');
const wait = () => new Promise((r) => setTimeout(r, 20));
(async () => {
  while (!isReporting()) await wait();
  await new Promise((r) => setTimeout(r, 1300));
  const ours = Object.keys(require.cache).filter((file) => file.includes('/dist/') && !file.includes('/dist/test/'));
  process.stderr.write('FACTS=' + JSON.stringify({
    cluster: process.moduleLoadList.includes('NativeModule cluster'),
    workerThreads: process.moduleLoadList.includes('NativeModule worker_threads'),
    http: process.moduleLoadList.filter((m) => /^NativeModule (https?|_http_\w+|tls)$/.test(m)),
    clusterListeners: process.moduleLoadList.includes('NativeModule cluster') ? require('node:cluster').listenerCount('message') : 0,
    csm: ours.filter((file) => file.includes('/csm/')),
    monitor: ours.filter((file) => file.includes('/http-monitor/')).length,
  }) + '\\n');
})();
`;

interface Facts { cluster: boolean; workerThreads: boolean; http: string[]; clusterListeners: number; csm: string[]; monitor: number }

async function facts(args: string[], env: Record<string, string>): Promise<Facts & { stdout: string }> {
  const result = await runNode({ args, env: { HMETRICS_INTERVAL: '1000', ...env } });
  const line = /FACTS=(.*)/.exec(result.stderr)?.[1];
  assert.ok(line, result.stderr);
  return { ...(JSON.parse(line) as Facts), stdout: result.stdout };
}

test('a reporting process that never forks does not load node:cluster', async () => {
  const run = await facts(['--import', 'hmetrics/onload', '-e', AFTER_FIRST_REPORT('')], { HMETRICS_URL: 'log:' });
  assert.match(run.stdout, /node\.gc\.collections/, 'it reported');
  assert.equal(run.cluster, false);
});

test('a reporting process without threads does not load node:worker_threads', async () => {
  const run = await facts(['--import', 'hmetrics/onload', '-e', AFTER_FIRST_REPORT('')], { HMETRICS_URL: 'log:' });
  assert.match(run.stdout, /node\.gc\.collections/, 'it reported');
  assert.equal(run.workerThreads, false);
});

test('a reporting process whose app loaded node:cluster still attaches the cluster receiver', async () => {
  // The receiver listens on cluster's events: a primary must have it from the first interval.
  const run = await facts(['--import', 'hmetrics/onload', '-e', AFTER_FIRST_REPORT("require('node:cluster');")], { HMETRICS_URL: 'log:' });
  assert.equal(run.clusterListeners, 1);
});

test('HMETRICS_HTTP_CLIENT=1 starts the HTTP monitor without loading CSM (per-module build)', async () => {
  const run = await facts(['--import', './dist/onload/index.js', '-e', AFTER_FIRST_REPORT('')], { HMETRICS_URL: 'log:', HMETRICS_HTTP_CLIENT: '1' });
  assert.ok(run.monitor > 0, 'the monitor loaded');
  assert.deepEqual(run.csm, []);
});

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(() => endpoint.close());

test('a dyno delivers without loading node:http (its own client is over node:net), with or without the HTTP monitor', async () => {
  for (const env of [{}, { HMETRICS_HTTP_CLIENT: '1' }]) {
    const path = `/dyno${Object.keys(env).length}`;
    const run = await facts(['--import', 'hmetrics/onload', '-e', AFTER_FIRST_REPORT('')], { HEROKU_METRICS_URL: endpoint.url(path), ...env });
    assert.ok(endpoint.payloads.some((p) => p.path === path), 'it delivered over HTTP');
    assert.deepEqual(run.http, []);
    assert.equal(run.workerThreads, false);
  }
});

// A short job on a dyno, preloaded the CommonJS way: what it loads beyond the bare process is
// the probe's perf_hooks, v8 for the heap figures, os for the host's memory, and net (with its
// diagnostics_channel) for the one POST; any other public built-in (util, url, path,
// fs/promises, http …) would be startup cost the dyno path does not need.
const PUBLIC_BUILTINS = `process.on('exit', () => process.stderr.write('BUILTINS=' + JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule [a-z_0-9]+$/.test(m)).map((m) => m.slice(13))) + '\\n'));`;
const DYNO_BUILTINS = ['diagnostics_channel', 'net', 'os', 'perf_hooks', 'v8'];

test('a short job preloaded with -r on a dyno delivers once and loads no public built-in beyond perf_hooks, v8, os and net', async () => {
  const builtins = async (args: string[], env: Record<string, string>): Promise<string[]> => {
    const result = await runNode({ args: [...args, '-e', PUBLIC_BUILTINS], env });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(/BUILTINS=(.*)/.exec(result.stderr)?.[1] ?? 'null') as string[];
  };
  const bare = new Set(await builtins([], {}));
  const path = '/short-cjs';
  const dyno = await builtins(['-r', 'hmetrics/onload'], { HEROKU_METRICS_URL: endpoint.url(path) });
  assert.equal(endpoint.payloads.filter((p) => p.path === path).length, 1, 'the final sample delivered');
  const added = dyno.filter((id) => !bare.has(id)).sort();
  // (net itself may be loaded already by the bare process: its stdio are pipes here.)
  assert.deepEqual(added.filter((id) => !DYNO_BUILTINS.includes(id)), [], `loaded: ${added.join(', ')}`);
});
