import type { ServerResponse } from 'node:http';
import { PAGE_HTML } from './page-html.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import { REQUESTS_STYLE } from './page-requests-script.js';

/** Nothing but the receiver itself: no CDN, font or script from the network can load. */
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, { readonly type: string; readonly body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/index.html': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/page.js': { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
  '/page.css': { type: 'text/css; charset=utf-8', body: PAGE_STYLE + REQUESTS_STYLE },
};

/** Answers a GET for one of the live page's files (the page is embedded as strings, so it ships in the package with no copy step), or 404. */
export function servePageAsset(path: string, res: ServerResponse): void {
  const asset = Object.hasOwn(ASSETS, path) ? ASSETS[path] : undefined;
  if (!asset) {
    res.writeHead(path === '/favicon.ico' ? 204 : 404, { 'Content-Type': 'text/plain; charset=utf-8' }).end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': asset.type,
    'Content-Security-Policy': POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  }).end(asset.body);
}
