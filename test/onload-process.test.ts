import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { runNode } from './helpers/child.js';
import { intervalFromEnv } from '../src/config/read.js';

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); });

const ONLOAD = ['--import', 'hmetrics/onload'];
/** Prints what the process still holds open just before it would exit. */
const HANDLES = `process.on('beforeExit', () => console.log('handles=' + JSON.stringify(process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap'))));`;

/**
 * An app that stays alive until hmetrics writes `text` to `stream` (its first interval's line),
 * then lets the process end naturally: a test of "one line per interval and one at exit" that
 * depends on no timing margin.
 */
function untilWritten(stream: 'stdout' | 'stderr', text: string): string {
  return `const keep = setInterval(() => {}, 1000);
    const write = process.${stream}.write.bind(process.${stream});
    process.${stream}.write = (chunk, ...rest) => { if (String(chunk).includes(${JSON.stringify(text)})) clearInterval(keep); return write(chunk, ...rest); };`;
}

function payloadsFor(path: string) {
  return endpoint.payloads.filter((p) => p.path === path);
}

describe('onload in a child process', () => {
  test('exits on its own when the app is done, even while reporting', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => console.log("app done"), 1500)'],
      env: { HMETRICS_URL: endpoint.url('/exits'), HMETRICS_INTERVAL: '1000' },
    });
    assert.equal(result.killedByTest, false, 'hmetrics kept the process alive');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'app done\n');
    assert.equal(result.stderr, '');
    assert.ok(payloadsFor('/exits').length >= 1, 'it did report while the app ran');
  });

  test('no environment: no network, no timers, no output', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', `${HANDLES} globalThis.loaded = process.moduleLoadList.filter((m) => /^NativeModule (http|https|dgram|net)$/.test(m)); setTimeout(() => console.log('net=' + JSON.stringify(globalThis.loaded)), 50)`],
    });
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /^net=\[\]$/m, 'no network module was even loaded');
    assert.match(result.stdout, /^handles=\[\]$/m);
  });

  test('broken environment: the app runs unaffected and nothing is printed', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', 'console.log("app ok")'],
      env: {
        HEROKU_METRICS_URL: 'this is :: not a url',
        METRICS_INTERVAL_OVERRIDE: '-5',
        HMETRICS_STATSD_LISTEN: 'not-a-port',
        HMETRICS_TELEMETRY_URL: '::::',
        AWS_CSM_ENABLED: 'true',
        AWS_CSM_PORT: 'abc',
      },
    });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'app ok\n');
    assert.equal(result.stderr, '');
  });

  test('invalid METRICS_INTERVAL_OVERRIDE falls back to the default; a small one is clamped to 10 s', () => {
    const probe = (value: string): number => intervalFromEnv({ METRICS_INTERVAL_OVERRIDE: value }).value;
    assert.equal(probe('abc'), 20000);
    assert.equal(probe('0'), 20000);
    assert.equal(probe('1.5'), 20000);
    assert.equal(probe('500'), 10000);
    assert.equal(probe('30000'), 30000);
  });

  test('HMETRICS_VERBOSE logs delivery errors to stderr with [hmetrics], never the credentials', async () => {
    const failing = await HerokuEndpoint.start();
    failing.respond = () => ({ status: 500 });
    const url = `http://bob:pa55word@127.0.0.1:${failing.port}/token-abc123?key=qwerty`;
    for (const env of [{ HMETRICS_VERBOSE: '1' }, { NODE_DEBUG: 'http2,hmetrics' }]) {
      const result = await runNode({
        // The app lives until the interval's failure is logged, then ends: no timing margin.
        args: [...ONLOAD, '-e', untilWritten('stderr', 'HTTP 500')],
        env: { HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '1000', ...env },
      });
      assert.equal(result.code, 0);
      assert.match(result.stderr, /^\[hmetrics\] .*HTTP 500/m);
      // A failing endpoint retries alone at the next interval: no restart of the loop
      // (docs/lifecycle.md). Two failures: the interval at 1 s and the final one at exit.
      assert.doesNotMatch(result.stderr, /restarting/);
      assert.equal(result.stderr.match(/HTTP 500/g)?.length, 2, result.stderr);
      for (const secret of ['bob', 'pa55word', 'token-abc123', 'qwerty']) assert.ok(!result.stderr.includes(secret), `${secret} leaked`);
    }
    await failing.close();
  });

  test('loaded twice (two --import, a dynamic import, and the app\'s own report()) starts one stream', async () => {
    const result = await runNode({
      args: [...ONLOAD, ...ONLOAD, '--input-type=module', '-e', `
        await import('hmetrics/onload');
        const { report } = await import('hmetrics');
        report(undefined, ${JSON.stringify(endpoint.url('/ignored'))}).catch((err) => console.log('own report: ' + err.code));
        setTimeout(() => {}, 2300);`],
      env: { HMETRICS_URL: endpoint.url('/twice'), HMETRICS_INTERVAL: '1000' },
    });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'own report: ERR_HMETRICS_ALREADY_STARTED\n');
    const times = payloadsFor('/twice').map((p) => String(p.headers['measurements-time']));
    assert.ok(times.length >= 2 && times.length <= 3, `payloads: ${times.length}`);
    assert.equal(new Set(times).size, times.length, 'no two payloads for one interval');
    assert.equal(payloadsFor('/ignored').length, 0);
  });

  test('--require hmetrics/onload works (CommonJS preload of the ESM entry)', async () => {
    const result = await runNode({
      args: ['--require', 'hmetrics/onload', '-e', 'setTimeout(() => console.log(typeof require("hmetrics/onload")), 1300)'],
      env: { HMETRICS_URL: endpoint.url('/require'), HMETRICS_INTERVAL: '1000' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'object\n');
    assert.ok(payloadsFor('/require').length >= 1);
  });

  test('DYNO=run.1 (one-off dyno) starts nothing', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', `${HANDLES} setTimeout(() => {}, 1300)`],
      env: { HMETRICS_URL: endpoint.url('/oneoff'), HMETRICS_INTERVAL: '1000', DYNO: 'run.1' },
    });
    assert.equal(result.code, 0);
    assert.equal(payloadsFor('/oneoff').length, 0);
    assert.match(result.stdout, /^handles=\[\]$/m);
  });

  test('HMETRICS_URL=log: writes one l2met line per interval on stdout, with source=$DYNO, and one at exit', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', untilWritten('stdout', 'count#')],
      env: { HMETRICS_URL: 'log:', HMETRICS_INTERVAL: '1000', DYNO: 'web.1' },
    });
    assert.equal(result.code, 0);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 2, 'the interval at 1 s, then the final partial one at exit');
    for (const line of lines) assert.match(line, /^count#node\.gc\.collections=\d+ .*sample#node\.eventloop\.delay\.ms\.max=[\d.]+ .*source=web\.1$/);
  });

  test('the buffer API of hmetrics/onload and of hmetrics record into one buffer (lazy onload entry)', async () => {
    const result = await runNode({
      args: ['--input-type=module', '-e', `
        import * as onload from 'hmetrics/onload';
        import * as main from 'hmetrics';
        onload.increment('shared.key');
        main.increment('shared.key');
        onload.add('shared.key', 5);
        await main.report(AbortSignal.abort(), 'log:', null, { runtime: false });`],
    });
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, 'count#shared.key=7\n');
  });

  test('HMETRICS_DISABLE starts nothing', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => {}, 1300)'],
      env: { HMETRICS_URL: endpoint.url('/disabled'), HMETRICS_INTERVAL: '1000', HMETRICS_DISABLE: 'true' },
    });
    assert.equal(result.code, 0);
    assert.equal(payloadsFor('/disabled').length, 0);
  });
});

