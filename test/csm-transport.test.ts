/**
 * The UDP transport on its own: one datagram per event, a bounded queue whose overflow is
 * dropped and counted, send errors that never throw.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { UdpTransport, type DropReason } from '../src/csm/transport.js';
import { parseCsmAddress } from '../src/csm/address.js';
import { truncate } from '../src/csm/event.js';
import { UdpCollector } from './helpers/csm-sts.js';

describe('UdpTransport', () => {
  let udp: UdpCollector;
  before(async () => { udp = await UdpCollector.start(); });
  after(() => udp.close());

  it('keeps at most maxQueue datagrams waiting; the overflow is dropped and counted', async () => {
    const drops: DropReason[] = [];
    let sent = 0;
    const transport = new UdpTransport(parseCsmAddress(udp.address), { maxQueue: 100, onDrop: (r) => drops.push(r), onSent: () => sent++ });
    // All 150 arrive before the socket exists (dgram loads on first use), so exactly 100 wait.
    for (let i = 0; i < 150; i++) transport.enqueue(Buffer.from(JSON.stringify({ i })));
    assert.equal(transport.pending, 100);
    assert.equal(drops.length, 50);
    assert.ok(drops.every((r) => r === 'queue_full'));
    await udp.waitFor(100);
    assert.deepEqual(udp.take().map((e) => e['i']), Array.from({ length: 100 }, (_, i) => i));
    assert.equal(sent, 100);
    assert.equal(transport.pending, 0);
    transport.close();
  });

  it('holds datagrams while paused and sends them on resume', async () => {
    const transport = new UdpTransport(parseCsmAddress(udp.address), { maxQueue: 10, onDrop: () => undefined });
    transport.pause();
    transport.enqueue(Buffer.from('{"held":1}'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(udp.events.length, 0);
    assert.equal(transport.pending, 1);
    transport.resume();
    await udp.waitFor(1);
    assert.deepEqual(udp.take(), [{ held: 1 }]);
    transport.close();
  });

  it('counts a send error (an unresolvable host) as a drop and never throws', async () => {
    const drops: DropReason[] = [];
    const transport = new UdpTransport({ host: 'no-such-host.invalid', port: 31000, family: 'udp4' }, {
      maxQueue: 10,
      onDrop: (r) => drops.push(r),
    });
    transport.enqueue(Buffer.from('{}'));
    transport.enqueue(Buffer.from('{}'));
    const deadline = Date.now() + 10_000;
    while (drops.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(drops, ['send_error', 'send_error']);
    transport.close();
  });

  it('sends to an IPv6 address given as [v6]:port', async (t) => {
    const socket = createSocket('udp6');
    try {
      await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(0, '::1', resolve); });
    } catch {
      socket.close();
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    const received = new Promise<string>((resolve) => socket.once('message', (m) => resolve(m.toString())));
    const target = parseCsmAddress(`[::1]:${socket.address().port}`);
    assert.equal(target.family, 'udp6');
    const transport = new UdpTransport(target, { maxQueue: 10, onDrop: () => undefined });
    transport.enqueue('{"v6":true}');
    assert.equal(await received, '{"v6":true}');
    transport.close();
    socket.close();
  });

  it('drops (and counts) what is still queued when closed', () => {
    const drops: DropReason[] = [];
    const transport = new UdpTransport(parseCsmAddress(udp.address), { maxQueue: 10, onDrop: (r) => drops.push(r) });
    transport.enqueue(Buffer.from('{}'));
    transport.enqueue(Buffer.from('{}'));
    transport.close();
    assert.equal(drops.length, 2);
    assert.equal(transport.enqueue(Buffer.from('{}')), false);
    assert.equal(drops.length, 3);
  });
});

describe('truncate', () => {
  it('cuts to the limit in UTF-16 units and never splits a surrogate pair', () => {
    assert.equal(truncate('abcdef', 3), 'abc');
    assert.equal(truncate('abc', 3), 'abc');
    assert.equal(truncate('ab😀cd', 3), 'ab'); // the emoji would straddle the limit
    assert.equal(truncate('ab😀cd', 4), 'ab😀');
  });
});
