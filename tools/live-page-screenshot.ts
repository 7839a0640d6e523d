/**
 * Maintainer script: regenerates the screenshots in docs/ from the `npm start` demo. Needs
 * puppeteer-core (a dev dependency) and a Chromium (CHROMIUM_PATH, else /usr/bin/chromium).
 *
 *   npx tsc -p . && node dist/tools/live-page-screenshot.js   # SCREENSHOT_AFTER_S=90 by default
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findChromium, launchChromium } from '../test/helpers/browser.js';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const waitSeconds = Number(process.env['SCREENSHOT_AFTER_S'] ?? 90);
const chromium = findChromium();
if (!chromium) throw new Error('no Chromium found: set CHROMIUM_PATH or apt-get install -y chromium');

const demo = spawn(process.execPath, [fileURLToPath(new URL('../examples/demo.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => {
  demo.stdout.setEncoding('utf8').on('data', (text: string) => {
    const found = /Live charts: open (\S+)/.exec(text)?.[1];
    if (found) resolve(found);
  });
});
process.stdout.write(`demo page at ${url}; screenshots in ${waitSeconds} s\n`);
await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));

const browser = await launchChromium(chromium);
const page = await browser.newPage();
const shoot = async (file: string, width: number, height: number, scheme: 'light' | 'dark'): Promise<void> => {
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('.panel');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await page.screenshot({ path: `${docs}${file}` });
};
await shoot('live-page.png', 1280, 800, 'light');
await shoot('live-page-dark.png', 1280, 800, 'dark');
await shoot('live-page-phone.png', 390, 844, 'light');
await browser.close();
demo.kill('SIGINT');
