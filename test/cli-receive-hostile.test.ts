import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { startReceiver } from '../src/cli/receive.js';
import { httpRequest } from './helpers/http.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** Node's own client writing a whole body before reading: any socket error rejects. */
function post(url: string, body: Buffer | string, headers: Record<string, string> = JSON_TYPE): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a payload of 150 000 gauges (2 MB) is printed and kept: no spread of its names into a call', async () => {
  const printed: string[] = [];
  const receiver = await startReceiver({ write: (text) => printed.push(text) });
  try {
    const gauges: Record<string, number> = {};
    for (let i = 0; i < 150_000; i++) gauges[`g${i}`] = i;
    const answer = await post(receiver.url, JSON.stringify({ gauges }));
    assert.equal(answer.status, 200);
    assert.match(printed.at(-1)!, /g149999\s+149999/);
  } finally {
    await receiver.close();
  }
});

/** Node's own client streaming a declared body in 256 KiB writes, as an app piping a file does. */
function postPaced(url: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...JSON_TYPE, 'Content-Length': String(size) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    let sent = 0;
    const step = (): void => {
      if (sent >= size) { req.end(); return; }
      const n = Math.min(256 * 1024, size - sent);
      sent += n;
      req.write(Buffer.alloc(n, 0x20));
      setTimeout(step, 1);
    };
    step();
  });
}

test('an oversize body from Node\'s own client gets a 413 it can read, not EPIPE or ECONNRESET', async () => {
  const receiver = await startReceiver({ write: () => {} });
  try {
    for (const size of [4.5, 4.5, 4.5, 8, 12]) {
      const answer = await postPaced(receiver.url, Math.floor(size * 1024 * 1024));
      assert.equal(answer.status, 413, `${size} MB`);
      assert.match(answer.body, /larger than \d+ bytes/);
    }
    assert.equal((await post(receiver.url, Buffer.alloc(6 * 1024 * 1024, 0x20))).status, 413, 'written at once');
    assert.equal((await post(receiver.url, '{"gauges":{"g":1}}')).status, 200, 'and it keeps working');
  } finally {
    await receiver.close();
  }
});

