import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { createScratchPackage, runCommand, type ScratchPackage } from './helpers/scratch-package.js';

// The app holds 200 MB of touched memory, so its RSS gauge cannot be mistaken for npm's (~70 MB).
const APP_BYTES = 200 * 1024 * 1024;
const APP_MS = 4_200;
const APP = `#!/usr/bin/env node
const big = Buffer.alloc(${APP_BYTES}, 1);
console.log('app started by ' + (process.env.npm_lifecycle_event ?? 'nobody'));
setTimeout(() => big.length, ${APP_MS});
`;

let endpoint: HerokuEndpoint;
let scratch: ScratchPackage;
before(async () => {
  endpoint = await HerokuEndpoint.start();
  scratch = createScratchPackage({ 'app.js': APP });
});
after(async () => {
  await endpoint.close();
  scratch.remove();
});

function payloadsFor(path: string) {
  return endpoint.payloads.filter((p) => p.path === path);
}

/** The whole process tree runs with onload preloaded, as `NODE_OPTIONS` on a dyno does. */
async function runThroughPackageManager(path: string, command: string, args: readonly string[]) {
  const result = await runCommand(command, args, scratch.dir, {
    ...scratch.npmEnv,
    NODE_OPTIONS: '--import hmetrics/onload',
    HMETRICS_URL: endpoint.url(path),
    HMETRICS_INTERVAL: '1000',
  }, 60_000);
  assert.equal(result.killedByTest, false, `${command} hung:\n${result.stderr}`);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /\[hmetrics\]/);
  return result;
}

function assertOneStreamOfTheApp(path: string): void {
  const payloads = payloadsFor(path);
  // One stream over a 4.2 s app at 1 s: 4 payloads (one more if the exit flushes, fewer under
  // load); npm's own process reporting too would double it.
  assert.ok(payloads.length >= 3 && payloads.length <= 5, `expected one stream (3–5 payloads), got ${payloads.length}`);
  for (const payload of payloads) {
    const rss = payload.body.gauges['node.memory.rss.bytes'] ?? 0;
    assert.ok(rss >= APP_BYTES, `a payload with RSS ${rss} is not the app's (it holds ${APP_BYTES} bytes)`);
  }
}

describe('package-manager processes never report; the app they start does', () => {
  test('npm start: one stream, the app\'s', async () => {
    const result = await runThroughPackageManager('/npm-start', 'npm', ['start']);
    assert.match(result.stdout, /app started by start/);
    assertOneStreamOfTheApp('/npm-start');
  });

  test('npm run start: one stream, the app\'s', async () => {
    const result = await runThroughPackageManager('/npm-run', 'npm', ['run', 'start']);
    assert.match(result.stdout, /app started by start/);
    assertOneStreamOfTheApp('/npm-run');
  });

  test('npx of a local bin (offline): one stream, the app\'s', async () => {
    const result = await runThroughPackageManager('/npx', 'npx', ['--offline', 'scratch-app']);
    assert.match(result.stdout, /app started by npx/);
    assertOneStreamOfTheApp('/npx');
  });

  test('yarn, pnpm, corepack and npm entry points stay silent; the same code as app.js reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmetrics-managers-'));
    try {
      const body = 'setTimeout(() => {}, 1600);\n';
      const names = ['npm-cli.js', 'npx-cli.js', 'yarn.js', 'yarn-4.5.0.cjs', 'pnpm.cjs', 'pnpm.mjs', 'corepack', 'app.js'];
      for (const name of names) writeFileSync(join(dir, name), body);
      await Promise.all(names.map(async (name) => {
        const result = await runNode({
          args: ['--import', 'hmetrics/onload', join(dir, name)],
          env: { HMETRICS_URL: endpoint.url(`/manager/${name}`), HMETRICS_INTERVAL: '1000', HMETRICS_STATSD_LISTEN: '0' },
        });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, '');
      }));
      for (const name of names) {
        const count = payloadsFor(`/manager/${name}`).length;
        if (name === 'app.js') assert.ok(count >= 1, 'the control app reported');
        else assert.equal(count, 0, `${name} reported ${count} payloads`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
