import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from './helpers/child.js';
import { parseExposition } from './helpers/exposition.js';

const APP = fileURLToPath(new URL('./helpers/cluster-app.js', import.meta.url));

async function scrape(port: number): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return { text: await res.text(), ms: performance.now() - started };
}

describe('cluster: the primary\'s endpoint serves the whole process tree', () => {
  let app: ChildProcess;
  let port: number;
  let stdout = '';

  const waitFor = async (text: string): Promise<void> => {
    const started = Date.now();
    while (!stdout.includes(text)) {
      if (Date.now() - started > 15_000) throw new Error(`no "${text}" in ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  before(async () => {
    // Port 0: the primary picks a free port and says which in its verbose start line.
    let stderr = '';
    app = spawn(process.execPath, ['--import', 'hmetrics/onload', APP], {
      cwd: PACKAGE_ROOT,
      env: { PATH: process.env['PATH'] ?? '', CLUSTER_APP: '1', HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0', HMETRICS_VERBOSE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    app.stdout!.setEncoding('utf8').on('data', (t: string) => { stdout += t; });
    app.stderr!.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
    await waitFor('ready');
    const started = Date.now();
    let served: RegExpExecArray | null = null;
    while (!(served = /serving \/metrics on \S*?:(\d+)/.exec(stderr))) {
      if (Date.now() - started > 15_000) throw new Error(`no "serving /metrics" line in ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    port = Number(served[1]);
  });

  after(() => {
    app.stdin!.end();
    setTimeout(() => app.kill('SIGKILL'), 3000).unref();
  });

  test('each worker\'s series carry worker="<id>"; the primary\'s have no worker label', async () => {
    const page = parseExposition((await scrape(port)).text);
    const jobs = page.samples.filter((s) => s.name === 'jobs_done_total');
    assert.deepEqual(jobs.map((s) => [s.labels['worker'], s.value]).sort(), [['1', 10], ['2', 20]]);
    const rss = page.samples.filter((s) => s.name === 'process_resident_memory_bytes');
    assert.deepEqual(rss.map((s) => s.labels['worker'] ?? 'primary').sort(), ['1', '2', 'primary']);
    const gc = page.samples.filter((s) => s.name === 'nodejs_gc_duration_seconds_bucket');
    assert.ok(gc.every((s) => s.labels['kind'] !== undefined));
    assert.equal(page.types.get('jobs_done_total'), 'counter', 'one # TYPE per family, whoever reported it');
  });

  test('a busy worker times out (about 1 s) without stalling the scrape; a dead worker is left out', async () => {
    app.stdin!.write('block 2\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const blocked = await scrape(port);
    assert.ok(blocked.ms < 2_500, `scrape took ${blocked.ms} ms`);
    let workers = new Set(parseExposition(blocked.text).samples.map((s) => s.labels['worker']).filter(Boolean));
    assert.deepEqual([...workers], ['1']);
    app.stdin!.write('kill 1\n');
    await waitFor('killed 1');
    const afterKill = await scrape(port);
    workers = new Set(parseExposition(afterKill.text).samples.map((s) => s.labels['worker']).filter(Boolean));
    assert.ok(!workers.has('1'));
    assert.match(afterKill.text, /^process_cpu_seconds_total \S+$/m, 'the primary still answers for itself');
  });
});
