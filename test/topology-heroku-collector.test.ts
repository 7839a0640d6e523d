import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { createScratchPackage, runCommand, type ScratchPackage } from './helpers/scratch-package.js';

let endpoint: HerokuEndpoint;
let scratch: ScratchPackage;
let collector: string;
before(async () => {
  endpoint = await HerokuEndpoint.start();
  scratch = createScratchPackage({ 'app.js': 'setTimeout(() => console.log("app done"), 1500);\n' });
  // A stand-in for the buildpack's collector, at the path shape the buildpack uses.
  const dir = join(scratch.dir, '.heroku', 'heroku-nodejs-plugin');
  mkdirSync(dir, { recursive: true });
  collector = join(dir, 'metrics_collector.cjs');
  writeFileSync(collector, 'globalThis.standInCollector = true;\n');
});
after(async () => {
  await endpoint.close();
  scratch.remove();
});

function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.includes('HEROKU_SKIP_NODE_PLUGIN'));
}

describe("Heroku's own collector in the same process", () => {
  test('NODE_OPTIONS names metrics_collector.cjs: one stderr line, without verbose, and hmetrics still reports', async () => {
    const url = endpoint.url('/collector-env');
    const result = await runCommand(process.execPath, ['app.js'], scratch.dir, {
      NODE_OPTIONS: `--require ${collector} --import hmetrics/onload`,
      HEROKU_METRICS_URL: url,
      HMETRICS_INTERVAL: '1000',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'app done\n');
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^\[hmetrics\] .*metrics_collector\.cjs.*two reporters on one URL corrupt the data.*HEROKU_SKIP_NODE_PLUGIN=true/);
    assert.doesNotMatch(result.stderr, /127\.0\.0\.1/, 'the metrics URL (it carries a token on Heroku) is never printed');
    assert.ok(endpoint.payloads.some((p) => p.path === '/collector-env'));
  });

  test('through npm start: still exactly one line for the whole process tree', async () => {
    const result = await runCommand('npm', ['start'], scratch.dir, {
      ...scratch.npmEnv,
      NODE_OPTIONS: `--require ${collector} --import hmetrics/onload`,
      HEROKU_METRICS_URL: endpoint.url('/collector-npm'),
      HMETRICS_INTERVAL: '1000',
    }, 60_000);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(warnings(result.stderr).length, 1, result.stderr);
  });

  test('the collector given as a flag (execArgv) is detected too', async () => {
    const result = await runNode({
      args: ['--require', collector, '--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 200)'],
      env: { HEROKU_METRICS_URL: endpoint.url('/collector-argv'), HMETRICS_INTERVAL: '1000' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(warnings(result.stderr).length, 1, result.stderr);
  });

  test('no line when hmetrics does not post to the URL the collector uses', async () => {
    const result = await runNode({
      args: ['--require', collector, '--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 200)'],
      env: { HEROKU_METRICS_URL: endpoint.url('/collector-other'), HMETRICS_URL: 'log:', HMETRICS_INTERVAL: '1000' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});