test('uploads in flight together are bounded: past the budget an upload is refused with 503, and the bytes come back', async () => {
  const receiver = await startReceiver({ write: () => {}, uploads: { maxBody: 64 * 1024, maxInFlight: 256 * 1024 } });
  try {
    const payload = '{"gauges":{"g":1}}';
    const head = Buffer.from(payload.padEnd(60 * 1024, ' '));
    const uploads = Array.from({ length: 20 }, () => {
      let finish!: () => void;
      const answer = new Promise<number>((resolve, reject) => {
        const req = request(receiver.url, { method: 'POST', headers: JSON_TYPE }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
        req.on('error', reject);
        req.write(head);
        finish = () => req.end(' ');
      });
      return { answer, finish: () => finish() };
    });
    // Every upload has sent most of its body and is waiting: the receiver holds at most its budget.
    const deadline = Date.now() + 5_000;
    let peak = 0;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      peak = Math.max(peak, receiver.uploadsInFlight);
      if (peak >= 4 * 60 * 1024) break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    peak = Math.max(peak, receiver.uploadsInFlight);
    assert.ok(peak <= 256 * 1024, `held ${peak} bytes`);
    for (const upload of uploads) upload.finish();
    const statuses = await Promise.all(uploads.map((u) => u.answer));
    const accepted = statuses.filter((s) => s === 200).length;
    assert.ok(accepted >= 1 && accepted <= 4, `${accepted} accepted`);
    assert.equal(statuses.filter((s) => s === 503).length, 20 - accepted);
    assert.equal(receiver.uploadsInFlight, 0);
  } finally {
    await receiver.close();
  }
});

test('live pages that never read are bounded together, the first history frame included', async () => {
  const receiver = await startReceiver({ write: () => {}, pages: { maxTotalBacklog: 4 * 1024 * 1024 } });
  const sockets: Socket[] = [];
  try {
    // About 8 MB of history: 48 payloads of 5 000 gauges.
    const gauges: Record<string, number> = {};
    for (let i = 0; i < 5_000; i++) gauges[`app.gauge.number.${i}`] = i + 0.125;
    const body = JSON.stringify({ gauges });
    for (let i = 0; i < 48; i++) assert.equal((await post(receiver.url, body)).status, 200);
    // 32 pages (the most allowed at once) that ask for events and never read.
    for (let i = 0; i < 32; i++) {
      const socket = connect(receiver.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${receiver.port}\r\n\r\n`);
      socket.pause();
      sockets.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The bound is the total plus the newest page's first frame (about the history's size).
    const historyBytes = Buffer.byteLength((await httpRequest(`${receiver.url}history.json`, { method: 'GET' })).body);
    assert.ok(historyBytes > 7_000_000, `history of ${historyBytes} bytes`);
    assert.ok(receiver.pagesBacklog <= 4 * 1024 * 1024 + historyBytes + 1024, `${receiver.pagesBacklog} bytes queued`);
    // The pages furthest behind were dropped, so a page that reads still gets in and gets the history.
    const page = await fetch(`${receiver.url}events`).catch((err: Error) => { throw new Error(`fetch: ${String(err.cause)}`); });
    assert.equal(page.status, 200);
    const reader = page.body!.getReader();
    const first = await reader.read();
    assert.match(Buffer.from(first.value!).toString('utf8'), /^retry: 1000\n/);
    await reader.cancel();
  } finally {
    for (const socket of sockets) socket.destroy();
    await receiver.close();
  }
});

test('history is kept by receive time: a Measurements-Time 23 h ahead does not wipe the hour kept', async () => {
  let clock = Date.parse('2026-01-01T12:00:00Z');
  const receiver = await startReceiver({ write: () => {}, now: () => clock });
  try {
    const send = (time: number): Promise<unknown> => httpRequest(receiver.url, { body: '{"gauges":{"g":1}}', headers: { ...JSON_TYPE, 'Measurements-Time': new Date(time).toISOString() } });
    for (let i = 0; i < 10; i++) { clock += 5_000; await send(clock); }
    await send(clock + 23 * 3_600_000);
    for (let i = 0; i < 10; i++) { clock += 5_000; await send(clock); }
    const history = JSON.parse((await httpRequest(`${receiver.url}history.json`, { method: 'GET' })).body);
    const times: number[] = history.apps.default.payloads.map((p: { time: number }) => p.time);
    assert.equal(times.length, 21);
    assert.ok(Math.max(...times) <= clock, 'no payload dated ahead of the receiver');
  } finally {
    await receiver.close();
  }
});

test('only its own Host is served (DNS rebinding), and cross-origin or non-JSON browser posts are refused', async () => {
  const printed: string[] = [];
  const receiver = await startReceiver({ write: (text) => printed.push(text) });
  const own = `127.0.0.1:${receiver.port}`;
  try {
    const get = (host: string): Promise<{ status: number }> => httpRequest(receiver.url, { method: 'GET', headers: { Host: host } });
    assert.equal((await get('evil.example')).status, 403);
    assert.equal((await get(`evil.example:${receiver.port}`)).status, 403);
    assert.equal((await get(`localhost:${receiver.port}`)).status, 200);
    assert.equal((await get(own)).status, 200);
    const payload = '{"gauges":{"g":1}}';
    assert.equal((await httpRequest(`${receiver.url}history.json`, { method: 'GET', headers: { Host: 'evil.example' } })).status, 403);
    assert.equal((await httpRequest(receiver.url, { body: payload, headers: { ...JSON_TYPE, Host: 'evil.example' } })).status, 403);
    assert.equal((await httpRequest(receiver.url, { body: payload, headers: { 'Content-Type': 'text/plain', Origin: 'http://evil.example' } })).status, 403);
    assert.equal((await httpRequest(receiver.url, { body: payload, headers: { ...JSON_TYPE, Origin: 'http://evil.example' } })).status, 403);
    assert.equal((await httpRequest(receiver.url, { body: payload, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } })).status, 415);
    assert.equal((await httpRequest(receiver.url, { body: payload, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status, 415);
    assert.equal((await httpRequest(receiver.url, { body: payload, headers: { ...JSON_TYPE, Origin: `http://${own}` } })).status, 200);
    assert.equal((await httpRequest(receiver.url, { body: payload, headers: { 'Content-Type': 'application/json; charset=utf-8' } })).status, 200);
    assert.equal(printed.filter((text) => text.startsWith('── payload')).length, 2, 'only the two allowed posts were drawn');
  } finally {
    await receiver.close();
  }
});
