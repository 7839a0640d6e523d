import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPORT_DEFAULTS } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { PACKAGE_ROOT, runNode } from './helpers/child.js';

// The process ends exactly as it would without hmetrics, whatever else listens to the signal
// (docs/lifecycle.md, "Signals: the rule"). Each case runs the same app twice, with and without
// hmetrics, and the run without is the oracle: same exit code, same exit signal, an exit time
// no more than flushTimeout later, and with hmetrics the final payload delivered.

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); rmSync(dir, { recursive: true, force: true }); });

const dir = mkdtempSync(join(PACKAGE_ROOT, 'dist', 'hmetrics-signal-matrix-'));
const app = join(dir, 'app.mjs');
// PARTS names what listens, in order; WITH loads hmetrics where the parts say (`*-after` parts
// come after the import). Each graceful handler exits in its own recognisable way.
writeFileSync(app, `import { createServer } from 'node:http';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const SIG = process.env.SIG;
const parts = process.env.PARTS.split(',').filter(Boolean);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const server = createServer();
await new Promise((r) => server.listen(0, '127.0.0.1', r));
setTimeout(() => process.exit(9), 8000).unref(); // failsafe: 9 means "never ended"
const install = {
  'on': () => process.on(SIG, () => { process.exitCode = 4; setTimeout(() => server.close(), 300); }),
  'once': () => process.once(SIG, () => setTimeout(() => process.exit(3), 1000)),
  'signal-exit3': () => require('signal-exit3')(() => {}),
  'signal-exit4': async () => (await import('signal-exit')).onExit(() => {}),
  'close-with-grace': () => require('close-with-grace')({ delay: 3000, logger: false }, async () => { await sleep(800); server.close(); }),
  'terminus': () => require('@godaddy/terminus').createTerminus(server, { signals: [SIG], onSignal: () => sleep(300) }),
};
for (const part of parts.filter((p) => !p.endsWith('-after'))) await install[part.replace(/-before$/, '')]();
if (process.env.WITH) (await import('hmetrics/onload')).increment('matrix.' + process.env.CASE_ID);
for (const part of parts.filter((p) => p.endsWith('-after'))) await install[part.replace(/-after$/, '')]();
console.log('ready');
`);

const CASES: readonly (readonly string[])[] = [
  [],
  ['on-before'],
  ['on-after'],
  ['once-before'],
  ['once-after'],
  ['signal-exit3'],
  ['signal-exit4'],
  ['signal-exit3', 'signal-exit4'],
  ['close-with-grace'],
  ['terminus'],
  ['signal-exit4', 'once-before', 'terminus'],
  ['signal-exit3', 'signal-exit4', 'close-with-grace', 'on-after'],
];
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

interface Ending { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly ms: number; readonly stderr: string }

/** Starts the app, sends `signal` once it says ready, and measures from the signal to its end. */
async function end(parts: readonly string[], signal: string, caseId: string, withHmetrics: boolean): Promise<Ending> {
  let sentAt = 0;
  const result = await runNode({
    args: [app],
    env: {
      PARTS: parts.join(','), SIG: signal, CASE_ID: caseId,
      ...(withHmetrics ? { WITH: '1', HMETRICS_URL: endpoint.url(`/${caseId}`) } : {}),
    },
    limitMs: 12_000,
    onStdout: (text, child) => {
      if (sentAt === 0 && text.includes('ready')) {
        sentAt = performance.now();
        child.kill(signal as NodeJS.Signals);
      }
    },
  });
  return { code: result.code, signal: result.signal, ms: sentAt === 0 ? -1 : performance.now() - sentAt, stderr: result.stderr };
}

/** Runs `jobs` a few at a time: the whole matrix in a few seconds without starving the machine. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

test('regression: every signal × every set of listeners ends as without hmetrics (code, signal, time), with the final payload delivered', async (t) => {
  const rows = SIGNALS.flatMap((signal) => CASES.map((parts, i) => ({ signal, parts, caseId: `${signal}-${i}` })));
  const jobs = rows.flatMap((row) => [
    () => end(row.parts, row.signal, row.caseId, false),
    () => end(row.parts, row.signal, row.caseId, true),
  ]);
  const endings = await pool(jobs, Math.max(6, availableParallelism() * 4));
  const show = (e: Ending): string => `${e.signal ?? `exit ${e.code}`} ${Math.round(e.ms)} ms`.padEnd(16);
  t.diagnostic(`${'signal'.padEnd(8)} ${'listeners besides hmetrics'.padEnd(48)} ${'without'.padEnd(16)} with hmetrics`);
  const failures: string[] = [];
  rows.forEach((row, i) => {
    const without = endings[2 * i]!;
    const withH = endings[2 * i + 1]!;
    t.diagnostic(`${row.signal.padEnd(8)} ${(row.parts.join(' + ') || '(nothing)').padEnd(48)} ${show(without)} ${show(withH)}`);
    const label = `${row.signal} with ${row.parts.join(' + ') || 'nothing else'}`;
    if (without.code === 9 || withH.code === 9) failures.push(`${label}: a run never ended (without: ${show(without)}, with: ${show(withH)})`);
    if (withH.code !== without.code || withH.signal !== without.signal) {
      failures.push(`${label}: ended ${show(withH)} with hmetrics, ${show(without)} without ${withH.stderr.slice(0, 300)}`);
    }
    if (withH.ms > without.ms + REPORT_DEFAULTS.flushTimeout) failures.push(`${label}: ${Math.round(withH.ms - without.ms)} ms later than without`);
    if (endpoint.counterTotal(`matrix.${row.caseId}`) !== 1) failures.push(`${label}: the final payload did not arrive`);
  });
  assert.deepEqual(failures, []);
});
