/**
 * The CSM events a real AWS SDK v3 client produces, received on a real UDP socket: success,
 * a 4xx service error, retries that succeed, retries exhausted, a refused connection,
 * truncation and the 8 KB cap.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Aggregator } from '../src/metrics/aggregator.js';
import { InternalMetric } from '../src/metrics/names.js';
import { CsmReporter } from '../src/csm/reporter.js';
import { ACCESS_KEY, SESSION_TOKEN, StsServer, UdpCollector, stable, stsClient } from './helpers/csm-sts.js';
import { refusedPort } from './helpers/ports.js';
import { turns, until } from './helpers/wait.js';

const CLIENT_ID = 'test-app';
const COMMON = { Version: 1, ClientId: CLIENT_ID, Service: 'STS', Api: 'GetCallerIdentity', Region: 'us-east-1' };

function attempt(fields: Record<string, unknown>): Record<string, unknown> {
  return { Type: 'ApiCallAttempt', ...COMMON, Fqdn: '127.0.0.1', AccessKey: ACCESS_KEY, SessionToken: SESSION_TOKEN, ...fields };
}
function call(fields: Record<string, unknown>): Record<string, unknown> {
  return { Type: 'ApiCall', ...COMMON, MaxRetriesExceeded: 0, ...fields };
}


describe('CSM events from a real STS client', () => {
  let sts: StsServer;
  let udp: UdpCollector;
  let aggregator: Aggregator;
  let reporter: CsmReporter;

  before(async () => {
    sts = await StsServer.start();
    udp = await UdpCollector.start();
  });
  after(async () => {
    reporter?.close();
    udp.close();
    await sts.close();
  });
  beforeEach(() => {
    reporter?.close();
    aggregator = new Aggregator();
    reporter = new CsmReporter(CLIENT_ID, udp.address, { aggregator });
    udp.take();
    sts.requests = [];
    sts.respond = () => ({ status: 200 });
    sts.holdUntil = 0;
    sts.gate = undefined;
  });

  async function run(client: STSClient, events: number): Promise<{ error: unknown; events: Array<Record<string, unknown>> }> {
    reporter.injectHandlers(client);
    let error: unknown;
    try {
      await client.send(new GetCallerIdentityCommand({}));
    } catch (err) {
      error = err;
    }
    await udp.waitFor(events);
    return { error, events: udp.take().map(stable) };
  }

  it('sends one attempt and one call for a success, with the request ids and credentials', async () => {
    sts.respond = () => ({ status: 200, headers: { 'x-amz-request-id': 'amz-1', 'x-amz-id-2': 'id2-1' } });
    const { error, events } = await run(stsClient(sts.url), 2);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      attempt({ HttpStatusCode: 200, XAmznRequestId: 'req-1', XAmzRequestId: 'amz-1', XAmzId2: 'id2-1' }),
      call({ AttemptCount: 1, FinalHttpStatusCode: 200 }),
    ]);
  });

  it('reports a 400 service error as AwsException, without retrying', async () => {
    sts.respond = () => ({ status: 400, code: 'ValidationError', message: 'bad input' });
    const { error, events } = await run(stsClient(sts.url), 2);
    assert.equal((error as Error).name, 'ValidationError');
    assert.deepEqual(events, [
      attempt({ HttpStatusCode: 400, XAmznRequestId: 'req-1', AwsException: 'ValidationError', AwsExceptionMessage: 'bad input' }),
      call({ AttemptCount: 1, FinalHttpStatusCode: 400, FinalAwsException: 'ValidationError', FinalAwsExceptionMessage: 'bad input' }),
    ]);
  });

  it('reports two 500s then a success as three attempts, AttemptCount 3, MaxRetriesExceeded 0', async () => {
    sts.respond = (n) => (n < 2 ? { status: 500, code: 'InternalFailure', message: 'try again' } : { status: 200 });
    const { error, events } = await run(stsClient(sts.url), 4);
    assert.equal(error, undefined);
    assert.equal(sts.requests.length, 3);
    const failed = (n: number) => attempt({ HttpStatusCode: 500, XAmznRequestId: `req-${n}`, AwsException: 'InternalFailure', AwsExceptionMessage: 'try again' });
    assert.deepEqual(events, [
      failed(1),
      failed(2),
      attempt({ HttpStatusCode: 200, XAmznRequestId: 'req-3' }),
      call({ AttemptCount: 3, FinalHttpStatusCode: 200 }),
    ]);
  });

  it('reports retries exhausted with MaxRetriesExceeded 1 and the final service error', async () => {
    sts.respond = () => ({ status: 503, code: 'ServiceUnavailable', message: 'down' });
    const { error, events } = await run(stsClient(sts.url, { maxAttempts: 2 }), 3);
    assert.equal((error as Error).name, 'ServiceUnavailable');
    const failed = (n: number) => attempt({ HttpStatusCode: 503, XAmznRequestId: `req-${n}`, AwsException: 'ServiceUnavailable', AwsExceptionMessage: 'down' });
    assert.deepEqual(events, [
      failed(1),
      failed(2),
      call({ AttemptCount: 2, FinalHttpStatusCode: 503, FinalAwsException: 'ServiceUnavailable', FinalAwsExceptionMessage: 'down', MaxRetriesExceeded: 1 }),
    ]);
  });

  it('reports a refused connection as SdkException on every attempt, and retries exhausted', async () => {
    const port = await refusedPort();
    const { error, events } = await run(stsClient(`http://127.0.0.1:${port}`, { maxAttempts: 2 }), 3);
    assert.equal((error as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    const message = `connect ECONNREFUSED 127.0.0.1:${port}`;
    const failed = attempt({ SdkException: 'ECONNREFUSED', SdkExceptionMessage: message });
    assert.deepEqual(events, [
      failed,
      failed,
      call({ AttemptCount: 2, FinalSdkException: 'ECONNREFUSED', FinalSdkExceptionMessage: message, MaxRetriesExceeded: 1 }),
    ]);
  });

  it('does not report MaxRetriesExceeded when the only attempt failed with a non-retryable error', async () => {
    sts.respond = () => ({ status: 403, code: 'InvalidClientTokenId', message: 'invalid token' });
    const { events } = await run(stsClient(sts.url, { maxAttempts: 1 }), 2);
    assert.equal(events[1]?.['MaxRetriesExceeded'], 0);
    assert.equal(events[1]?.['FinalAwsException'], 'InvalidClientTokenId');
  });

  it('sends an ApiCall with AttemptCount 0 and the SdkException when the call fails before any attempt', async () => {
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      credentials: async () => { throw Object.assign(new Error('no credentials here'), { name: 'CredentialsProviderError' }); },
    });
    const { error, events } = await run(client, 1);
    assert.equal((error as Error).name, 'CredentialsProviderError');
    assert.equal(sts.requests.length, 0);
    assert.deepEqual(events, [
      { Type: 'ApiCall', ...COMMON, AttemptCount: 0, FinalSdkException: 'CredentialsProviderError', FinalSdkExceptionMessage: 'no credentials here', MaxRetriesExceeded: 0 },
    ]);
  });

  it('truncates client id (255), user agent (256), exception names (128) and messages (512)', async () => {
    reporter.close();
    const longId = 'c'.repeat(300);
    reporter = new CsmReporter(longId, udp.address, { aggregator });
    const code = `E${'x'.repeat(200)}`;
    const message = 'm'.repeat(600);
    sts.respond = () => ({ status: 400, code, message });
    const client = stsClient(sts.url, { customUserAgent: `app/${'u'.repeat(400)}` });
    reporter.injectHandlers(client);
    await client.send(new GetCallerIdentityCommand({})).catch(() => undefined);
    await udp.waitFor(2);
    const [first, second] = udp.take();
    assert.equal(first?.['ClientId'], 'c'.repeat(255));
    assert.equal((first?.['UserAgent'] as string).length, 256);
    assert.equal(first?.['AwsException'], code.slice(0, 128));
    assert.equal(first?.['AwsExceptionMessage'], 'm'.repeat(512));
    assert.equal(second?.['FinalAwsException'], code.slice(0, 128));
    assert.equal(second?.['FinalAwsExceptionMessage'], 'm'.repeat(512));
    assert.equal((second?.['UserAgent'] as string).length, 256);
  });

  it('drops an event over 8 KB and counts it, still sending the call event', async () => {
    const token = 't'.repeat(9_000);
    const client = stsClient(sts.url, { sessionToken: token });
    reporter.injectHandlers(client);
    await client.send(new GetCallerIdentityCommand({}));
    await udp.waitFor(1);
    // The next call's events prove the oversized attempt was dropped, not merely late.
    sts.respond = () => ({ status: 200 });
    const small = stsClient(sts.url);
    reporter.injectHandlers(small);
    await small.send(new GetCallerIdentityCommand({}));
    await udp.waitFor(3);
    const events = udp.take();
    assert.deepEqual(events.map((e) => e['Type']), ['ApiCall', 'ApiCallAttempt', 'ApiCall']);
    assert.equal(reporter.stats.dropped.tooLarge, 1);
    const snapshot = aggregator.swap();
    const dropped = [...snapshot.counters.values()].filter((c) => c.name === InternalMetric.csmDropped);
    assert.deepEqual(dropped.map((c) => [c.tags, c.value]), [[['reason:too_large'], 1]]);
  });

  it('drops and counts what overflows the queue: a burst of 40 events into a queue of 5', async () => {
    reporter.close();
    reporter = new CsmReporter(CLIENT_ID, udp.address, { aggregator, maxQueue: 5 });
    // The server answers the 20 concurrent calls together, and once all 20 requests are in, the
    // client's region provider takes 500 ms: the region is read at the first event, so all 40
    // events wait for it and are then recorded in one burst, before the socket has even opened.
    sts.holdUntil = 20;
    const region = (): Promise<string> => new Promise((resolve) => {
      setTimeout(() => resolve('us-east-1'), sts.requests.length >= 20 ? 500 : 0);
    });
    const client = new STSClient({
      region,
      endpoint: sts.url,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'secret-example' },
    });
    reporter.injectHandlers(client);
    await Promise.all(Array.from({ length: 20 }, () => client.send(new GetCallerIdentityCommand({}))));
    sts.holdUntil = 0;
    await udp.waitFor(5);
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything beyond 5 would arrive now
    assert.equal(udp.take().length, 5);
    assert.deepEqual(reporter.stats, { sent: 5, dropped: { queueFull: 35, tooLarge: 0, sendError: 0 } });
    const dropped = [...aggregator.swap().counters.values()].filter((c) => c.name === InternalMetric.csmDropped);
    assert.deepEqual(dropped.map((c) => [c.tags, c.value]), [[['reason:queue_full'], 35]]);
  });
  // Regression: the initialize middleware decided at the call's START, so a call in flight across
  // pause() → continue() lost all its events.
  it('a call that starts while paused and ends after continue() sends its attempt and call events', async () => {
    let open!: () => void;
    sts.gate = new Promise((resolve) => (open = resolve));
    const client = stsClient(sts.url);
    reporter.injectHandlers(client);
    reporter.pause();
    const sent = client.send(new GetCallerIdentityCommand({}));
    await until(() => sts.requests.length === 1, 10_000, 'the request in flight');
    reporter.continue();
    open();
    await sent;
    await udp.waitFor(2);
    assert.deepEqual(udp.take().map(stable), [
      attempt({ HttpStatusCode: 200, XAmznRequestId: 'req-1' }),
      call({ AttemptCount: 1, FinalHttpStatusCode: 200 }),
    ]);
  });

  it('a call that starts before pause() and ends while paused sends nothing', async () => {
    let open!: () => void;
    sts.gate = new Promise((resolve) => (open = resolve));
    const client = stsClient(sts.url);
    reporter.injectHandlers(client);
    const sent = client.send(new GetCallerIdentityCommand({}));
    await until(() => sts.requests.length === 1, 10_000, 'the request in flight');
    reporter.pause();
    open();
    await sent;
    await turns(20);
    reporter.continue();
    sts.gate = undefined;
    // A call after continue() proves the socket works and nothing of the paused one was queued.
    await client.send(new GetCallerIdentityCommand({}));
    await udp.waitFor(2);
    await turns(20);
    assert.deepEqual(udp.take().map((e) => [e['Type'], e['XAmznRequestId'] ?? null]), [['ApiCallAttempt', 'req-2'], ['ApiCall', null]]);
    assert.equal(reporter.stats.sent, 2);
  });
});
