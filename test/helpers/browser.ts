import { existsSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';

/** Where Debian (and most distributions) install Chromium; CHROMIUM_PATH overrides. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium to drive, or undefined when none is installed (browser tests then skip). */
export function findChromium(): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((path) => existsSync(path));
}

/** The skip message browser tests show when no Chromium is found. */
export const NO_CHROMIUM = `no Chromium found (looked in ${CANDIDATES.join(', ')} and $CHROMIUM_PATH); install it with: apt-get install -y chromium`;

/** Launches headless Chromium through puppeteer-core (no sandbox when running as root, as in CI containers). */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { launch } = await import('puppeteer-core');
  const args = ['--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return launch({ executablePath, headless: true, args });
}
