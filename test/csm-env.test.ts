/**
 * onload's environment configuration, in child processes started with
 * `node --import hmetrics/onload`: AWS_CSM_* starts the reporter the app then injects its
 * clients with; HMETRICS_HTTP_CLIENT enables the HTTP monitor; bad values never crash the app;
 * the UDP socket never holds the process open.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runNode } from './helpers/child.js';
import { UdpCollector } from './helpers/csm-sts.js';

// The app: a loopback STS, one call through a client it injects into the reporter onload
// started, one plain http request, then a report of what it saw. It never calls exit().
const APP = `
import { csm, isHttpClientMonitorEnabled, processAggregator } from 'hmetrics';
import http from 'node:http';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': 'child-1' });
    res.end('<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn><UserId>u</UserId><Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = 'http://127.0.0.1:' + server.address().port;
const reporter = csm.get();
const out = { csm: reporter === undefined ? null : { clientId: reporter.clientId, address: reporter.address }, http: isHttpClientMonitorEnabled() };
const client = new STSClient({ region: 'eu-west-1', endpoint: url, maxAttempts: 1,
  credentials: { accessKeyId: 'AKIDCHILD', secretAccessKey: 's' } });
reporter?.injectHandlers(client);
await client.send(new GetCallerIdentityCommand({}));
await new Promise((resolve) => http.get(url + '/plain', (res) => { res.resume(); res.on('end', resolve); }));
await new Promise((resolve) => setTimeout(resolve, 20));
out.requests = 0;
for (const c of processAggregator.swap().counters.values()) if (c.name === 'node.http.client.requests') out.requests += c.value;
console.log(JSON.stringify(out));
client.destroy();
server.closeAllConnections();
server.close();
`;

const BASE_ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

async function runApp(env: Record<string, string>): Promise<{ out: Record<string, unknown>; stderr: string; code: number | null }> {
  const result = await runNode({ args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', APP], env: { ...BASE_ENV, ...env } });
  assert.equal(result.killedByTest, false, 'the child exits on its own (nothing held it open)');
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return { out: JSON.parse(line) as Record<string, unknown>, stderr: result.stderr, code: result.code };
}

describe('CSM and the HTTP monitor from the environment (onload)', () => {
  let udp: UdpCollector;
  before(async () => { udp = await UdpCollector.start(); });
  after(() => udp.close());

  it('AWS_CSM_ENABLED starts the reporter at AWS_CSM_HOST/PORT with AWS_CSM_CLIENT_ID; the app injects its client', async () => {
    udp.take();
    const { out, code } = await runApp({ AWS_CSM_ENABLED: 'true', AWS_CSM_HOST: 'localhost', AWS_CSM_PORT: String(udp.port), AWS_CSM_CLIENT_ID: 'env-app' });
    assert.equal(code, 0);
    assert.deepEqual(out, { csm: { clientId: 'env-app', address: `127.0.0.1:${udp.port}` }, http: false, requests: 0 });
    await udp.waitFor(2);
    const events = udp.take();
    assert.deepEqual(events.map((e) => [e['Type'], e['ClientId'], e['Service'], e['Api'], e['Region']]), [
      ['ApiCallAttempt', 'env-app', 'STS', 'GetCallerIdentity', 'eu-west-1'],
      ['ApiCall', 'env-app', 'STS', 'GetCallerIdentity', 'eu-west-1'],
    ]);
    assert.equal(events[0]?.['AccessKey'], 'AKIDCHILD');
    assert.equal(events[0]?.['XAmznRequestId'], 'child-1');
  });

  it('HMETRICS_HTTP_CLIENT=1 enables the HTTP monitor (the SDK call and the plain request each count once)', async () => {
    const { out, code } = await runApp({ HMETRICS_HTTP_CLIENT: '1' });
    assert.equal(code, 0);
    assert.deepEqual(out, { csm: null, http: true, requests: 2 });
  });

  it('starts nothing when neither is set', async () => {
    const { out, code } = await runApp({});
    assert.equal(code, 0);
    assert.deepEqual(out, { csm: null, http: false, requests: 0 });
  });

  it('a bad AWS_CSM_PORT leaves CSM off, says why in the debug log, and never crashes the app', async () => {
    const { out, code, stderr } = await runApp({ AWS_CSM_ENABLED: '1', AWS_CSM_PORT: 'not-a-port', HMETRICS_HTTP_CLIENT: 'yes', HMETRICS_VERBOSE: '1' });
    assert.equal(code, 0);
    assert.deepEqual(out, { csm: null, http: true, requests: 2 });
    assert.match(stderr, /\[hmetrics\] csm not started: Expected `address` to be host:port/);
  });

  it('AWS_CSM_ENABLED=false starts nothing', async () => {
    const { out } = await runApp({ AWS_CSM_ENABLED: 'false', AWS_CSM_PORT: String(udp.port) });
    assert.equal(out['csm'], null);
  });
});
