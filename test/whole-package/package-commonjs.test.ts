import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { packWorktree, removeDir, runTool, scratchProject } from '../helpers/packed.js';

// CommonJS consumers of the packed tarball, with the real tools: Jest 30 and 29 in their
// default CommonJS mode (no transform config), and tsc with module commonjs and node10
// resolution. Before the CommonJS build, Jest failed with "unexpected token" on `export` and
// tsc with TS2307 "cannot find module 'hmetrics/onload'".

const JEST_TEST = `
const http = require('node:http');

test('require() resolves the CommonJS build', () => {
  expect(require.resolve('hmetrics')).toMatch(/dist[\\\\/]bundle[\\\\/]index\\.cjs$/);
  expect(require.resolve('hmetrics/onload')).toMatch(/dist[\\\\/]bundle[\\\\/]onload\\.cjs$/);
  const hmetrics = require('hmetrics');
  expect(typeof hmetrics.report).toBe('function');
  expect(hmetrics.isReporting()).toBe(false);
});

test('hmetrics/onload reports from inside Jest', async () => {
  const payloads = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { payloads.push(JSON.parse(body)); res.end(); });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.HMETRICS_URL = 'http://127.0.0.1:' + server.address().port + '/metrics';
  process.env.HMETRICS_INTERVAL = '1000';
  const onload = require('hmetrics/onload');
  onload.increment('jest.hits');
  onload.increment('jest.hits');
  onload.increment('jest.hits');
  while (!payloads.some((p) => p.counters['jest.hits'] === 3)) await new Promise((r) => setTimeout(r, 20));
  const payload = payloads.find((p) => p.counters['jest.hits'] === 3);
  expect(typeof payload.gauges['node.eventloop.usage.percent']).toBe('number');
  expect(require('hmetrics').isReporting()).toBe(true);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}, 20000);
`;

const TS_CONSUMER = `
import hmetrics = require('hmetrics');
import onload = require('hmetrics/onload');

const done: Promise<void> = hmetrics.report(undefined, 'log:', null, { interval: 5000 });
const error: InstanceType<typeof hmetrics.AlreadyStarted> = new hmetrics.AlreadyStarted();
onload.increment('signups');
// @ts-expect-error the types are real: increment takes a key, not a number
onload.increment(42);
void done; void error;
`;

function tsconfig(options: Record<string, string>, files: readonly string[]): string {
  return JSON.stringify({
    compilerOptions: { target: 'es2022', strict: true, noEmit: true, types: ['node'], ...options },
    files,
  });
}

describe('CommonJS consumers of the packed package', { timeout: 180_000 }, () => {
  let root = '';
  let tarball = '';
  before(async () => {
    ({ root, tarball } = await packWorktree());
  });
  after(() => removeDir(root));

  for (const [name, script] of [['Jest 30', 'jest/bin/jest.js'], ['Jest 29', 'jest29/bin/jest.js']] as const) {
    test(`${name} in its default CommonJS mode requires hmetrics and hmetrics/onload, and onload delivers`, async () => {
      const dir = await scratchProject(root, tarball, name.replace(' ', '-').toLowerCase(), {
        'package.json': JSON.stringify({ name: 'jest-consumer', private: true }),
        'metrics.test.js': JEST_TEST,
      });
      const result = await runTool(script, ['--ci', '--json', '--rootDir', dir], dir);
      const summary = (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as { numPassedTests?: number; numFailedTests?: number };
      assert.equal(result.code, 0, `${name} failed:\n${result.stderr}`);
      assert.equal(summary.numFailedTests, 0, result.stderr);
      assert.equal(summary.numPassedTests, 2, result.stderr);
    });
  }

  test('tsc with module commonjs and moduleResolution node10 finds both entries and their types', async () => {
    const dir = await scratchProject(root, tarball, 'tsc-node10', {
      'consumer.ts': TS_CONSUMER,
      'tsconfig.json': tsconfig({ module: 'commonjs', moduleResolution: 'node10' }, ['consumer.ts']),
    });
    const result = await runTool('typescript/bin/tsc', ['-p', '.', '--listFiles'], dir);
    assert.equal(result.code, 0, `tsc failed:\n${result.stdout.split('\n').filter((l) => l.includes('error')).join('\n')}\n${result.stderr}`);
    // Both entries' declarations, from the CommonJS build, were part of the program.
    assert.match(result.stdout, /node_modules\/hmetrics\/dist\/cjs\/src\/index\.d\.ts$/m);
    assert.match(result.stdout, /node_modules\/hmetrics\/dist\/cjs\/onload\/index\.d\.ts$/m);
  });

  test('tsc with nodenext and bundler resolution still type-checks CommonJS and ESM consumers', async () => {
    const esm = "import { report } from 'hmetrics';\nimport { increment } from 'hmetrics/onload';\nvoid report; increment('x');\n";
    const dir = await scratchProject(root, tarball, 'tsc-modern', { 'a.cts': TS_CONSUMER, 'b.mts': esm });
    for (const [module, moduleResolution, files] of [
      ['nodenext', 'nodenext', ['a.cts', 'b.mts']],
      ['preserve', 'bundler', ['b.mts']],
    ] as const) {
      const result = await runTool('typescript/bin/tsc', ['--strict', '--noEmit', '--skipLibCheck', '--target', 'es2022', '--types', 'node', '--module', module, '--moduleResolution', moduleResolution, ...files], dir);
      assert.equal(result.code, 0, `tsc --module ${module} --moduleResolution ${moduleResolution} failed:\n${result.stdout}${result.stderr}`);
    }
  });
});
