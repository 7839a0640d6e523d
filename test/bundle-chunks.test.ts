import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT, runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { refusedPort } from './helpers/ports.js';

// The onload bundle is split (scripts/chunks.mjs): a core with what a dyno runs, and one chunk
// per area required at first use. A dyno must load no chunk; every area must load its own,
// linked to the core of whichever format loaded it.

const CORE_ESM = pathToFileURL(`${PACKAGE_ROOT}dist/bundle/onload.mjs`).href;
const CORE_CJS = `${PACKAGE_ROOT}dist/bundle/onload.cjs`;
const CHUNKS = readdirSync(`${PACKAGE_ROOT}dist/bundle/onload-chunks`).filter((file) => file.endsWith('.cjs')).sort();

/**
 * Records the chunk files a process or thread loads: the CommonJS core requires them (they are
 * then in the require cache), the ESM core reads and compiles them itself (through
 * `fs.readFileSync`). `loadedChunks()` lists both.
 */
const WATCH_CHUNKS = `const chunksRead = new Set();
{
  const fs = require('node:fs');
  const read = fs.readFileSync;
  fs.readFileSync = function (file, ...rest) {
    const name = String(file);
    if (name.includes('onload-chunks') && name.endsWith('.cjs')) chunksRead.add(name.split('/').pop());
    return read.call(this, file, ...rest);
  };
}
const loadedChunks = () => [...new Set([...chunksRead, ...Object.keys(require.cache)
  .filter((file) => file.includes('onload-chunks')).map((file) => file.split('/').pop())])].sort();`;
/**
 * A preload (before the core) that prints, at exit, the chunk files this process loaded. Worker
 * threads run it too; each process's main thread reports (node:worker_threads is read only
 * then: loaded earlier, it would make onload expect threads).
 */
const REPORT_CHUNKS = `${WATCH_CHUNKS}
process.on('exit', () => {
  if (!require('node:worker_threads').isMainThread) return;
  process.stderr.write((require('node:cluster').isWorker ? 'WORKER' : 'MAIN') + '_CHUNKS=' + JSON.stringify(loadedChunks()) + '\\n');
});`;

let dir: string;
let endpoint: HerokuEndpoint;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hmetrics-chunks-'));
  endpoint = await HerokuEndpoint.start();
});
/** The chunk-reporting preload, written once into the test's folder. */
const preload = (): string => {
  const file = join(dir, 'report-chunks.cjs');
  writeFileSync(file, REPORT_CHUNKS);
  return file;
};
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await endpoint.close();
});

const chunksIn = (stderr: string, who: 'MAIN' | 'WORKER' | 'THREAD'): string[] => {
  const line = new RegExp(`${who}_CHUNKS=(.*)`).exec(stderr)?.[1];
  assert.ok(line, stderr);
  return JSON.parse(line) as string[];
};

test('the build ships one chunk per area beside the onload core', () => {
  assert.deepEqual(CHUNKS, ['cluster.cjs', 'csm.cjs', 'http-monitor.cjs', 'http-server.cjs', 'log.cjs', 'otlp.cjs', 'prometheus.cjs', 'statsd.cjs', 'story.cjs', 'telemetry.cjs', 'threads.cjs']);
});

