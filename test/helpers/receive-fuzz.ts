import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startReceiver } from '../../src/cli/receive.js';
import { Prng } from './prng.js';

/** The suite's seeded generator (helpers/prng.ts) as a function, so a failing run can be replayed from its seed. */
export function random(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

const LIMITS = { maxBody: 256 * 1024, maxInFlight: 1024 * 1024, maxDrain: 512 * 1024 };
const PAGES = { maxTotalBacklog: 2 * 1024 * 1024 };

export interface FuzzResult {
  readonly cases: number;
  readonly statuses: Record<string, number>;
  readonly peakInFlight: number;
}

/**
 * Throws hostile HTTP at a receiver for `durationMs`: random JSON shapes (deep, wide, huge
 * numbers, odd keys), garbage bytes, wrong or missing lengths, chunked bodies, odd headers and
 * encodings, oversize bodies, live pages that never read, and connections cut at any byte.
 * Asserts the receiver stays up (a good payload is still taken after every round) and bounded
 * (uploads in flight and page backlogs within their limits, back to zero at the end).
 */
export async function fuzzReceiver(seed: number, durationMs: number): Promise<FuzzResult> {
  const rand = random(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const receiver = await startReceiver({ write: () => {}, warn: () => {}, uploads: LIMITS, pages: PAGES });
  const statuses: Record<string, number> = {};
  let peakInFlight = 0;
  let cases = 0;
  const sample = (): void => {
    peakInFlight = Math.max(peakInFlight, receiver.uploadsInFlight);
    assert.ok(receiver.uploadsInFlight <= LIMITS.maxInFlight, `seed ${seed}: ${receiver.uploadsInFlight} bytes in flight`);
  };
  const probe = setInterval(sample, 2);

  const text = (): string => {
    const alphabet = ['a', 'Z', '.', '_', ' ', '"', '\\', '\n', '\u0000', 'é', '漢', '😀', '__proto__', 'constructor', '\ud800'];
    let out = '';
    for (let i = int(12); i >= 0; i--) out += pick(alphabet);
    return out;
  };
  const number = (): number => pick([0, -0, 1, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 1, rand() * 1e6, -rand()]);
  // Nodes left for the value being built: wide and deep shapes, but never more than ~10 000 nodes.
  let budget = 0;
  /** A container's size, paid from the budget up front (so nesting cannot multiply it). */
  const take = (most: number): number => {
    const size = Math.max(0, Math.min(budget, int(most)));
    budget -= size;
    return size;
  };
  const value = (depth: number): unknown => {
    const kind = depth > 5 || budget-- <= 0 ? int(4) : int(7);
    switch (kind) {
      case 0: return number();
      case 1: return text();
      case 2: return pick([true, false, null]);
      case 3: return number();
      case 4: return Array.from({ length: take(rand() < 0.1 ? 5_000 : 20) }, () => value(depth + 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let i = take(rand() < 0.1 ? 5_000 : 20); i > 0; i--) object[text() + i] = depth === 0 && rand() < 0.5 ? number() : value(depth + 1);
        return object;
      }
    }
  };
  const body = (): Buffer => {
    budget = 10_000;
    switch (int(8)) {
      case 0: return Buffer.from(JSON.stringify({ counters: value(1), gauges: value(1) }));
      case 1: { // wide but valid
        const gauges: Record<string, number> = {};
        for (let i = int(5_000); i > 0; i--) gauges[text() + i] = number();
        return Buffer.from(JSON.stringify({ gauges }));
      }
      case 2: return Buffer.from(`${'['.repeat(int(100_000))}1`);
      case 3: return Buffer.from(Array.from({ length: int(4096) }, () => int(256)));
      case 4: return Buffer.alloc(LIMITS.maxBody + int(LIMITS.maxDrain * 2), 0x20);
      case 5: return Buffer.from(JSON.stringify(value(0)));
      case 6: return Buffer.from(JSON.stringify({ gauges: { g: number() } }), 'utf16le');
      default: return Buffer.from(JSON.stringify({ gauges: { [text()]: number() }, counters: { c: 1 } }));
    }
  };

  const one = (): Promise<void> => new Promise((resolve) => {
    cases++;
    const socket = connect(receiver.port, '127.0.0.1');
    let answer = '';
    const done = (): void => { clearTimeout(limit); socket.destroy(); resolve(); };
    const limit = setTimeout(() => { statuses['no answer'] = (statuses['no answer'] ?? 0) + 1; done(); }, 1_500);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d+)/.exec(answer);
      if (status) { statuses[status[1]!] = (statuses[status[1]!] ?? 0) + 1; done(); }
    });
    socket.on('close', done);
    const host = pick([`127.0.0.1:${receiver.port}`, `localhost:${receiver.port}`, 'evil.example', '']);
    const method = pick(['POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'OPTIONS']);
    const path = pick(['/', '/?app=' + encodeURIComponent(text().replace(/[\ud800-\udfff]/g, '')), '/events', '/history.json', '/x/../..', '/%ff']);
    const payload = body();
    const framing = int(5);
    const headers = [
      `${method} ${path} HTTP/1.1`,
      host === '' ? '' : `Host: ${host}`,
      rand() < 0.7 ? 'Content-Type: application/json' : `Content-Type: ${pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', ''])}`,
      rand() < 0.2 ? `Content-Encoding: ${pick(['gzip', 'br', 'identity'])}` : '',
      rand() < 0.1 ? `Origin: ${pick(['http://evil.example', 'null', `http://127.0.0.1:${receiver.port}`])}` : '',
      rand() < 0.1 ? `Measurements-Time: ${pick(['2099-01-01T00:00:00Z', 'nonsense', new Date().toISOString()])}` : '',
      framing === 0 ? 'Transfer-Encoding: chunked' : `Content-Length: ${framing === 1 ? payload.length + int(1000) : payload.length}`,
    ].filter((line) => line !== '').join('\r\n');
    let wire = Buffer.concat([Buffer.from(`${headers}\r\n\r\n`, 'latin1'), framing === 0 ? Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]) : payload]);
    if (framing === 2) wire = wire.subarray(0, int(wire.length)); // cut anywhere, then close
    const write = (from: number): void => {
      if (from >= wire.length || socket.destroyed) {
        if (framing === 2 || method === 'GET' && path === '/events' && rand() < 0.5) socket.destroy();
        return;
      }
      const piece = framing === 3 ? 1 + int(4096) : 64 * 1024;
      socket.write(wire.subarray(from, from + piece), () => setImmediate(() => write(from + piece)));
    };
    // A page that never reads: ask for events and stop reading.
    if (method === 'GET' && path === '/events' && rand() < 0.5) socket.pause();
    write(0);
  });

  const good = async (): Promise<void> => {
    const response = await fetch(receiver.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"gauges":{"alive":1}}' });
    assert.equal(response.status, 200, `seed ${seed}: a good payload after round ${cases}`);
  };

  try {
    const started = performance.now();
    while (performance.now() - started < durationMs) {
      await Promise.all(Array.from({ length: 16 }, one));
      await good();
      sample();
      assert.ok(receiver.pagesBacklog <= PAGES.maxTotalBacklog + 8 * 1024 * 1024, `seed ${seed}: ${receiver.pagesBacklog} bytes queued for pages`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(receiver.uploadsInFlight, 0, `seed ${seed}: every upload gave its bytes back`);
  } finally {
    clearInterval(probe);
    await receiver.close();
  }
  return { cases, statuses, peakInFlight };
}