describe('onload and signals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hmetrics-signal-'));
  const server = join(dir, 'server.mjs');
  writeFileSync(server, `import { createServer } from 'node:http';
createServer().listen(0, '127.0.0.1', () => console.log('listening'));
if (process.env.APP_HANDLES_SIGTERM) process.on('SIGTERM', () => { console.log('app got SIGTERM'); setTimeout(() => process.exit(7), 300); });
`);

  test('SIGTERM with hmetrics as the only listener: the partial interval is delivered, then the process dies by SIGTERM', async () => {
    const result = await runNode({
      args: [...ONLOAD, server],
      env: { HMETRICS_URL: endpoint.url('/sigterm'), HMETRICS_INTERVAL: '60000' },
      onStdout: (text, child) => { if (text.includes('listening')) child.kill('SIGTERM'); },
    });
    assert.equal(result.signal, 'SIGTERM');
    assert.equal(result.code, null);
    assert.equal(payloadsFor('/sigterm').length, 1, 'the final partial-interval payload');
  });

  test('SIGTERM when the app listens too: hmetrics flushes and the app keeps control', async () => {
    const result = await runNode({
      args: [...ONLOAD, server],
      env: { HMETRICS_URL: endpoint.url('/app-sigterm'), HMETRICS_INTERVAL: '60000', APP_HANDLES_SIGTERM: '1' },
      onStdout: (text, child) => { if (text.includes('listening')) child.kill('SIGTERM'); },
    });
    assert.equal(result.code, 7, 'the app decided how to exit');
    assert.match(result.stdout, /app got SIGTERM/);
    assert.equal(payloadsFor('/app-sigterm').length, 1);
  });

  test('SIGINT with hmetrics as the only listener still ends the process by SIGINT', async () => {
    const result = await runNode({
      args: [...ONLOAD, server],
      env: { HMETRICS_URL: endpoint.url('/sigint'), HMETRICS_INTERVAL: '60000' },
      onStdout: (text, child) => { if (text.includes('listening')) child.kill('SIGINT'); },
    });
    assert.equal(result.signal, 'SIGINT');
    assert.equal(payloadsFor('/sigint').length, 1);
  });
});
