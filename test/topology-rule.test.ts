import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { Aggregator, RuntimeMetric, ThreadMetric, ClusterMetric } from 'hmetrics';
import { seriesKey } from '../src/metrics/series.js';
import { CLUSTER_TAG, ClusterReceiver } from '../src/topology/cluster-receiver.js';
import { combineGauge, GAUGE_RULES } from '../src/topology/gauge-merge.js';
import { herokuCollectorConflict, herokuCollectorLoaded } from '../src/topology/heroku-collector.js';
import { decideRole, packageManagerOf, PRIMARY_ENV, type ProcessFacts } from '../src/topology/role.js';
import { encodeSnapshot, mergeWire } from '../src/topology/wire.js';

describe('package managers are recognised by their entry point only', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['/usr/lib/node_modules/npm/bin/npm-cli.js', 'npm'],
    ['/usr/lib/node_modules/npm/bin/npx-cli.js', 'npx'],
    ['/usr/local/bin/npm', 'npm'],
    ['/usr/local/bin/npx', 'npx'],
    ['C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js', 'npm'],
    ['/app/.yarn/releases/yarn-4.5.0.cjs', 'yarn'],
    ['/usr/lib/node_modules/yarn/bin/yarn.js', 'yarn'],
    ['/usr/lib/node_modules/yarn/bin/yarnpkg', 'yarn'],
    ['/usr/lib/node_modules/pnpm/bin/pnpm.cjs', 'pnpm'],
    ['/usr/lib/node_modules/pnpm/bin/pnpx.cjs', 'pnpm'],
    ['/usr/lib/node_modules/corepack/dist/corepack.js', 'corepack'],
    ['/usr/lib/node_modules/corepack/dist/pnpm.js', 'pnpm'],
    ['/usr/bin/corepack', 'corepack'],
    ['/app/app.js', undefined],
    ['/app/server.mjs', undefined],
    ['/app/npm-stats.js', undefined],
    ['/app/my-yarn.js', undefined],
    ['/app/yarn-report.js', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [script, manager] of cases) {
    test(`${String(script)} → ${String(manager)}`, () => assert.equal(packageManagerOf(script), manager));
  }
});

