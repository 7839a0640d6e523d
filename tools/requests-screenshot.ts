/**
 * Maintainer script: regenerates docs/live-page-requests.png, the live page's Requests panel.
 * Starts the receiver, runs an Express app under `--import hmetrics/onload` with
 * `HMETRICS_HTTP_SERVER=1` that calls itself on a few routes (some slow, some failing, some
 * 404), and screenshots the page. Needs puppeteer-core and a Chromium (CHROMIUM_PATH, else
 * /usr/bin/chromium).
 *
 *   npx tsc -p . && node dist/tools/requests-screenshot.js   # SCREENSHOT_AFTER_S=12 by default
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === 'app') {
  // The app: Express with a nested router, calling itself a few hundred times a second.
  const require = createRequire(import.meta.url);
  const express = require('express');
  const app = express();
  const api = express.Router();
  const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  api.get('/users/:id', async (_req: unknown, res: { json(v: unknown): void }) => { await wait(2 + Math.random() * 6); res.json({ ok: true }); });
  api.get('/search', async (_req: unknown, res: { json(v: unknown): void }) => { await wait(20 + Math.random() * 80); res.json([]); });
  api.post('/orders', async (_req: unknown, res: { status(n: number): { json(v: unknown): void } }) => { await wait(10 + Math.random() * 20); res.status(Math.random() < 0.08 ? 503 : 201).json({}); });
  // A router mounted under a parameter: its requests show as /api/orgs/:org/projects/:project.
  const orgs = express.Router();
  orgs.get('/projects/:project', async (_req: unknown, res: { json(v: unknown): void }) => { await wait(5 + Math.random() * 15); res.json({}); });
  api.use('/orgs/:org', orgs);
  app.use('/api', api);
  app.get('/health', (_req: unknown, res: { send(v: string): void }) => res.send('ok'));
  const server = app.listen(0, '127.0.0.1', () => {
    const base = `http://127.0.0.1:${server.address().port}`;
    const paths: Array<[string, string, number]> = [['GET', '/api/users/1', 40], ['GET', '/api/users/2', 30], ['GET', '/api/search', 12], ['POST', '/api/orders', 10], ['GET', '/api/orgs/acme/projects/web', 8], ['GET', '/api/orgs/globex/projects/7', 6], ['GET', '/health', 20], ['GET', '/nope', 3]];
    setInterval(() => {
      for (const [method, path, perTick] of paths) {
        for (let i = 0; i < perTick * Math.random(); i++) void fetch(base + path, { method }).then((r) => r.arrayBuffer()).catch(() => {});
      }
    }, 100);
  });
} else {
  const { startReceiver } = await import('../src/cli/receive.js');
  const { findChromium, launchChromium } = await import('../test/helpers/browser.js');
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium found: set CHROMIUM_PATH or apt-get install -y chromium');
  const receiver = await startReceiver({ port: 0 });
  const child = spawn(process.execPath, ['--import', 'hmetrics/onload', fileURLToPath(import.meta.url), 'app'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, HEROKU_METRICS_URL: `${receiver.url}?app=shop`, HMETRICS_INTERVAL: '2000', HMETRICS_HTTP_SERVER: '1' },
    stdio: 'inherit',
  });
  await new Promise((resolve) => setTimeout(resolve, Number(process.env['SCREENSHOT_AFTER_S'] ?? 12) * 1000));
  const browser = await launchChromium(chromium);
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.goto(receiver.url, { waitUntil: 'load' });
  await page.waitForSelector('[data-panel="requests"] tr[data-route]');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await page.screenshot({ path: fileURLToPath(new URL('../../docs/live-page-requests.png', import.meta.url)) });
  await browser.close();
  child.kill('SIGTERM');
  await receiver.close();
}
