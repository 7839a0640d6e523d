/**
 * What the route tag is under Koa (with @koa/router), Hono (on @hono/node-server) and Nest (on
 * its Express adapter), each a real app: Nest's routes are Express routes, so their templates
 * (global prefix and controller path included) are found; Koa and Hono keep the matched route on
 * their own context object, which nothing reachable from Node's request points to, so their
 * requests are counted and timed as `unmatched`, with the right method and status.
 */
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { disableHttpServerMonitor, enableHttpServerMonitor } from '../src/http-server/monitor.js';
import { recorder, routeCounts } from './helpers/server-figures.js';
import { until } from './helpers/wait.js';

const require = createRequire(import.meta.url);
const closers: Array<() => unknown> = [];
afterEach(() => disableHttpServerMonitor());
after(async () => { for (const close of closers) await close(); });

async function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
  });
}

/** A monitor into a fresh aggregator, and the `method route status` of each counted request when `n` have settled. */
function monitor(): (n: number) => Promise<Record<string, number>> {
  const { aggregator, settled } = recorder();
  enableHttpServerMonitor({ aggregator });
  return async (n) => {
    await until(() => settled() === n, 5_000, `${n} settled requests`);
    return routeCounts(aggregator);
  };
}

type Listening = http.Server;
const portOf = (server: http.Server): number => (server.address() as AddressInfo).port;

describe('Koa 3 with @koa/router', () => {
  it('counts its requests as unmatched: the matched route lives on the Koa context only', async () => {
    const settled = monitor();
    const Koa = require('koa') as new () => { use(fn: unknown): unknown; listen(port: number, host: string): Listening };
    const Router = require('@koa/router') as new () => { get(path: string, fn: (ctx: { body: unknown; params: Record<string, string> }) => void): unknown; routes(): unknown };
    const app = new Koa();
    const router = new Router();
    router.get('/users/:id', (ctx) => { ctx.body = ctx.params['id']; });
    app.use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    closers.push(() => server.close());
    await new Promise((resolve) => server.once('listening', resolve));
    assert.equal(await get(portOf(server), '/users/1'), 200);
    assert.equal(await get(portOf(server), '/nowhere'), 404);
    assert.deepEqual(await settled(2), { 'GET unmatched 2xx': 1, 'GET unmatched 4xx': 1 });
  });
});

describe('Hono 4 on @hono/node-server', () => {
  it('counts its requests as unmatched: the route lives on the Hono context only', async () => {
    const settled = monitor();
    const { Hono } = require('hono') as { Hono: new () => { get(path: string, fn: (c: { text(s: string): unknown }) => unknown): unknown; fetch: unknown } };
    const { serve } = require('@hono/node-server') as { serve(options: { fetch: unknown; port: number; hostname: string }): Listening };
    const app = new Hono();
    app.get('/users/:id', (c) => c.text('user'));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    closers.push(() => server.close());
    await new Promise((resolve) => server.once('listening', resolve));
    assert.equal(await get(portOf(server), '/users/2'), 200);
    assert.deepEqual(await settled(1), { 'GET unmatched 2xx': 1 });
  });
});

describe('Nest on its Express adapter', () => {
  it('tags the route template with the global prefix and the controller path; a thrown error keeps it; a 404 under the prefix is Nest\'s own catch-all route', async () => {
    const settled = monitor();
    require('reflect-metadata');
    type Decorator = (target: object, key?: string, at?: PropertyDescriptor | number) => void;
    const { NestFactory } = require('@nestjs/core') as { NestFactory: { create(module: unknown, options: object): Promise<{ setGlobalPrefix(p: string): void; listen(port: number, host: string): Promise<unknown>; getHttpServer(): Listening; close(): Promise<void> }> } };
    const common = require('@nestjs/common') as Record<'Module' | 'Controller' | 'Get' | 'Param', (arg: unknown) => Decorator>;
    // Decorators applied by hand: the tests compile without experimentalDecorators.
    class Users {
      find(id: string): string { return `user ${id}`; }
      fail(): never { throw new Error('fail'); }
    }
    common.Controller('users')(Users);
    common.Get(':id')(Users.prototype, 'find', Object.getOwnPropertyDescriptor(Users.prototype, 'find'));
    common.Param('id')(Users.prototype, 'find', 0);
    common.Get(':id/fail')(Users.prototype, 'fail', Object.getOwnPropertyDescriptor(Users.prototype, 'fail'));
    class AppModule {}
    common.Module({ controllers: [Users] })(AppModule);
    const app = await NestFactory.create(AppModule, { logger: false });
    app.setGlobalPrefix('api');
    await app.listen(0, '127.0.0.1');
    closers.push(() => app.close());
    const port = portOf(app.getHttpServer());
    assert.equal(await get(port, '/api/users/acme'), 200);
    assert.equal(await get(port, '/api/users/7/fail'), 500);
    assert.equal(await get(port, '/api/nowhere'), 404);
    assert.deepEqual(await settled(3), { 'GET /api/users/:id 2xx': 1, 'GET /api/users/:id/fail 5xx': 1, 'GET /api*path 4xx': 1 });
  });
});