for (const [format, flag, core] of [['ESM', '--import', CORE_ESM], ['CommonJS', '--require', CORE_CJS]] as const) {
  test(`a dyno loads the ${format} core and no chunk, and delivers`, async () => {
    const before = endpoint.payloads.length;
    const script = join(dir, `dyno-${format}.cjs`);
    writeFileSync(script, 'setTimeout(() => {}, 50);\n');
    const run = await runNode({ args: ['--require', preload(), flag, core, script], env: { HEROKU_METRICS_URL: endpoint.url() } });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(chunksIn(run.stderr, 'MAIN'), []);
    assert.equal(endpoint.payloads.length, before + 1, 'the final payload arrived');
    assert.ok('node.gc.collections' in endpoint.payloads.at(-1)!.body.counters);
  });

  test(`every area loads its own chunk, linked to the ${format} core`, async () => {
    const loadCore = format === 'ESM' ? `import(${JSON.stringify(core)})` : `Promise.resolve(require(${JSON.stringify(core)}))`;
    const script = join(dir, `areas-${format}.cjs`);
    writeFileSync(script, `
const cluster = require('node:cluster');
const { increment } = require(${JSON.stringify(CORE_CJS)});
if (cluster.isWorker) {
  increment('chunks.worker');
  setTimeout(() => process.exit(0), 100);
} else {
  increment('chunks.main');
  const { Worker } = require('node:worker_threads');
  // A thread loads its own copy of the core (Node 20 runs no --import preload in threads) and
  // reports the chunks that copy read: its fs module is its own.
  const thread = new Worker(\`${WATCH_CHUNKS}
(${loadCore}).then(() => setTimeout(() => {
    require('node:worker_threads').parentPort.postMessage(loadedChunks());
  }, 20))\`, { eval: true });
  thread.on('message', (loaded) => process.stderr.write('THREAD_CHUNKS=' + JSON.stringify(loaded) + '\\n'));
  thread.on('exit', () => {
    cluster.fork().on('exit', () => setTimeout(() => {}, 300));
  });
}
`);
    const refused = `http://127.0.0.1:${await refusedPort()}`;
    const run = await runNode({
      args: ['--require', preload(), flag, core, script],
      limitMs: 20_000,
      env: {
        HMETRICS_URL: 'log:',
        HMETRICS_INTERVAL: '200',
        HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0',
        HMETRICS_STATSD_LISTEN: '127.0.0.1:0',
        OTEL_EXPORTER_OTLP_ENDPOINT: refused,
        HMETRICS_TELEMETRY_URL: refused,
        AWS_CSM_ENABLED: 'true',
        HMETRICS_HTTP_CLIENT: '1',
        HMETRICS_HTTP_SERVER: '1',
        HMETRICS_VERBOSE: '1',
      },
    });
    assert.equal(run.code, 0, run.stderr);
    const main = chunksIn(run.stderr, 'MAIN');
    const worker = chunksIn(run.stderr, 'WORKER');
    const thread = chunksIn(run.stderr, 'THREAD');
    assert.deepEqual([...new Set([...main, ...worker, ...thread])].sort(), CHUNKS, 'each chunk loaded in one of the processes');
    assert.ok(worker.includes('cluster.cjs'), 'a cluster worker forwards through its chunk');
    assert.ok(thread.includes('threads.cjs'), 'a thread forwards through its chunk');
    // The reporting process receives through the same chunks, loaded once a thread or a worker exists.
    assert.ok(main.includes('threads.cjs'), 'the main thread receives its thread through the threads chunk');
    assert.ok(main.includes('cluster.cjs'), 'the primary receives its worker through the cluster chunk');
    assert.ok(main.includes('story.cjs'), 'the verbose start story is a chunk of its own');
    // The telemetry chunk's increment reached the core's report loop and its log sink chunk.
    assert.match(run.stdout, /chunks\.main/);
    assert.doesNotMatch(run.stderr, /does not hold|Cannot find module/);
  });
}

test("an app bundled with its CommonJS build takes the chunks along (they are required by literal paths)", async () => {
  const { build } = await import('esbuild');
  const app = join(dir, 'bundled-app.cjs');
  writeFileSync(app, `const { increment } = require(${JSON.stringify(CORE_CJS)});\nincrement('bundled.app');\nsetTimeout(() => {}, 300);\n`);
  const out = join(dir, 'out', 'app.cjs');
  await build({ entryPoints: [app], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  const run = await runNode({
    args: [out],
    cwd: dir,
    env: { HMETRICS_URL: 'log:', HMETRICS_INTERVAL: '100', HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0', HMETRICS_VERBOSE: '1' },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /prometheus: serving \/metrics on 127\.0\.0\.1:\d+/);
  assert.match(run.stdout, /bundled\.app/);
  assert.deepEqual(readdirSync(join(dir, 'out')), ['app.cjs'], 'one file, the chunks inside');
});
