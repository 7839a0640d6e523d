/**
 * How long concurrent scrapes stall the app's event loop: an app child process serving /metrics
 * with 1 000 or 10 000 pushed timers, scraped by this process with 1, 10 and 100 requests at once
 * (fresh connections, text format 0.0.4). The child reports its own max event-loop delay
 * (monitorEventLoopDelay, 1 ms resolution) and peak RSS over each round; the table shows the
 * median round of ROUNDS.
 *
 *   npm run build && node dist/bench/prometheus-scrape-stall.bench.js [--quick]
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 7;
const APP = fileURLToPath(new URL('./prometheus-scrape-app.js', import.meta.url));

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
};

function scrape(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function measure(series: number): Promise<Map<number, { maxMs: number; rssMb: number }>> {
  const child = spawn(process.execPath, [APP, String(series)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number>> => JSON.parse(String((await lines.next()).value)) as Record<string, number>;
  const { port } = await next();
  await scrape(port!); // warm: the store is filled and the code compiled
  const results = new Map<number, { maxMs: number; rssMb: number }>();
  for (const concurrency of [1, 10, 100]) {
    const rounds: { maxMs: number; rssMb: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      child.stdin.write('reset\n');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await Promise.all(Array.from({ length: concurrency }, () => scrape(port!)));
      child.stdin.write('report\n');
      rounds.push((await next()) as { maxMs: number; rssMb: number });
    }
    results.set(concurrency, { maxMs: median(rounds.map((r) => r.maxMs)), rssMb: Math.max(...rounds.map((r) => r.rssMb)) });
  }
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  return results;
}

console.log('| series | concurrent scrapes | max event-loop delay (ms) | peak RSS (MB) |');
console.log('|---:|---:|---:|---:|');
for (const series of [1000, 10_000]) {
  const results = await measure(series);
  for (const [concurrency, { maxMs, rssMb }] of results) {
    console.log(`| ${series.toLocaleString('en')} | ${concurrency} | ${maxMs.toFixed(0)} | ${rssMb.toFixed(0)} |`);
  }
}
