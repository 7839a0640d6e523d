/**
 * The process' one reporter (`csm.start` / `csm.get`), `addressWithDefaults`, pause/continue
 * and injecting a client twice. One file, one process: the reporter here is the real singleton.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { csm, CsmConflict, InvalidOption, isFatal, type CsmReporter } from '../src/index.js';
import { StsServer, UdpCollector, stsClient } from './helpers/csm-sts.js';

describe('csm.addressWithDefaults', () => {
  const cases: Array<[string, string, string]> = [
    ['', '', '127.0.0.1:31000'],
    ['localhost', '', '127.0.0.1:31000'],
    ['LocalHost', '8094', '127.0.0.1:8094'],
    ['', '8094', '127.0.0.1:8094'],
    ['10.0.0.5', '', '10.0.0.5:31000'],
    ['agent.internal', '1234', 'agent.internal:1234'],
    ['::1', '', '[::1]:31000'],
    ['fe80::1', '8094', '[fe80::1]:8094'],
  ];
  for (const [host, port, expected] of cases) {
    it(`(${JSON.stringify(host)}, ${JSON.stringify(port)}) → ${expected}`, () => {
      assert.equal(csm.addressWithDefaults(host, port), expected);
    });
  }
});

describe('csm.start / csm.get', () => {
  let sts: StsServer;
  let udp: UdpCollector;
  let reporter: CsmReporter;

  before(async () => {
    sts = await StsServer.start();
    udp = await UdpCollector.start();
  });
  after(async () => {
    udp.close();
    await sts.close();
  });

  it('get() is undefined before start', () => {
    assert.equal(csm.get(), undefined);
  });

  it('rejects a malformed address with InvalidOption and starts nothing', () => {
    for (const address of ['nohostport', '127.0.0.1:', ':31000', '127.0.0.1:70000', '::1:31000', '[::1]31000']) {
      assert.throws(() => csm.start('app', address), (err: unknown) => err instanceof InvalidOption && err.message.includes(JSON.stringify(address)), address);
    }
    assert.equal(csm.get(), undefined);
  });

  it('start() returns the reporter, and the same one for the same arguments', () => {
    reporter = csm.start('app-one', udp.address);
    assert.equal(csm.get(), reporter);
    assert.equal(csm.start('app-one', udp.address), reporter);
    assert.equal(reporter.clientId, 'app-one');
    assert.equal(reporter.address, udp.address);
  });

  it('start() with another client id throws, naming both values', () => {
    assert.throws(() => csm.start('app-two', udp.address), (err: unknown) => {
      assert.ok(err instanceof CsmConflict);
      assert.equal(err.code, 'ERR_HMETRICS_CSM_CONFLICT');
      assert.ok(isFatal(err));
      assert.match(err.message, /"app-one"/);
      assert.match(err.message, /"app-two"/);
      return true;
    });
  });

  it('start() with another address throws, naming both values', () => {
    assert.throws(() => csm.start('app-one', '127.0.0.1:31000'), (err: unknown) => {
      assert.ok(err instanceof CsmConflict);
      assert.ok(err.message.includes(JSON.stringify(udp.address)));
      assert.ok(err.message.includes('"127.0.0.1:31000"'));
      return true;
    });
    assert.equal(csm.get(), reporter);
  });

  it('pause() stops publishing; continue() resumes; calls made while paused are never sent', async () => {
    const client = stsClient(sts.url);
    reporter.injectHandlers(client);
    await client.send(new GetCallerIdentityCommand({}));
    await udp.waitFor(2);
    assert.deepEqual(udp.take().map((e) => [e['Type'], e['ClientId']]), [['ApiCallAttempt', 'app-one'], ['ApiCall', 'app-one']]);

    reporter.pause();
    assert.equal(reporter.paused, true);
    await client.send(new GetCallerIdentityCommand({}));
    await client.send(new GetCallerIdentityCommand({}));
    const sentBefore = reporter.stats.sent;

    reporter.continue();
    assert.equal(reporter.paused, false);
    sts.respond = () => ({ status: 400, code: 'ValidationError', message: 'after continue' });
    await client.send(new GetCallerIdentityCommand({})).catch(() => undefined);
    await udp.waitFor(2);
    const events = udp.take();
    // Only the call made after continue(): the two paused calls left nothing behind.
    assert.deepEqual(events.map((e) => [e['Type'], e['AwsExceptionMessage'] ?? e['FinalAwsExceptionMessage']]), [
      ['ApiCallAttempt', 'after continue'],
      ['ApiCall', 'after continue'],
    ]);
    assert.equal(reporter.stats.sent, sentBefore + 2);
    assert.deepEqual(reporter.stats.dropped, { queueFull: 0, tooLarge: 0, sendError: 0 });
  });

  it('injecting the same client twice sends each event once', async () => {
    sts.respond = () => ({ status: 200 });
    const client = stsClient(sts.url);
    reporter.injectHandlers(client);
    reporter.injectHandlers(client);
    await client.send(new GetCallerIdentityCommand({}));
    await udp.waitFor(2);
    // A straggler would arrive with the next call's events: make one more and count.
    await client.send(new GetCallerIdentityCommand({}));
    await udp.waitFor(4);
    assert.deepEqual(udp.take().map((e) => e['Type']), ['ApiCallAttempt', 'ApiCall', 'ApiCallAttempt', 'ApiCall']);
  });

  it('refuses something that is not an SDK v3 client', () => {
    assert.throws(() => reporter.injectHandlers({} as never), InvalidOption);
  });
});
