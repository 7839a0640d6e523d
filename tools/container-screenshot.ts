/**
 * Maintainer script: screenshots the live page's Container panels (docs/container-panel.png)
 * from a busy app that runs in a child cgroup with a 0.3-core quota and a 256 MiB limit. Needs
 * Linux, root and a writable cgroup hierarchy (the child cgroup is created below this process's
 * own and removed at the end; this process never moves), puppeteer-core and a Chromium.
 *
 *   npx tsc -p . && node dist/tools/container-screenshot.js   # SCREENSHOT_AFTER_S=30 by default
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../src/cli/receive.js';
import { filesBelow } from '../src/container/files.js';
import { locateCgroup } from '../src/container/locate.js';
import { findChromium, launchChromium } from '../test/helpers/browser.js';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const waitSeconds = Number(process.env['SCREENSHOT_AFTER_S'] ?? 30);
const chromium = findChromium();
if (!chromium) throw new Error('no Chromium found: set CHROMIUM_PATH or apt-get install -y chromium');
const dirs = locateCgroup(filesBelow());
if (!dirs.cpu || !dirs.memory) throw new Error(`no cpu or memory cgroup controller here: ${JSON.stringify(dirs)}`);

const name = `hmetrics-screenshot-${process.pid}`;
const cpu = join(dirs.cpu.dir, name);
const memory = dirs.memory.dir === dirs.cpu.dir ? cpu : join(dirs.memory.dir, name);
for (const dir of new Set([cpu, memory])) mkdirSync(dir);
if (dirs.cpu.version === 2) writeFileSync(join(cpu, 'cpu.max'), '30000 100000');
else writeFileSync(join(cpu, 'cpu.cfs_quota_us'), '30000');
writeFileSync(join(memory, dirs.memory.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), String(256 * 1024 * 1024));

// The app: bursts of work that hit the quota, and a cache that grows for 20 s, then is dropped.
const APP = `
const cache = [];
setInterval(() => {
  const busy = Date.now() + (Date.now() / 1000 % 12 < 6 ? 450 : 30);
  while (Date.now() < busy);
  if (cache.length < 120) cache.push(Buffer.alloc(1024 * 1024, 1), new Array(100000).fill(cache.length));
  else cache.length = 0;
}, 250);
`;
const receiver = await startReceiver({ port: 0, write: () => undefined });
const moves = [...new Set([cpu, memory])].map((dir) => `echo $$ > '${join(dir, 'cgroup.procs')}'`).join(' && ');
const app = spawn('/bin/sh', ['-c', `${moves} && exec '${process.execPath}' --import ./dist/onload/index.js -e "${APP.replace(/\n/g, ' ')}"`], {
  cwd: root, stdio: 'inherit',
  env: { PATH: process.env['PATH'] ?? '', HEROKU_METRICS_URL: `${receiver.url}?app=container`, HMETRICS_INTERVAL: '1000' },
});
process.stdout.write(`app in ${cpu} (0.3 cores, 256 MiB), page at ${receiver.url}; screenshot in ${waitSeconds} s\n`);
await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));

const browser = await launchChromium(chromium);
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
await page.goto(receiver.url, { waitUntil: 'load' });
await page.waitForSelector('[data-panel="container-memory"]');
await new Promise((resolve) => setTimeout(resolve, 500));
const memoryPanel = await page.$('[data-panel="container-memory"]');
const cpuPanel = await page.$('[data-panel="container-cpu"]');
const boxes = [await memoryPanel!.boundingBox(), await cpuPanel!.boundingBox()];
const top = Math.min(...boxes.map((b) => b!.y)) - 48;
const bottom = Math.max(...boxes.map((b) => b!.y + b!.height)) + 8;
await page.screenshot({ path: `${docs}container-panel.png`, clip: { x: 0, y: Math.max(0, top), width: 1280, height: bottom - Math.max(0, top) } });
await browser.close();
app.kill('SIGTERM');
await new Promise((resolve) => app.on('close', resolve));
await receiver.close();
for (const dir of new Set([memory, cpu])) rmdirSync(dir);
process.stdout.write(`wrote ${docs}container-panel.png\n`);