describe('the topology rule', () => {
  const facts = (over: Partial<ProcessFacts>): ProcessFacts => ({
    script: '/app/app.js', isMainThread: true, env: {}, ppid: 100, isClusterWorker: false, ...over,
  });

  test('an app started by npm (npm_* variables inherited) reports', () => {
    const env = { npm_lifecycle_event: 'start', npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js', npm_command: 'run-script' };
    assert.deepEqual(decideRole(facts({ env })), { kind: 'report' });
  });

  test('npm itself is silent, also when it runs inside another npm script', () => {
    const role = decideRole(facts({ script: '/usr/lib/node_modules/npm/bin/npm-cli.js', env: { npm_lifecycle_event: 'start' } }));
    assert.equal(role.kind, 'silent');
  });

  test('a worker thread forwards', () => {
    assert.deepEqual(decideRole(facts({ isMainThread: false })), { kind: 'thread' });
  });

  test('a cluster worker forwards only to a primary that announced itself as its parent', () => {
    assert.deepEqual(decideRole(facts({ isClusterWorker: true, env: { [PRIMARY_ENV]: '100' } })), { kind: 'cluster-worker', primaryPid: 100 });
    assert.deepEqual(decideRole(facts({ isClusterWorker: true, env: {} })), { kind: 'report' }, 'primary without hmetrics');
    assert.deepEqual(decideRole(facts({ isClusterWorker: true, env: { [PRIMARY_ENV]: '99' } })), { kind: 'report' }, 'a grandparent announced');
    assert.deepEqual(decideRole(facts({ isClusterWorker: false, env: { [PRIMARY_ENV]: '100' } })), { kind: 'report' }, 'child_process.fork');
  });
});

describe("Heroku's collector", () => {
  test('is found in NODE_OPTIONS or execArgv by either of its names', () => {
    assert.equal(herokuCollectorLoaded('--require /app/.heroku/heroku-nodejs-plugin/metrics_collector.cjs', []), true);
    assert.equal(herokuCollectorLoaded(undefined, ['--require', '/x/heroku-nodejs-plugin/index.js']), true);
    assert.equal(herokuCollectorLoaded('--max-old-space-size=512', ['--import', 'hmetrics/onload']), false);
  });

  test('conflicts only when hmetrics posts to HEROKU_METRICS_URL', () => {
    const env = { NODE_OPTIONS: '--require /h/metrics_collector.cjs', HEROKU_METRICS_URL: 'https://m.example/t0k3n' };
    assert.match(herokuCollectorConflict(env, [], 'https://m.example/t0k3n') ?? '', /HEROKU_SKIP_NODE_PLUGIN=true/);
    assert.match(herokuCollectorConflict(env, [], 'udp://127.0.0.1:8125 https://m.example/t0k3n') ?? '', /HEROKU_SKIP_NODE_PLUGIN/);
    assert.equal(herokuCollectorConflict(env, [], 'https://other.example/'), undefined);
    assert.equal(herokuCollectorConflict(env, [], 'log:'), undefined);
    assert.equal(herokuCollectorConflict({ HEROKU_METRICS_URL: 'https://m.example/t0k3n' }, [], 'https://m.example/t0k3n'), undefined);
    assert.doesNotMatch(herokuCollectorConflict(env, [], 'https://m.example/t0k3n')!, /t0k3n/, 'the URL is never printed');
  });
});

describe('merging snapshots across threads and processes', () => {
  test('a wire snapshot merges back exactly: counters, tagged series, timers, sets, gauges', () => {
    const source = new Aggregator();
    source.count('hits', 3);
    source.count('hits', 2, ['route:/a']);
    for (let i = 1; i <= 5; i++) source.timing('latency', i);
    source.setMember('users', 'ann');
    source.gauge('depth', 7);
    const wire = JSON.parse(JSON.stringify(encodeSnapshot(source.swap())));

    const target = new Aggregator();
    target.count('hits', 10);
    target.timing('latency', 100);
    target.setMember('users', 'bob');
    const gauges: Array<[string, number]> = [];
    mergeWire(target, wire, (name, _tags, value) => gauges.push([name, value]));
    const merged = target.swap();
    assert.equal(merged.counters.get('hits')!.value, 13);
    assert.equal(merged.counters.get(seriesKey('hits', ['route:/a']))!.value, 2);
    const latency = merged.timers.get('latency')!;
    assert.deepEqual([latency.count, latency.min, latency.max, latency.sum, latency.sumSquares], [6, 1, 100, 115, 55 + 10_000]);
    assert.deepEqual(latency.values, [1, 2, 3, 4, 5, 100]);
    assert.deepEqual([...merged.sets.get('users')!.values].sort(), ['ann', 'bob']);
    assert.deepEqual(gauges, [['depth', 7]]);
  });

  test('malformed wire input is skipped entry by entry, never thrown', () => {
    const target = new Aggregator();
    for (const junk of [null, 'x', 42, { counters: 'no' }, { counters: [['ok', [], 1], ['bad', 'tags', 1], [1, [], 1], ['nan', [], 'x']] },
      { timers: [['t', [], 1, 1, 1, 1, 1, ['v']], ['t2', [], 1]] }, { sets: [['s', [], [1, 'm']]] }]) {
      mergeWire(target, junk, () => assert.fail('no gauge here'));
    }
    const snapshot = target.swap();
    assert.deepEqual([...snapshot.counters.keys()], ['ok']);
    assert.equal(snapshot.timers.size, 0);
    assert.deepEqual([...snapshot.sets.get('s')!.values], ['m']);
  });

  test('gauge rules: memory and CPU summed, delay the worst, utilisation the mean', () => {
    assert.equal(GAUGE_RULES[RuntimeMetric.rssBytes], 'sum');
    assert.equal(GAUGE_RULES[RuntimeMetric.cpuUtilization], 'sum');
    assert.equal(GAUGE_RULES[RuntimeMetric.eventLoopDelayMax], 'max');
    assert.equal(GAUGE_RULES[RuntimeMetric.eventLoopDelayP99], 'max');
    assert.equal(GAUGE_RULES[RuntimeMetric.eventLoopUsage], 'mean');
    assert.equal(GAUGE_RULES[ThreadMetric.active], 'sum');
    assert.equal(combineGauge('sum', [1, 2, 3]), 6);
    assert.equal(combineGauge('mean', [0.2, 0.4]), 0.30000000000000004);
    assert.equal(combineGauge('max', [-1, 5, 2]), 5);
    assert.equal(combineGauge('max', []), undefined);
  });

  test("the primary combines its workers' runtime gauges with its own; exits and silence drop a worker", () => {
    let now = 0;
    const cluster = new EventEmitter();
    const primary = new Aggregator();
    const receiver = new ClusterReceiver(primary, cluster as never, 3_000, () => now);
    primary.addPullSource((a) => receiver.pull(a));
    const worker = (pid: number) => ({ process: { pid } });
    const snapshotOf = (fill: (a: Aggregator) => void) => {
      const a = new Aggregator();
      fill(a);
      return { tag: CLUSTER_TAG, pid: 0, snapshot: encodeSnapshot(a.swap()) };
    };
    cluster.emit('message', worker(11), snapshotOf((a) => {
      a.gauge(RuntimeMetric.rssBytes, 100); a.gauge(RuntimeMetric.eventLoopUsage, 0.5); a.gauge(RuntimeMetric.eventLoopDelayMax, 40);
      a.count('jobs', 4); a.gauge('queue', 9);
    }));
    cluster.emit('message', worker(12), snapshotOf((a) => {
      a.gauge(RuntimeMetric.rssBytes, 200); a.gauge(RuntimeMetric.eventLoopUsage, 0.1); a.gauge(RuntimeMetric.eventLoopDelayMax, 5);
      a.count('jobs', 6);
    }));
    cluster.emit('message', worker(13), { app: 'not ours', tag: 'someone-else' });
    primary.gauge(RuntimeMetric.rssBytes, 50);
    primary.gauge(RuntimeMetric.eventLoopUsage, 0.3);
    primary.gauge(RuntimeMetric.eventLoopDelayMax, 1);
    let s = primary.swap();
    assert.equal(s.gauges.get(RuntimeMetric.rssBytes)!.value, 350);
    assert.ok(Math.abs(s.gauges.get(RuntimeMetric.eventLoopUsage)!.value - 0.3) < 1e-12);
    assert.equal(s.gauges.get(RuntimeMetric.eventLoopDelayMax)!.value, 40);
    assert.equal(s.gauges.get(ClusterMetric.processes)!.value, 3);
    assert.equal(s.counters.get('jobs')!.value, 10);
    assert.equal(s.gauges.get('queue')!.value, 9, 'an app gauge: last value received');

    // Worker 11 exits; worker 12 has been silent too long by the next interval.
    cluster.emit('exit', worker(11));
    primary.gauge(RuntimeMetric.rssBytes, 50);
    s = primary.swap();
    assert.equal(s.gauges.get(RuntimeMetric.rssBytes)!.value, 250);
    assert.equal(s.gauges.get(ClusterMetric.processes)!.value, 2);
    now = 5_000;
    primary.gauge(RuntimeMetric.rssBytes, 50);
    s = primary.swap();
    assert.equal(s.gauges.get(RuntimeMetric.rssBytes)!.value, 50);
    assert.equal(s.gauges.get(ClusterMetric.processes), undefined);
  });
});
