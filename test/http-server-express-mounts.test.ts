/**
 * Express route templates under mounted routers, on real Express 4 and 5 apps: the mount's own
 * template (`/orgs/:org/teams/:team`), not the matched mount path with value-like segments
 * guessed, for string parameters a guess would keep raw, `mergeParams`, array and RegExp
 * mounts, a sub-application, a 404 under a mount and an error thrown under a nested route (which Express answers
 * after every router has restored `req.baseUrl`).
 */
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { recorder, routeCounts } from './helpers/server-figures.js';
import { disableHttpServerMonitor, enableHttpServerMonitor } from '../src/http-server/monitor.js';
import { expressMountTemplate } from '../src/http-server/express-mounts.js';
import { until } from './helpers/wait.js';

const require = createRequire(import.meta.url);

type Response = http.ServerResponse & { send(body: string): void };
type Handler = (req: http.IncomingMessage & { params: Record<string, string> }, res: Response, next: (err?: unknown) => void) => void;
type ErrorHandler = (err: unknown, req: http.IncomingMessage, res: Response, next: (err?: unknown) => void) => void;
interface Router {
  get(path: string, ...handlers: Handler[]): Router;
  use(path: string | RegExp | string[], router: Router): Router;
  use(handler: ErrorHandler): Router;
  readonly stack: unknown[];
}
interface ExpressModule { (): Router & http.RequestListener; Router(options?: { mergeParams?: boolean }): Router }

const servers: http.Server[] = [];
afterEach(() => disableHttpServerMonitor());
after(() => { for (const server of servers) { server.closeAllConnections(); server.close(); } });

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

for (const module of ['express', 'express4'] as const) {
  const express = require(module) as ExpressModule;
  const major = (require(`${module}/package.json`) as { version: string }).version.split('.')[0];

  describe(`${module} (v${major}) mount templates`, () => {
    it('tags the template of each mount down nested routers and sub-applications, for string parameters, arrays, RegExps, 404s and thrown errors', async () => {
      const { aggregator, settled } = recorder();
      enableHttpServerMonitor({ aggregator });

      const app = express();
      const orgs = express.Router({ mergeParams: true });
      const teams = express.Router({ mergeParams: true });
      teams.get('/members/:id', (req, res) => res.send(`${req.params['org']}/${req.params['team']}/${req.params['id']}`));
      teams.get('/', (_req, res) => res.send('team'));
      teams.get('/fail/:id', () => { throw new Error('fail'); });
      orgs.use('/teams/:team', teams);
      app.use('/orgs/:org', orgs);
      const shared = express.Router();
      shared.get('/items/:item', (_req, res) => res.send('item'));
      app.use(['/shops/:shop', '/stock'], shared);
      const versioned = express.Router();
      versioned.get('/status', (_req, res) => res.send('ok'));
      app.use(/^\/v\d+/, versioned);
      const tenant = express();
      tenant.get('/reports/:report', (_req, res) => res.send('report'));
      app.use('/tenants/:tenant', tenant as unknown as Router);
      // Without a handler Express would log the thrown error.
      app.use((_err, _req, res, _next) => { res.statusCode = 500; res.end('error'); });
      const server = http.createServer(app);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;

      assert.deepEqual(await get(port, '/orgs/acme/teams/core/members/7'), { status: 200, body: 'acme/core/7' }, 'mergeParams carries the mount parameters');
      assert.equal((await get(port, '/orgs/globex/teams/infra/members/8')).status, 200);
      assert.equal((await get(port, '/orgs/acme/teams/core')).status, 200);
      assert.equal((await get(port, '/orgs/acme/teams/core/nowhere')).status, 404);
      assert.equal((await get(port, '/orgs/acme/teams/core/fail/9')).status, 500);
      assert.equal((await get(port, '/shops/north/items/1')).status, 200);
      assert.equal((await get(port, '/stock/items/2')).status, 200);
      assert.equal((await get(port, '/shops/south/items/3')).status, 200);
      assert.equal((await get(port, '/v2/status')).status, 200);
      assert.equal((await get(port, '/tenants/initech/reports/q3')).status, 200);
      await until(() => settled() === 10, 5_000, 'ten settled requests');

      assert.deepEqual(routeCounts(aggregator), {
        'GET /orgs/:org/teams/:team/members/:id 2xx': 2,
        'GET /orgs/:org/teams/:team 2xx': 1,
        'GET unmatched 4xx': 1,
        'GET /orgs/:org/teams/:team/fail/:id 5xx': 1,
        'GET /shops/:shop/items/:item 2xx': 2,
        'GET /stock/items/:item 2xx': 1,
        'GET /^\\/v\\d+//status 2xx': 1,
        'GET /tenants/:tenant/reports/:report 2xx': 1,
      });
    });
  });
}

describe('mount templates without an app to read', () => {
  it('gives undefined (the caller falls back to its guess) when the request carries no app or no such route', () => {
    const express = require('express4') as ExpressModule;
    const app = express();
    const inner = express.Router();
    inner.get('/x', (_req, res) => res.send('x'));
    app.use('/a/:b', inner);
    const route = (inner.stack[0] as { route: object }).route;
    assert.equal(expressMountTemplate({}, route, '/a/1'), undefined);
    assert.equal(expressMountTemplate({ app: app as never }, route, '/a/1'), '/a/:b');
    assert.equal(expressMountTemplate({ app: app as never }, {}, '/a/1'), undefined, 'a route object no router holds');
    assert.equal(expressMountTemplate({ app: app as never }, route, '/elsewhere/1'), undefined, 'a mount path no mount matches');
  });
});
