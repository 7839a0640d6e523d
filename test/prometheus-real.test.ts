import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { processAggregator, prometheusExposition, prometheusText, servePrometheus, stopPrometheus, type PrometheusServer } from 'hmetrics';
import { freePort } from './helpers/ports.js';

const has = (bin: string): boolean => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
const HAS_PROMETHEUS = has('prometheus');
const HAS_PROMTOOL = has('promtool');
const MISSING_PROMETHEUS = HAS_PROMETHEUS ? false : 'the `prometheus` binary is not installed (Debian: apt-get install -y prometheus)';
const MISSING_PROMTOOL = HAS_PROMTOOL ? false : 'the `promtool` binary is not installed (Debian: apt-get install -y prometheus)';

interface Vector { metric: Record<string, string>; value: [number, string] }

describe('a real Prometheus scrapes the endpoint', { skip: MISSING_PROMETHEUS }, () => {
  let endpoint: PrometheusServer;
  let ownRoute: Server;
  let prometheus: ChildProcess;
  let api: string;
  let dir: string;
  let ticker: NodeJS.Timeout;
  let garbage: unknown;

  async function query(promql: string): Promise<Vector[]> {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const json = await res.json() as { status: string; data: { result: Vector[] } };
    assert.equal(json.status, 'success', promql);
    return json.data.result;
  }

  async function scalar(promql: string): Promise<number[]> {
    return (await query(promql)).map((v) => Number(v.value[1]));
  }

  before(async () => {
    // Job "openmetrics": servePrometheus(), which Prometheus 2.x asks for OpenMetrics first.
    endpoint = await servePrometheus({ port: 0, host: '127.0.0.1' });
    // Job "text": the app's own route, serving the 0.0.4 format whatever the Accept header says.
    ownRoute = createServer((_req, res) => {
      prometheusExposition(undefined).then(({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(body), () => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => ownRoute.listen(0, '127.0.0.1', resolve));
    ticker = setInterval(() => {
      processAggregator.count('test.ticks', 1, ['source:ticker']);
      processAggregator.timing('test.work.ms', Math.random() * 40);
      garbage = Array.from({ length: 20_000 }, (_, i) => ({ i })); // young-generation GCs to count
    }, 50);
    dir = mkdtempSync(join(tmpdir(), 'hmetrics-prometheus-'));
    const targets = (port: number): string => `['127.0.0.1:${port}']`;
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: openmetrics',
      `    static_configs: [{ targets: ${targets(endpoint.address()!.port)} }]`,
      '  - job_name: text',
      `    static_configs: [{ targets: ${targets((ownRoute.address() as { port: number }).port)} }]`,
      '',
    ].join('\n'));
    const webPort = await freePort();
    api = `http://127.0.0.1:${webPort}`;
    prometheus = spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
      '--log.level=error',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    prometheus.stderr!.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
    const started = Date.now();
    for (;;) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
      const up = await query('up').catch(() => []);
      if (up.length === 2 && up.every((v) => v.value[1] === '1')) break;
      if (Date.now() - started > 20_000) throw new Error(`targets not up within 20 s: ${JSON.stringify(up)} ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // A few more scrapes, so counters have several points each.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
  });

  after(async () => {
    clearInterval(ticker);
    prometheus?.kill('SIGKILL');
    await endpoint?.close();
    ownRoute?.close();
    stopPrometheus();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('both targets are up, with no scrape error, in both formats', async () => {
    const res = await fetch(`${api}/api/v1/targets`);
    const { data } = await res.json() as { data: { activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }> } };
    assert.equal(data.activeTargets.length, 2);
    for (const target of data.activeTargets) {
      assert.equal(target.health, 'up', target.labels.job);
      assert.equal(target.lastError, '', target.labels.job);
    }
    for (const job of ['openmetrics', 'text']) {
      assert.deepEqual(await scalar(`up{job="${job}"}`), [1]);
      const [samples = 0] = await scalar(`scrape_samples_scraped{job="${job}"}`);
      assert.ok(samples > 80, `${job}: ${samples} samples per scrape`);
    }
  });

  test('prom-client\'s series exist with sane values in both jobs', async () => {
    for (const job of ['openmetrics', 'text']) {
      const sel = `{job="${job}"}`;
      const [rss = 0] = await scalar(`process_resident_memory_bytes${sel}`);
      assert.ok(rss > 10e6 && rss < 4e9, `${job} rss ${rss}`);
      const [start = 0] = await scalar(`process_start_time_seconds${sel}`);
      assert.ok(Math.abs(start - (Date.now() / 1000 - process.uptime())) < 5, `${job} start ${start}`);
      const [cpu = 0] = await scalar(`process_cpu_seconds_total${sel}`);
      assert.ok(cpu > 0);
      assert.equal((await scalar(`nodejs_version_info{job="${job}",version="${process.version}"}`))[0], 1);
      assert.ok(((await scalar(`nodejs_heap_space_size_used_bytes{job="${job}",space="old"}`))[0] ?? 0) > 0);
      const [p99 = -1] = await scalar(`nodejs_eventloop_lag_p99_seconds${sel}`);
      assert.ok(p99 >= 0 && p99 < 1, `${job} p99 lag ${p99}`);
      assert.ok(((await scalar(`nodejs_gc_duration_seconds_count${sel}`)).length) >= 1, `${job} GC histogram`);
      const [ticks = 0] = await scalar(`test_ticks_total{job="${job}",source="ticker"}`);
      assert.ok(ticks > 10, `${job} ticks ${ticks}`);
      const [work = 0] = await scalar(`test_work_seconds_count${sel}`);
      assert.ok(work > 10);
      const [fds = 0] = await scalar(`process_open_fds${sel}`);
      assert.ok(fds > 3);
    }
  });

  test('counters never decrease across scrapes', async () => {
    for (const metric of ['process_cpu_seconds_total', 'test_ticks_total', 'nodejs_gc_duration_seconds_count', 'test_work_seconds_count']) {
      const series = await query(`${metric}[1m]`) as unknown as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>;
      assert.ok(series.length >= 1, metric);
      // A GC kind's series starts at its first GC, so only the longest series must span scrapes.
      const longest = Math.max(...series.map((s) => s.values.length));
      assert.ok(longest >= 3, `${metric} has ${longest} points`);
      for (const { metric: labels, values } of series) {
        for (let i = 1; i < values.length; i++) {
          assert.ok(Number(values[i]![1]) >= Number(values[i - 1]![1]), `${metric}${JSON.stringify(labels)} fell from ${values[i - 1]![1]} to ${values[i]![1]}`);
        }
      }
      assert.ok((await scalar(`resets(${metric}[1m])`)).every((n) => n === 0), `${metric} never reset`);
    }
  });
});

describe('promtool check metrics', { skip: MISSING_PROMTOOL }, () => {
  after(() => stopPrometheus());

  function check(text: string): { status: number | null; problems: string[] } {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${result.stdout}${result.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
    return { status: result.status, problems };
  }

  test('our exposition parses, and lints no worse than prom-client\'s own default output', async () => {
    const require = createRequire(import.meta.url);
    const promClient = require('prom-client') as typeof import('prom-client');
    const register = new promClient.Registry();
    promClient.collectDefaultMetrics({ register });
    await prometheusText();
    processAggregator.count('app.orders', 1, ['region:eu-west', 'odd tag:a"b\\c']);
    processAggregator.timing('app.latency.ms', 12);
    processAggregator.gauge('app.queue', Number.NaN);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const theirs = check(await register.metrics());
    const ours = check(await prometheusText());
    assert.ok(!ours.problems.some((p) => /error|parse/i.test(p)), ours.problems.join('\n'));
    const extra = ours.problems.filter((p) => !theirs.problems.includes(p));
    assert.deepEqual(extra, [], 'lint problems prom-client\'s output does not have');
    // The known ones: prom-client's gauges named *_total, kept for dashboard compatibility.
    assert.ok(theirs.problems.length > 0 && ours.problems.every((p) => /non-counter metrics should not have "_total" suffix/.test(p)));
  });
});
